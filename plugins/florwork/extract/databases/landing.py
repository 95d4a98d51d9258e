"""The landing tables of a source table's batches, and the stream of a batch into one.

A batch lands in ``raw.landing_<table>`` (unlogged, no indexes: it holds one batch in
transit), or, for a first load, in ``raw.landing_<table>_first``, shaped like a
partition of the raw table so that it can become one. Both are in ``raw``: they hold
personal data.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from stdnum.it import codicefiscale

from florwork import contracts, sqlfiles, warehouse
from florwork.extract.databases.relay import copy_out_blocks

log = logging.getLogger(__name__)
_SQL = __package__


def landing_name(table: contracts.SourceTable, first: bool = False) -> str:
    """The batch's landing table, as GX and raw.landing_failures know it: in the raw
    schema, since it holds personal data (``first``: a first load's)."""
    return f"raw.landing_{table.raw_table}{'_first' if first else ''}"


def landing_table(table: contracts.SourceTable, first: bool = False) -> sql.Identifier:
    return sql.Identifier(*landing_name(table, first).split("."))


# What a landing table adds to the rows it holds until they are published: the row id
# GX reports failing rows by (from an identity sequence that hands out numbers in
# blocks, not one at a time) and the CF flag.
_ID_CACHE = 10000
LANDING_COLUMNS = sql.SQL(
    f"_landing_row_id bigint generated always as identity (cache {_ID_CACHE}), _cf_valid boolean not null default true"
)


def clear_landings(wh: psycopg.Connection, table: contracts.SourceTable) -> None:
    """Empty the table's landing and drop a first load's (under the table's lock)."""
    wh.execute(sql.SQL("truncate {}").format(landing_table(table)))
    wh.execute(sql.SQL("drop table if exists {}").format(landing_table(table, first=True)))


def create_first_landing(wh: psycopg.Connection, table: contracts.SourceTable, batch_id: int) -> None:
    """The landing table of a first load: logged, shaped like a partition of the raw table
    for ``_segment`` = the batch id (the check constraint lets the attach skip its scan),
    plus the landing's own row id and CF flag, dropped before it is attached."""
    wh.execute(
        sqlfiles.query(
            _SQL,
            "first_landing_create.sql",
            landing=landing_table(table, first=True),
            raw=sql.Identifier(table.raw_table),
            landing_columns=LANDING_COLUMNS,
            check=sql.Identifier(f"{table.raw_table}__b{batch_id}_segment"),
            batch=sql.Literal(batch_id),
        )
    )
    wh.execute(
        sql.SQL(
            "alter table {} alter column _segment set default {}, alter column _source_table set default {}"
        ).format(landing_table(table, first=True), sql.Literal(batch_id), sql.Literal(table.qualified))
    )


def ensure_landing(wh: psycopg.Connection, table: contracts.SourceTable) -> None:
    """The landing table: unlogged and without indexes, since it holds one batch in transit.

    A crash empties an unlogged table, which is what the next run would do anyway (the
    batch is abandoned and reloaded from the last committed mark).
    """
    landing = landing_table(table)
    shape = wh.execute(sqlfiles.query(_SQL, "landing_shape.sql"), landing_name(table).split(".")).fetchone()
    if shape is not None and shape != ("u", False, _ID_CACHE):  # an older layout: it only holds a batch in transit
        wh.execute(sql.SQL("drop table {}").format(landing))
    cols = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in table.columns]
    wh.execute(
        sqlfiles.query(
            _SQL,
            "landing_create.sql",
            landing=landing,
            columns=sql.SQL(", ").join(cols),
            landing_columns=LANDING_COLUMNS,
        )
    )


def truncated_here(wh: psycopg.Connection, landing: sql.Identifier) -> bool:
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


def _escape_undecodable(error: UnicodeDecodeError) -> tuple[str, int]:
    """A byte that is not UTF-8, as the text ``\\xNN`` in COPY's text format (a backslash
    doubled: COPY would read ``\\xNN`` back as the byte)."""
    return "".join(f"\\\\x{b:02x}" for b in error.object[error.start : error.end]), error.end


codecs.register_error("florwork_copy_escape", _escape_undecodable)


@dataclass
class Unstorable:
    """The rows of a batch whose text the warehouse cannot store (bytes that are not UTF-8,
    from a source whose encoding is SQL_ASCII), landed with those bytes escaped as text and
    then quarantined with the reason: checksum -> reason."""

    rows: dict[str, str] = field(default_factory=dict)

    def storable(self, block: bytes, columns: list[str]) -> bytes:
        """The block (whole COPY text rows) with each undecodable row's bad bytes escaped."""
        if _is_utf8(block):
            return block
        lines = block.split(b"\n")
        for i, line in enumerate(lines):
            if _is_utf8(line):
                continue
            fields = line.split(b"\t")
            bad = [name for name, value in zip(columns, fields) if not _is_utf8(value)]
            self.rows[fields[-2].decode("ascii")] = (
                f"{', '.join(bad)} holds bytes that are not UTF-8 text (the source's encoding is SQL_ASCII): "
                "the warehouse cannot store them as text"
            )
            lines[i] = line.decode("utf-8", "florwork_copy_escape").encode("utf-8")
        return b"\n".join(lines)

    def record(self, wh: psycopg.Connection, landing: sql.Identifier, relation: str, batch_id: int) -> None:
        """Add the rows to the batch's landing failures (after GX's validation wrote its own)."""
        if self.rows:
            wh.execute(
                sql.SQL(
                    "insert into raw.landing_failures (relation, row_id, position, reason) "
                    "select %s, l._landing_row_id, -1, u.reason from {} l "
                    "join unnest(%s::text[], %s::text[]) u (checksum, reason) on u.checksum = l._row_checksum "
                    "where l._batch_id = %s"
                ).format(landing),
                (relation, list(self.rows), list(self.rows.values()), batch_id),
            )


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def stream(
    src, wh, table, from_mark, cutoff, batch_id, landing: sql.Identifier, freeze: bool = False
) -> tuple[int, Unstorable]:
    """Stream the rows changed in the interval into the landing table; return how many,
    and those whose text cannot be stored (``freeze``: inside a transaction, on a landing
    table that was empty). Only a SQL_ASCII source can send bytes that are not UTF-8:
    every other encoding is converted by its server, and its blocks are not looked at."""
    cols = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    where = sql.SQL("aggiornato_il < {}").format(sql.Literal(cutoff))
    if from_mark is not None:
        where = sql.SQL("aggiornato_il > {} and ").format(sql.Literal(from_mark)) + where
    query = sqlfiles.query(
        _SQL,
        "source_rows.sql",
        columns=cols,
        checksum=warehouse.row_checksum(table),
        batch=sql.Literal(batch_id),
        source_table=sql.Identifier(table.source, table.name),
        interval=where,
    )
    target = sql.SQL("copy {} ({}, _row_checksum, _batch_id) from stdin").format(landing, cols)
    if freeze and truncated_here(wh, landing):
        # Rows written frozen, hint bits set: the validation's scan and the index build
        # do not rewrite every page after the load.
        target += sql.SQL(" with (freeze)")
    unstorable = Unstorable()
    check = src.info.parameter_status("server_encoding") == "SQL_ASCII"
    columns = table.column_names
    if check:  # its server would refuse to convert them to UTF-8: receive its bytes as they are
        src.execute("set client_encoding to 'SQL_ASCII'")
    try:
        with wh.cursor().copy(target) as into:
            for block in copy_out_blocks(src, query):
                into.write(unstorable.storable(bytes(block), columns) if check else block)
    finally:
        if check:
            src.execute("set client_encoding to 'UTF8'")
    return into.cursor.rowcount, unstorable


def flag_invalid_cfs(
    wh: psycopg.Connection, table: contracts.SourceTable, batch_id: int, landing: sql.Identifier
) -> None:
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
                landing, sql.Identifier(column)
            ),
            (batch_id, invalid),
        )
