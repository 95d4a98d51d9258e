"""Incremental extraction of the SIS and partner databases into the raw layer.

Each table is extracted on ``aggiornato_il``: rows changed after the table's high-water
mark (less a safety overlap, for transactions that commit after rows with a later
``aggiornato_il`` were read) and before the run's cutoff. Rows stream from the source's
``COPY ... TO STDOUT`` into the warehouse's ``COPY ... FROM STDIN`` in chunks, never a
whole table in memory. They land in ``raw.landing_<table>`` (committed, so Great
Expectations can read them), are validated, and then, in one transaction, go to
``raw.<table>`` (a version not already there) or ``quarantine.source_rows`` with the
reasons, the ledger row is closed and the mark moves to the cutoff.

A first load (no mark yet: the whole table) is written once instead of twice: it lands
in ``raw.landing_<table>_first``, a table shaped like a partition of ``raw.<table>``;
after validation its failing rows move to quarantine and the table itself is attached
as a partition (``<table>__b<batch id>``), in the same single transaction.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from psycopg import pq, sql
from stdnum.it import codicefiscale

from florwork import config, contracts, quality, warehouse
from florwork.extract import batches

log = logging.getLogger(__name__)

SAFETY_OVERLAP = timedelta(hours=1)
CONN_IDS = {"sis": "sis_source", "partner": "partner_source"}

# Postgres' information_schema names for the contracts' types.
_TYPE_NAMES = {
    "bigint": "bigint", "smallint": "smallint", "integer": "integer", "text": "text",
    "date": "date", "timestamptz": "timestamp with time zone", "boolean": "boolean",
}


@dataclass
class BatchResult:
    source_object: str
    batch_id: int | None
    received: int
    loaded: int
    duplicate: int
    quarantined: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _expected_type(coltype: str) -> str:
    base = coltype.split("(")[0].strip().lower()
    if base == "varchar":
        return "character varying"
    if base == "char":
        return "character"
    if base == "numeric":
        return "numeric"
    return _TYPE_NAMES.get(base, base)


def check_source_schema(src: psycopg.Connection, table: contracts.SourceTable) -> None:
    """Fail the batch, saying what changed, when the source table differs from its contract."""
    if src.info.server_version < 140000:  # the row checksum's hash_record_extended
        raise batches.BatchFailed(
            f"the source database of {table.qualified} runs PostgreSQL {src.info.server_version // 10000}: "
            "the extraction needs PostgreSQL 14 or later")
    actual = dict(
        src.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            (table.source, table.name),
        ).fetchall()
    )
    if not actual:
        raise batches.BatchFailed(f"source table {table.qualified} does not exist")
    expected = {c.name: _expected_type(c.type) for c in table.columns}
    changes = [f"column {c} removed" for c in expected if c not in actual]
    changes += [f"column {c} added" for c in actual if c not in expected]
    changes += [
        f"column {c} changed type from {expected[c]} to {actual[c]}"
        for c in expected
        if c in actual and actual[c] != expected[c]
    ]
    if changes:
        raise batches.BatchFailed(
            f"source table {table.qualified} no longer matches its contract: "
            + "; ".join(changes)
            + ". Nothing was loaded; update the contract and the raw layer deliberately."
        )


def _landing_name(table: contracts.SourceTable, first: bool = False) -> str:
    """The batch's landing table, as GX and raw.landing_failures know it: in the raw
    schema, since it holds personal data (``first``: a first load's)."""
    return f"raw.landing_{table.raw_table}{'_first' if first else ''}"


def _landing(table: contracts.SourceTable, first: bool = False) -> sql.Identifier:
    return sql.Identifier(*_landing_name(table, first).split("."))


# What a landing table adds to the rows it holds until they are published: the row id
# GX reports failing rows by (from an identity sequence caching 10,000 numbers: one
# handing them out one at a time cost a third of a second a million rows) and the CF flag.
_ID_CACHE = 10000
_LANDING_COLUMNS = sql.SQL(
    f"_landing_row_id bigint generated always as identity (cache {_ID_CACHE}), "
    "_cf_valid boolean not null default true")


def _clear_landings(wh: psycopg.Connection, table: contracts.SourceTable) -> None:
    """Empty the table's landing and drop a first load's (under the table's lock)."""
    wh.execute(sql.SQL("truncate {}").format(_landing(table)))
    wh.execute(sql.SQL("drop table if exists {}").format(_landing(table, first=True)))


def _create_first_landing(wh: psycopg.Connection, table: contracts.SourceTable, batch_id: int) -> None:
    """The landing table of a first load: logged, shaped like a partition of the raw table
    for ``_segment`` = the batch id (the check constraint lets the attach skip its scan),
    plus the landing's own row id and CF flag, dropped before it is attached."""
    wh.execute(sql.SQL(
        "create table {landing} (like raw.{raw} including defaults, {landing_columns}, "
        "constraint {check} check (_segment = {batch}))"
    ).format(landing=_landing(table, first=True), raw=sql.Identifier(table.raw_table), landing_columns=_LANDING_COLUMNS,
             check=sql.Identifier(f"{table.raw_table}__b{batch_id}_segment"), batch=sql.Literal(batch_id)))
    wh.execute(sql.SQL("alter table {} alter column _segment set default {}, alter column _source_table set default {}")
               .format(_landing(table, first=True), sql.Literal(batch_id), sql.Literal(table.qualified)))


def _ensure_landing(wh: psycopg.Connection, table: contracts.SourceTable) -> None:
    """The landing table: unlogged and without indexes, since it holds one batch in transit.

    A crash empties an unlogged table, which is what the next run would do anyway (the
    batch is abandoned and reloaded from the last committed mark).
    """
    landing = _landing(table)
    shape = wh.execute(
        "select c.relpersistence, exists (select from pg_index i where i.indrelid = c.oid), "
        "(select s.seqcache from pg_depend d join pg_sequence s on s.seqrelid = d.objid "
        " where d.refobjid = c.oid and d.deptype = 'i') "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s and c.relname = %s",
        _landing_name(table).split("."),
    ).fetchone()
    if shape is not None and shape != ("u", False, _ID_CACHE):  # an older layout: it only holds a batch in transit
        wh.execute(sql.SQL("drop table {}").format(landing))
    cols = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in table.columns]
    wh.execute(
        sql.SQL(
            "create unlogged table if not exists {} ({}, _row_checksum text not null, "
            "_batch_id bigint not null, {})"
        ).format(landing, sql.SQL(", ").join(cols), _LANDING_COLUMNS)
    )


def _truncated_here(wh: psycopg.Connection, landing: sql.Identifier) -> bool:
    """Empty ``landing`` in the current transaction, which lets COPY write frozen rows; give
    up (False) rather than wait if another session holds a lock on it."""
    try:
        with wh.transaction():
            wh.execute("set local lock_timeout = '5s'")
            wh.execute(sql.SQL("truncate {}").format(landing))
            wh.execute("set local lock_timeout = default")
    except psycopg.errors.LockNotAvailable:
        log.warning("%s is in use: loading it without freezing its rows", landing.as_string(wh))
        return False
    return True


RELAY_BLOCK = 1 << 20


def copy_out_blocks(src: psycopg.Connection, query: sql.Composable) -> Iterator[bytearray]:
    """Run ``COPY ... TO STDOUT`` on ``src`` and yield its output in blocks of about 1 MB.

    COPY sends one message a row. psycopg's ``Copy`` reads each through a generator and
    its wait loop, about 0.5 µs of Python a row; here the rows are read from libpq
    directly (``psycopg.pq``, psycopg's public low-level interface): region payments,
    4.4 s of the relay's CPU became 1.7 s. The socket is waited on with ``select``, so
    signals (a task being stopped) are still handled while the source is slow. ``src``
    must be in autocommit mode: the query bypasses psycopg's transaction handling.
    """
    if not src.autocommit:
        raise ValueError("copy_out_blocks needs a connection in autocommit mode")
    pgconn = src.pgconn
    pgconn.send_query(query.as_bytes(src))
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        _raise_result(pgconn, result)
    block = bytearray()
    while True:
        nbytes, data = pgconn.get_copy_data(1)
        if nbytes > 0:
            block += data
            if len(block) >= RELAY_BLOCK:
                yield block
                block = bytearray()
        elif nbytes == 0:  # nothing buffered: wait for the socket
            select.select([pgconn.socket], [], [], 1.0)
            pgconn.consume_input()
        else:
            break
    if block:
        yield block
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COMMAND_OK:
        _raise_result(pgconn, result)
    while pgconn.get_result() is not None:
        pass


def _raise_result(pgconn: pq.abc.PGconn, result) -> None:
    """Raise the error of a failed COPY TO as psycopg would (after draining the results)."""
    message = (result.error_message if result is not None else pgconn.error_message).decode(errors="replace")
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE) if result is not None else None
    while pgconn.get_result() is not None:
        pass
    error = psycopg.errors.lookup(sqlstate.decode()) if sqlstate else psycopg.OperationalError
    raise error(message.strip() or "COPY from the source failed")


def _stream(src, wh, table, from_mark, cutoff, batch_id, landing: sql.Identifier, freeze: bool = False) -> int:
    """Stream the rows changed in the interval into the landing table; return how many
    (``freeze``: inside a transaction, on a landing table that was empty)."""
    cols = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    where = sql.SQL("aggiornato_il < {}").format(sql.Literal(cutoff))
    if from_mark is not None:
        where = sql.SQL("aggiornato_il > {} and ").format(sql.Literal(from_mark)) + where
    query = sql.SQL(
        "copy (select {cols}, {checksum}, {batch} from {src} where {where}) to stdout"
    ).format(cols=cols, checksum=warehouse.row_checksum(table), batch=sql.Literal(batch_id),
             src=sql.Identifier(table.source, table.name), where=where)
    target = sql.SQL("copy {} ({}, _row_checksum, _batch_id) from stdin").format(landing, cols)
    if freeze and _truncated_here(wh, landing):
        # Rows written frozen, hint bits set: the validation's scan and the index build
        # do not rewrite every page after the load (region payments: about 1.5 s).
        target += sql.SQL(" with (freeze)")
    with wh.cursor().copy(target) as into:
        for block in copy_out_blocks(src, query):
            into.write(block)
    return into.cursor.rowcount


def _flag_invalid_cfs(wh: psycopg.Connection, table: contracts.SourceTable, batch_id: int,
                      landing: sql.Identifier) -> None:
    """Mark rows whose CF fails python-stdnum's check (omocodic CFs are valid)."""
    column = table.cf_column
    if not column:
        return
    invalid = []
    with wh.cursor(name="cf_scan") as cur:
        cur.itersize = 10_000
        cur.execute(
            sql.SQL("select distinct {} from {} where _batch_id = %s").format(sql.Identifier(column), landing),
            (batch_id,),
        )
        for (cf,) in cur:
            if not codicefiscale.is_valid(cf or ""):
                invalid.append(cf)
    if invalid:
        wh.execute(
            sql.SQL("update {} set _cf_valid = false where _batch_id = %s and {} = any(%s)").format(
                landing, sql.Identifier(column)),
            (batch_id, invalid),
        )


ANALYZE_MIN_ROWS = 10_000


def _quarantine_failed(wh, table, batch_id, landing: sql.Identifier, relation: str) -> int:
    """Copy the landing's failing rows to quarantine, with their reasons (into the temp
    table ``_failed`` too); return how many rows failed. Inside the batch's transaction."""
    wh.execute(f"create temp table _failed (landing_row_id, reasons) on commit drop as {quality.FAILURES_BY_ROW}",
               (relation,))
    wh.execute("analyze _failed")
    failed_rows = wh.execute("select count(*) from _failed").fetchone()[0]
    if failed_rows:
        # Rows quarantined again (same content as an earlier batch) count as quarantined:
        # the row is accounted for, once, in quarantine.
        wh.execute(
            sql.SQL(
                "insert into quarantine.source_rows "
                "(batch_id, source_object, source_key, row_checksum, row_data, reasons) "
                "select %s, %s, l.{pk}::text, l._row_checksum, "
                "to_jsonb(l) - '_landing_row_id' - '_batch_id' - '_cf_valid' - '_segment' - '_source_table' "
                "- '_extracted_at', f.reasons "
                "from {landing} l join _failed f on f.landing_row_id = l._landing_row_id "
                "on conflict (source_object, row_checksum) do nothing"
            ).format(pk=sql.Identifier(table.primary_key), landing=landing),
            (batch_id, table.qualified),
        )
    return failed_rows


def _finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation) -> BatchResult:
    """Close the batch and move the mark (inside the batch's transaction)."""
    quality.clear_failures(wh, relation)
    batches.fault_point("before_commit")
    duplicate = received - loaded - failed_rows
    batches.close_batch(wh, batch_id, rows_received=received, rows_loaded=loaded,
                        rows_duplicate=duplicate, rows_quarantined=failed_rows)
    wh.execute(
        "insert into ops.extract_state (source_object, high_water_mark, batch_id) values (%s, %s, %s) "
        "on conflict (source_object) do update set high_water_mark = excluded.high_water_mark, "
        "batch_id = excluded.batch_id, updated_at = now()",
        (table.qualified, cutoff, batch_id),
    )
    return BatchResult(table.qualified, batch_id, received, loaded, duplicate, failed_rows)


def _publish(wh, table, batch_id, cutoff, received: int) -> BatchResult:
    """Move a validated batch (``received`` rows, alone in the landing table) from landing
    to raw and quarantine in one transaction."""
    landing = _landing(table)
    raw = sql.Identifier("raw", table.raw_table)
    cols = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    pk = sql.Identifier(table.primary_key)
    relation = _landing_name(table)
    with wh.transaction():
        failed_rows = _quarantine_failed(wh, table, batch_id, landing, relation)
        # A version is new unless raw holds it: in the main partition (the conflict) or in
        # a first load's (the probe, through each partition's version index).
        loaded = wh.execute(
            sql.SQL(
                "with ins as (insert into {raw} ({cols}, _batch_id, _source_table, _row_checksum) "
                "select {cols}, _batch_id, %s, _row_checksum from {landing} l "
                "where not exists (select from {raw} r where r.{pk} = l.{pk} and r._row_checksum = l._row_checksum "
                "and r._segment <> 0) {unfailed}"
                "on conflict ({pk}, _row_checksum, _segment) do nothing returning 1) select count(*) from ins"
            ).format(raw=raw, cols=cols, landing=landing, pk=pk, unfailed=sql.SQL(
                "and not exists (select from _failed f where f.landing_row_id = l._landing_row_id) "
                if failed_rows else "")),
            (table.qualified,),
        ).fetchone()[0]
        # The landing table holds this batch only (the table's lock is held): empty it.
        wh.execute(sql.SQL("truncate {}").format(landing))
        result = _finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation)
    if loaded >= ANALYZE_MIN_ROWS:
        # Fresh statistics before the warehouse build plans its queries on this table
        # (it may start seconds later, before autovacuum would have looked).
        wh.execute(sql.SQL("analyze {}").format(raw))
    log.info("%s: received %s, loaded %s, duplicate %s, quarantined %s", table.qualified, received, loaded,
             result.duplicate, failed_rows)
    return result


class _IndexBuild(threading.Thread):
    """Build a first load's version index on a connection of its own while GX validates
    the landing table (region payments: about 1 s saved; both use parallel workers, so
    they overlap only in part). The attach then adopts this index instead of building
    one. A build that fails (an id repeated within the batch, which the
    validation reports) leaves no index, and the attach builds it or says why it cannot.
    """

    def __init__(self, table: contracts.SourceTable, batch_id: int):
        super().__init__(name=f"index {table.raw_table}", daemon=True)
        self.statement = sql.SQL("create unique index {} on {} ({}, _row_checksum, _segment)").format(
            sql.Identifier(f"{table.raw_table}__b{batch_id}_version"), _landing(table, first=True),
            sql.Identifier(table.primary_key))
        self.start()

    def run(self) -> None:
        try:
            with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as conn:
                conn.execute(self.statement)
        except psycopg.Error as exc:
            log.warning("the version index was not built beside the validation (%s); the attach builds it",
                        str(exc).strip().splitlines()[0])


def _publish_first(wh, table, batch_id, cutoff, received: int) -> BatchResult:
    """Publish a first load: its failing rows go to quarantine, versions raw already holds
    (a reload from scratch) are dropped, and the landing table becomes a partition of raw."""
    landing = _landing(table, first=True)
    raw = sql.Identifier("raw", table.raw_table)
    pk = sql.Identifier(table.primary_key)
    relation = _landing_name(table, first=True)
    partition = f"{table.raw_table}__b{batch_id}"
    with wh.transaction():
        failed_rows = _quarantine_failed(wh, table, batch_id, landing, relation)
        if failed_rows:
            wh.execute(sql.SQL("delete from {} l using _failed f where f.landing_row_id = l._landing_row_id")
                       .format(landing))
        duplicate = 0
        if wh.execute(sql.SQL("select exists (select from {})").format(raw)).fetchone()[0]:
            wh.execute(sql.SQL("analyze {}").format(landing))
            duplicate = wh.execute(sql.SQL(
                "delete from {landing} l where exists (select from {raw} r where r.{pk} = l.{pk} "
                "and r._row_checksum = l._row_checksum)").format(landing=landing, raw=raw, pk=pk)).rowcount
        wh.execute(sql.SQL("alter table {} drop column _landing_row_id, drop column _cf_valid, "
                           "alter column _segment drop default, alter column _source_table drop default")
                   .format(landing))
        wh.execute(sql.SQL("alter table {} rename to {}").format(landing, sql.Identifier(partition)))
        # Adopts the version index built during validation (or builds it); the check
        # constraint spares the scan.
        wh.execute(sql.SQL("alter table {} attach partition raw.{} for values in ({})").format(
            raw, sql.Identifier(partition), sql.Literal(batch_id)))
        loaded = received - failed_rows - duplicate
        result = _finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation)
    wh.execute(sql.SQL("analyze {}").format(raw))
    log.info("%s: first load, received %s, loaded %s (partition raw.%s), duplicate %s, quarantined %s",
             table.qualified, received, loaded, partition, result.duplicate, failed_rows)
    return result


def extract_table(source: str, name: str, cutoff: datetime) -> BatchResult:
    """Extract one source table up to ``cutoff`` (exclusive)."""
    table = contracts.table(source, name)
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh, \
            warehouse.connect(CONN_IDS[source], autocommit=True) as src:
        with batches.exclusive(wh, table.qualified):
            _ensure_landing(wh, table)
            batches.abandon_stale(wh, source_object=table.qualified)
            _clear_landings(wh, table)  # what a crashed run left, if anything
            row = wh.execute(
                "select high_water_mark from ops.extract_state where source_object = %s",
                (table.qualified,),
            ).fetchone()
            mark = row[0] if row else None
            if mark is not None and mark >= cutoff:
                log.info("%s already extracted up to %s", table.qualified, mark)
                return BatchResult(table.qualified, None, 0, 0, 0, 0)
            from_mark = mark - SAFETY_OVERLAP if mark is not None else None
            batch_id = batches.open_batch(wh, source, table.qualified, cutoff=cutoff, from_mark=from_mark)
            first = mark is None
            landing = _landing(table, first)
            if first:  # committed empty, so that GX can find it while the rows stream
                with wh.transaction():
                    _create_first_landing(wh, table, batch_id)
            quality.prepare(f"{source}__{name}", _landing_name(table, first))
            try:
                check_source_schema(src, table)
                with wh.transaction():
                    received = _stream(src, wh, table, from_mark, cutoff, batch_id, landing, freeze=first)
                    _flag_invalid_cfs(wh, table, batch_id, landing)
                batches.fault_point("after_landing")
                index = _IndexBuild(table, batch_id) if first else None
                try:
                    quality.validate_landing(f"{source}__{name}", _landing_name(table, first), batch_id,
                                             key_column="_landing_row_id", rows=received)
                finally:
                    if index is not None:
                        index.join()
                return (_publish_first if first else _publish)(wh, table, batch_id, cutoff, received)
            except Exception as exc:
                batches.fail_batch(wh, batch_id, str(exc))
                _clear_landings(wh, table)
                raise


def extract_source(source: str, cutoff: datetime) -> list[dict]:
    return [extract_table(source, t.name, cutoff).as_dict() for t in contracts.tables(source)]
