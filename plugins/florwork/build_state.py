"""Whether a warehouse build has anything to do: the inputs of the last successful build.

A build's output depends only on what it reads: the raw layer, the month it is built
through, the dbt project and seed files, the bootstrap (raw tables, the pseudonymisation
key) and the dbt target. ``recorded_build`` fingerprints them before it runs dbt, and
stores the fingerprint in ``ops.build_inputs`` once the build succeeded, with a digest
of the relations the build left. A build whose inputs and relations equal the stored ones
would write the same rows again: it is recorded as "up to date" and dbt is not run.

The stored row is removed by every dbt invocation (``on-run-start`` in
dbt_project/dbt_project.yml), so a build run by hand, a failed build or a rekey always
leaves the next build to run dbt. docs/scaling.md says what is compared and why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from importlib import metadata

import psycopg

from florwork import config, contracts, transform

# The raw layer: every write by the platform's loaders is a batch of the ledger, and a
# truncate or a rewrite gives a table a new file. A row changed by hand, around the
# loaders, is neither: such a change needs a forced build (docs/scaling.md). The
# statistics' write counters would see it, but they reach the catalog up to seconds
# after the write, which would make the comparison depend on timing.
# Only the tables dbt reads: the contracts' raw tables, each with its partitions' files (a
# load truncates its landing table even when it brings nothing). Both the files and the
# ledger are kept per raw table, so that a build can tell which tables changed.
RAW_SQL = """
select coalesce(jsonb_object_agg(tables.name, tables.files), '{}'::jsonb)
from (
    select coalesce(parent.relname, c.relname) as name, jsonb_agg(c.relfilenode order by c.relname) as files
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_inherits i on i.inhrelid = c.oid
    left join pg_class parent on parent.oid = i.inhparent
    where n.nspname = 'raw' and c.relkind in ('r', 'p')
      and coalesce(parent.relname, c.relname) = any(%(tables)s)
    group by coalesce(parent.relname, c.relname)
) as tables
"""
# The batches that wrote rows, per source object (a database table, a CO file).
LEDGER_SQL = """
select source, source_object, count(*) as batches, max(batch_id) as last_batch,
       sum(coalesce(rows_loaded, 0) + coalesce(rows_released, 0)) as rows_written
from ops.batches
where status = 'done' and (rows_loaded > 0 or rows_released > 0)
group by source, source_object
order by source, source_object
"""
BOOTSTRAP_SQL = """
select (select fingerprint from ops.bootstrap_state),
       (select key_fingerprint from ops.pseudonymisation_key),
       (select coalesce(jsonb_agg(name order by name), '[]'::jsonb) from ops.migrations)
"""
# The relations dbt builds, by identity: one dropped or recreated since the build (by
# hand, or by a dbt run outside the platform) changes it. The platform's own schemas are
# left out: loads create and drop landing tables there.
RELATIONS_SQL = """
select md5(coalesce(string_agg(n.nspname || '.' || c.relname || ':' || c.oid, ',' order by n.nspname, c.relname), ''))
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm')
  and n.nspname not in ('raw', 'quarantine', 'ops', 'pg_catalog', 'information_schema', 'pg_toast')
  and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'
"""


def raw_tables() -> list[str]:
    """The raw tables dbt reads: one per contract table, and the CO notices."""
    return sorted(
        ["co_notices", *(t.raw_table for source in contracts.DATABASE_SOURCES for t in contracts.tables(source))]
    )


def raw_table(source: str, source_object: str) -> str:
    """The raw table a batch of ``source_object`` writes (every CO file: the CO notices)."""
    if source == "co":
        return "co_notices"
    return contracts.table(source, source_object.split(".", 1)[1]).raw_table


def ledger(conn: psycopg.Connection) -> dict[str, list[int]]:
    """Per raw table: the batches that wrote rows to it, the last one, the rows written."""
    written: dict[str, list[int]] = {}
    for source, source_object, batches, last_batch, rows in conn.execute(LEDGER_SQL):
        totals = written.setdefault(raw_table(source, source_object), [0, 0, 0])
        totals[0] += batches
        totals[1] = max(totals[1], last_batch)
        totals[2] += int(rows)
    return written


def inputs(conn: psycopg.Connection, through: date) -> dict:
    """Everything the build through ``through`` would read, as it is now."""
    target = config.uri_parts(config.connection_uri("warehouse"))
    bootstrap, key, migrations = conn.execute(BOOTSTRAP_SQL).fetchone()
    return {
        "through_month": through.isoformat(),
        "dbt_project": transform.project_digest(),
        "seeds": transform.seed_fingerprints(),
        "dbt": metadata.version("dbt-core"),
        "target": [target.host, target.port, target.dbname, config.component_role("transformer") or ""],
        "bootstrap": bootstrap,
        "key": key,
        "migrations": migrations,
        "ledger": ledger(conn),
        "raw": conn.execute(RAW_SQL, {"tables": raw_tables()}).fetchone()[0],
    }


# The inputs that change only some of the graph: the raw tables (the ledger and the tables'
# files) and the month. Any other change (the project, the seeds, dbt, the target, the
# bootstrap, the key) may change any model: the whole graph is built.
PER_TABLE = ("ledger", "raw")


@dataclass(frozen=True)
class Changes:
    """What changed since the last successful build: the raw tables, and whether the month did."""

    tables: tuple[str, ...]
    month: bool


def changes(previous: dict | None, current: dict) -> Changes | None:
    """The raw tables and month that changed between two builds' inputs, or None when the
    whole graph must be built (no previous build known, or another input changed)."""
    if not previous or set(previous) != set(current):
        return None
    if any(previous[k] != current[k] for k in current if k not in (*PER_TABLE, "through_month")):
        return None
    tables = set()
    for part in PER_TABLE:
        before, now = previous[part], current[part]
        if not (isinstance(before, dict) and isinstance(now, dict)):
            return None  # recorded by a platform that kept them whole
        tables |= {t for t in before.keys() | now.keys() if before.get(t) != now.get(t)}
    return Changes(tuple(sorted(tables)), previous["through_month"] != current["through_month"])


def previous(conn: psycopg.Connection) -> dict | None:
    """The inputs of the last successful whole build, if every relation it left is still there."""
    row = conn.execute("select inputs, relations_digest from ops.build_inputs").fetchone()
    if row and row[1] == relations(conn):
        return row[0]
    return None


def digest(values: object) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def relations(conn: psycopg.Connection) -> str:
    return conn.execute(RELATIONS_SQL).fetchone()[0]


def up_to_date(conn: psycopg.Connection, current: dict) -> int | None:
    """The build whose inputs are ``current`` and whose relations are all still there,
    if the last successful build was one; else None."""
    row = conn.execute("select build_id, inputs_digest, relations_digest from ops.build_inputs").fetchone()
    if row and row[1] == digest(current) and row[2] == relations(conn):
        return row[0]
    return None


def remember(conn: psycopg.Connection, build_id: int, current: dict) -> None:
    """Store the inputs of a build that just succeeded (``current``, read before it ran)."""
    conn.execute(
        "insert into ops.build_inputs (singleton, build_id, inputs_digest, relations_digest, inputs) "
        "values (true, %s, %s, %s, %s) on conflict (singleton) do update set build_id = excluded.build_id, "
        "inputs_digest = excluded.inputs_digest, relations_digest = excluded.relations_digest, "
        "inputs = excluded.inputs, recorded_at = now()",
        (build_id, digest(current), relations(conn), json.dumps(current, default=str)),
    )
