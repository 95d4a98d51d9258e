"""Connections and the bootstrap of the databases the platform owns."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import sql

from florwork import config, contracts
from florwork.errors import DatabaseUnreachable, KeyChanged


def connect(conn_id: str, role: str | None = None, **kwargs) -> psycopg.Connection:
    """Connect to one of the platform's databases, as ``role`` when given (SET ROLE).

    Every session speaks UTF-8, the warehouse's encoding: a source in another encoding
    converts its text on its server (one in SQL_ASCII converts nothing:
    extract/databases/landing.py quarantines what is not UTF-8)."""
    uri = config.connection_uri(conn_id)
    kwargs.setdefault("client_encoding", "UTF8")
    if role:
        kwargs["options"] = f"-c role={role}"
    try:
        return psycopg.connect(uri, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(
            f"cannot reach the {conn_id} database at {config.redact(uri)}: "
            f"{str(exc).strip().splitlines()[0]}. Is it running? "
            + (
                "Start it with `.venv/bin/florwork up`."
                if config.uses_embedded()
                else f"Check AIRFLOW_CONN_{conn_id.upper()}."
            )
        ) from exc


def raw_table_ddl(table: contracts.SourceTable) -> sql.Composed:
    """A source table's raw table: every version of every row, with its load metadata.

    Partitioned by ``_segment``: the incremental loads go to the main partition
    (``_segment`` 0); a first load lands in a table of its own, which is validated and
    then attached as a partition (``_segment`` = its batch id), so its rows are written
    once (extract/databases/).
    """
    cols = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in table.columns]
    cols += [
        sql.SQL("_batch_id bigint not null"),
        sql.SQL("_extracted_at timestamptz not null default now()"),
        sql.SQL("_source_table text not null"),
        sql.SQL("_row_checksum text not null"),
        sql.SQL("_segment bigint not null default 0"),
    ]
    return sql.SQL("create table if not exists raw.{} ({}) partition by list (_segment)").format(
        sql.Identifier(table.raw_table), sql.SQL(", ").join(cols)
    )


def row_checksum(table: contracts.SourceTable) -> sql.Composed:
    """A source row's checksum, which with its key identifies a version of the row.

    A 64-bit hash of the row's values in the contract's column order, each hashed by its
    type (PostgreSQL's ``hash_record_extended``, 14 and later; what hash partitioning
    uses): the same values give the same checksum whatever the session's time zone or
    date style, and, unlike an md5 of the row's text, it costs the source no text
    formatting (bench/results/history.md). Computed from the contract's
    columns, it can be computed again from a raw row (the migration below does).
    """
    cols = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    return sql.SQL("hash_record_extended(row({}), 0)::text").format(cols)


# Raw tables and quarantine rows stored before checksums were hash_record_extended carry
# md5(row::text): recompute them, so that the next load knows the versions raw holds.
_CHECKSUM_MIGRATION = "row_checksum_hash_record_extended"


def _migrate_row_checksums(conn: psycopg.Connection, table: contracts.SourceTable) -> None:
    raw = sql.Identifier("raw", table.raw_table)
    pk = sql.Identifier(table.primary_key)
    checksum = row_checksum(table)
    try:
        with conn.transaction():
            conn.execute(sql.SQL("update {} set _row_checksum = {}").format(raw, checksum))
    except psycopg.errors.UniqueViolation:
        # The same values stored twice under two md5s (rows read with different time
        # zones give different text): the first keeps the new checksum, the other its own.
        conn.execute(
            sql.SQL(
                "update {raw} r set _row_checksum = n.checksum from ("
                " select tableoid, ctid, checksum from (select tableoid, ctid, {checksum} as checksum, "
                " row_number() over (partition by {pk}, {checksum}, _segment order by _extracted_at, _batch_id) as n "
                " from {raw}) s where n = 1) n "
                "where r.tableoid = n.tableoid and r.ctid = n.ctid"
            ).format(raw=raw, checksum=checksum, pk=pk)
        )
    record = sql.SQL("(jsonb_populate_record(null::{}, q.row_data)).*").format(raw)
    conn.execute(
        sql.SQL(
            "update quarantine.source_rows q set row_checksum = n.checksum from ("
            " select quarantine_id, checksum from (select quarantine_id, checksum, "
            " row_number() over (partition by checksum order by quarantine_id) as n from ("
            "  select q.quarantine_id, (select {checksum} from (select {record}) r) as checksum "
            "  from quarantine.source_rows q where q.source_object = %(object)s) c) s where n = 1) n "
            "where q.quarantine_id = n.quarantine_id and q.source_object = %(object)s "
            "and not exists (select from quarantine.source_rows o where o.source_object = %(object)s "
            "and o.row_checksum = n.checksum)"
        ).format(checksum=checksum, record=record),
        {"object": table.qualified},
    )


def version_index(table: contracts.SourceTable) -> sql.Identifier:
    """The unique index of a raw table's versions (key, checksum; per segment)."""
    return sql.Identifier(f"{table.raw_table}_version")


def raw_indexes(table: contracts.SourceTable, relation: sql.Composable, prefix: str) -> list[sql.Composed]:
    """The indexes of a raw table (or of a first load's partition-to-be), named
    ``<prefix>_version`` and ``<prefix>_extracted``: the unique index of the versions (key,
    checksum; per segment), and a BRIN index of the extraction times, with which the
    incremental build reads the rows extracted since its last run (a few thousand among
    millions, appended in time order; a first load's partition, all of one instant, is
    skipped by its summary alone)."""
    return [
        sql.SQL("create unique index if not exists {} on {} ({}, _row_checksum, _segment)").format(
            sql.Identifier(f"{prefix}_version"), relation, sql.Identifier(table.primary_key)
        ),
        sql.SQL("create index if not exists {} on {} using brin (_extracted_at)").format(
            sql.Identifier(f"{prefix}_extracted"), relation
        ),
    ]


def _partition_raw_table(conn: psycopg.Connection, table: contracts.SourceTable) -> None:
    """Turn a raw table of an earlier layout (not partitioned) into the main partition of
    the partitioned one, keeping its rows where they are."""
    kind = conn.execute(
        "select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'raw' and c.relname = %s",
        (table.raw_table,),
    ).fetchone()
    if kind is None or kind[0] != "r":
        return
    name, main = table.raw_table, f"{table.raw_table}__main"
    conn.execute(sql.SQL("alter table raw.{} rename to {}").format(sql.Identifier(name), sql.Identifier(main)))
    conn.execute(sql.SQL("drop index if exists raw.{}").format(version_index(table)))
    conn.execute(
        sql.SQL(
            "alter table raw.{} add column if not exists _segment bigint not null default 0, "
            "add constraint {} check (_segment = 0)"
        ).format(sql.Identifier(main), sql.Identifier(f"{main}_segment"))
    )
    conn.execute(raw_table_ddl(table))
    conn.execute(
        sql.SQL("alter table raw.{} attach partition raw.{} for values in (0)").format(
            sql.Identifier(name), sql.Identifier(main)
        )
    )


BOOTSTRAP_LOCK = "florwork.bootstrap"


def bootstrap_fingerprint(key: str) -> str:
    """What the bootstrap would create: its SQL, this module's code, the contracts and the
    key. The same fingerprint stored in ``ops.bootstrap_state`` means there is nothing to do."""
    digest = hashlib.sha256()
    for name in ("warehouse.sql", "roles.sql"):
        digest.update(resources.files("florwork.sql").joinpath(name).read_bytes())
    digest.update(Path(__file__).read_bytes())
    for source in contracts.DATABASE_SOURCES:
        digest.update(repr(contracts.tables(source)).encode())
    digest.update(key_fingerprint(key).encode())
    return digest.hexdigest()


def _stored_fingerprint(conn: psycopg.Connection) -> str | None:
    if conn.execute("select to_regclass('ops.bootstrap_state') is null").fetchone()[0]:
        return None
    row = conn.execute("select fingerprint from ops.bootstrap_state").fetchone()
    return row[0] if row else None


def bootstrap(conn: psycopg.Connection, *, unless_current: bool = False, fingerprint: str | None = None) -> bool:
    """Create the platform's schemas and tables (idempotent) and install the key; return
    whether it ran (``unless_current``: not when the stored fingerprint is current).

    The bootstrap's DDL (grants on every table of a schema among it) must not run beside a
    load or a build, which change the same catalog rows ("tuple concurrently updated"): it
    holds the bootstrap lock exclusively, loads and builds hold it shared (``in_use``).
    """
    key = config.pseudonymisation_key()
    fingerprint = fingerprint or bootstrap_fingerprint(key)
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (BOOTSTRAP_LOCK,))
    if unless_current and _stored_fingerprint(conn) == fingerprint:
        conn.rollback()  # another process bootstrapped while this one waited for the lock
        return False
    bootstrap_schema(conn)
    install_key(conn, key)
    conn.execute(
        "insert into ops.bootstrap_state (singleton, fingerprint) values (true, %s) "
        "on conflict (singleton) do update set fingerprint = excluded.fingerprint, bootstrapped_at = now()",
        (fingerprint,),
    )
    return True


@contextmanager
def in_use(conn: psycopg.Connection | None = None):
    """Hold the bootstrap lock shared for the block (on ``conn``, else a connection of its
    own), so that no bootstrap changes the catalog under a load or a build."""
    own = conn is None
    if own:
        conn = connect("warehouse", autocommit=True)
    try:
        conn.execute("select pg_advisory_lock_shared(hashtext(%s))", (BOOTSTRAP_LOCK,))
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock_shared(hashtext(%s))", (BOOTSTRAP_LOCK,))
    finally:
        if own:
            conn.close()


def bootstrap_schema(conn: psycopg.Connection) -> None:
    """Create the platform's schemas, tables and roles (idempotent)."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (BOOTSTRAP_LOCK,))
    conn.execute(resources.files("florwork.sql").joinpath("warehouse.sql").read_text())
    for source in contracts.DATABASE_SOURCES:
        for table in contracts.tables(source):
            # No foreign key to ops.batches: its per-row check doubled the cost of a load;
            # the loader writes the batch id of the batch it holds open.
            conn.execute(
                sql.SQL("alter table if exists raw.{} drop constraint if exists {}").format(
                    sql.Identifier(table.raw_table), sql.Identifier(f"{table.raw_table}__batch_id_fkey")
                )
            )
            _partition_raw_table(conn, table)
            conn.execute(raw_table_ddl(table))
            conn.execute(
                sql.SQL("create table if not exists raw.{} partition of raw.{} for values in (0)").format(
                    sql.Identifier(f"{table.raw_table}__main"), sql.Identifier(table.raw_table)
                )
            )
            for statement in raw_indexes(table, sql.Identifier("raw", table.raw_table), table.raw_table):
                conn.execute(statement)
    if not conn.execute(
        "select exists (select from ops.migrations where name = %s)", (_CHECKSUM_MIGRATION,)
    ).fetchone()[0]:
        for source in contracts.DATABASE_SOURCES:
            for table in contracts.tables(source):
                _migrate_row_checksums(conn, table)
        conn.execute("insert into ops.migrations (name) values (%s)", (_CHECKSUM_MIGRATION,))
    conn.execute(resources.files("florwork.sql").joinpath("roles.sql").read_text())
    can_grant = conn.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user").fetchone()[
        0
    ]
    if can_grant:  # let the platform's own login act as each component
        conn.execute("grant florwork_loader, florwork_transformer to current_user")


def _pads(key: str) -> tuple[bytes, bytes]:
    raw = key.encode()
    if len(raw) > 64:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in raw), bytes(b ^ 0x5C for b in raw)


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(b"florwork-key-fingerprint:" + key.encode()).hexdigest()


def install_key(conn: psycopg.Connection, key: str, *, rekey: bool = False) -> None:
    """Store the pseudonymisation key's HMAC pads; a different key needs ``rekey``.

    Changing the key changes every ``person_key``, so it is an explicit operation
    (``florwork rekey``), never the side effect of a mistyped setting.
    """
    inner, outer = _pads(key)
    fingerprint = key_fingerprint(key)
    row = conn.execute("select key_fingerprint from ops.pseudonymisation_key").fetchone()
    if row and row[0] != fingerprint and not rekey:
        raise KeyChanged(
            "AIRFLOW_VAR_PSEUDONYMISATION_KEY differs from the key this warehouse was built "
            "with. If you mean to change it, run `.venv/bin/florwork rekey --yes` (every "
            "person_key changes and the warehouse is rebuilt); otherwise restore the key."
        )
    conn.execute(
        """insert into ops.pseudonymisation_key (singleton, key_fingerprint, inner_pad, outer_pad)
           values (true, %s, %s, %s)
           on conflict (singleton) do update set key_fingerprint = excluded.key_fingerprint,
               inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, set_at = now()""",
        (fingerprint, inner, outer),
    )


def create_database(admin: psycopg.Connection, name: str) -> bool:
    exists = admin.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
    if not exists:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return not exists


def create_source_schema(conn: psycopg.Connection, source: str) -> None:
    """Create a source system's schema exactly as its contract defines it."""
    exists = conn.execute("select 1 from information_schema.schemata where schema_name = %s", (source,)).fetchone()
    if not exists:
        conn.execute(contracts.ddl(source))


_bootstrapped: set[str] = set()
_forced = False


def forget_bootstrap() -> None:
    """Make the next ``bootstrap_once`` run the bootstrap whatever the warehouse records."""
    global _forced
    _bootstrapped.clear()
    _forced = True


def bootstrap_once() -> None:
    """Bootstrap the warehouse if it is not current (tasks call this before loading).

    Each task of a scheduled run is a process of its own: the bootstrap runs only when
    the warehouse's stored fingerprint differs from this code's (a new warehouse, an
    upgrade, a changed key), so parallel tasks do not repeat its DDL. It runs on a
    connection of the warehouse login itself (it creates roles and grants), never under a
    component's role, and before the caller holds the bootstrap lock shared (``in_use``).
    """
    global _forced
    key = config.connection_uri("warehouse")
    if key in _bootstrapped:
        return
    with connect("warehouse") as owner:
        fingerprint = bootstrap_fingerprint(config.pseudonymisation_key())
        current = not _forced and _stored_fingerprint(owner) == fingerprint
        owner.rollback()
        if not current:
            bootstrap(owner, unless_current=not _forced, fingerprint=fingerprint)
    _forced = False
    _bootstrapped.add(key)
