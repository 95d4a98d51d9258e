"""The measured steps. Each runs in a process of its own (``python bench/steps.py STEP``)
under /usr/bin/time, so every figure is a whole process: interpreter start, imports,
work. A step prints one JSON line with what it counted.

Extraction steps read sis.erogazioni (every row before CUTOFF: a first load, the
largest table) into the warehouse:
- ``bare``: COPY (select ...) TO STDOUT piped into COPY ... FROM STDIN (the limit), with
  psycopg's documented copy-to-copy loop;
- ``bare_relay``: the same pipe read through the platform's relay (libpq-level reads,
  1 MB writes), which is faster than that loop: the platform against the same plumbing;
- ``florwork``: the platform's extraction (landing, GX, raw + quarantine, ledger);
- ``pandas``: read_sql + to_sql, what many would write;
- ``dlt`` / ``dlt_pyarrow``: dlt's sql_database source into its postgres destination,
  with its default backend and with the pyarrow one (in bench/.venv-dlt).
CO steps read every CO file of the landing folder:
- ``co_bare``: csv.reader + COPY of the lines;
- ``co_florwork``: the platform's CO loader.
Bologna's steps read every table of the ipl source (rows changed before CUTOFF):
- ``ipl_bare``: the bare COPY pipe, table by table;
- ``ipl_florwork``: the platform's extraction of each table (the extract_ipl DAG's work).
bench/run.py also runs them on the CO files at ten times the volume (``co_volume``).

With ``BENCH_CUTOFF`` (an ISO instant) the extraction steps read only the payments
changed before it, and with ``BENCH_CO_BEFORE`` (an ISO date) the CO steps read only
the files of the days before it: bench/run.py uses them for a small run of each step,
whose time is the step's fixed cost (interpreter, imports, GX's start-up, round trips).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CUTOFF = datetime.fromisoformat(os.environ.get("BENCH_CUTOFF", "2026-01-01T00:00:00+00:00"))
CO_BEFORE = date.fromisoformat(os.environ["BENCH_CO_BEFORE"]) if os.environ.get("BENCH_CO_BEFORE") else None
COLUMNS = "id_erogazione, id_assistito, tipo_prestazione, mese_competenza, importo, stato, aggiornato_il"


def _florwork():
    sys.path.insert(0, str(ROOT / "plugins"))


def _bare_pipe(relay: bool) -> int:
    """COPY the payments before CUTOFF from the source into an unindexed table: read with
    psycopg's copy loop, or (``relay``) through the platform's relay."""
    _florwork()
    from florwork import warehouse
    from florwork.extract.databases import relay
    from psycopg import sql

    query = sql.SQL(f"copy (select {COLUMNS} from sis.erogazioni where aggiornato_il < {{}}) to stdout").format(
        sql.Literal(CUTOFF)
    )
    with warehouse.connect("sis_source", autocommit=True) as src, warehouse.connect("warehouse") as wh:
        wh.execute("drop table if exists public.bench_copy")
        wh.execute(f"create table public.bench_copy as select {COLUMNS} from raw.sis_erogazioni where false")
        with wh.cursor().copy(f"copy public.bench_copy ({COLUMNS}) from stdin") as into:
            if relay:
                for block in relay.copy_out_blocks(src, query):
                    into.write(block)
            else:
                with src.cursor().copy(query) as out:
                    for chunk in out:
                        into.write(chunk)
        wh.commit()
        return wh.execute("select count(*) from public.bench_copy").fetchone()[0]


def bare() -> int:
    return _bare_pipe(relay=False)


def bare_relay() -> int:
    """The bare pipe, reading the source through the platform's relay (libpq-level reads,
    1 MB writes) instead of psycopg's copy loop: what the bare COPY costs with the same
    plumbing as the platform."""
    return _bare_pipe(relay=True)


def florwork() -> int:
    _florwork()
    from florwork.extract import databases

    return databases.extract_table("sis", "erogazioni", CUTOFF).received


def _ipl_tables():
    _florwork()
    from florwork import contracts

    return contracts.tables("ipl")


def ipl_bare() -> int:
    """Every table of Bologna's case platform (rows changed before CUTOFF) through the bare
    COPY pipe into unindexed tables: the limit for ``ipl_florwork``."""
    tables = _ipl_tables()
    from florwork import warehouse
    from psycopg import sql

    rows = 0
    with warehouse.connect("ipl_source", autocommit=True) as src, warehouse.connect("warehouse") as wh:
        for table in tables:
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
            copy = sql.Identifier("public", f"bench_ipl_{table.name}")
            wh.execute(sql.SQL("drop table if exists {}").format(copy))
            wh.execute(
                sql.SQL("create table {} as select {} from {} where false").format(
                    copy, columns, sql.Identifier("raw", f"ipl_{table.name}")
                )
            )
            query = sql.SQL("copy (select {} from {} where aggiornato_il < {}) to stdout").format(
                columns, sql.Identifier(table.source, table.name), sql.Literal(CUTOFF)
            )
            with wh.cursor().copy(sql.SQL("copy {} ({}) from stdin").format(copy, columns)) as into:
                with src.cursor().copy(query) as out:
                    for chunk in out:
                        into.write(chunk)
            rows += wh.execute(sql.SQL("select count(*) from {}").format(copy)).fetchone()[0]
        wh.commit()
    return rows


def ipl_florwork() -> int:
    """The platform's extraction of every ipl table, as the extract_ipl DAG runs it."""
    from florwork.extract import databases

    return sum(databases.extract_table("ipl", t.name, CUTOFF).received for t in _ipl_tables())


def pandas() -> int:
    _florwork()
    import pandas as pd
    from florwork import config
    from sqlalchemy import create_engine

    src = create_engine(config.sqlalchemy_url(config.connection_uri("sis_source")))
    wh = create_engine(config.sqlalchemy_url(config.connection_uri("warehouse")))
    frame = pd.read_sql(f"select {COLUMNS} from sis.erogazioni where aggiornato_il < '{CUTOFF.isoformat()}'", src)
    frame.to_sql("bench_pandas", wh, schema="public", if_exists="replace", index=False, chunksize=10_000)
    return len(frame)


def _dlt(backend: str) -> int:
    """dlt 1.x: sql_table incremental on aggiornato_il, into the postgres destination."""
    import os

    import dlt
    from dlt.sources.sql_database import sql_table

    source_url, warehouse_url = os.environ["BENCH_SOURCE_URL"], os.environ["BENCH_WAREHOUSE_URL"]
    table = sql_table(
        credentials=source_url,
        schema="sis",
        table="erogazioni",
        backend=backend,
        incremental=dlt.sources.incremental(
            "aggiornato_il", initial_value=datetime(1970, 1, 1, tzinfo=timezone.utc), end_value=CUTOFF
        ),
    )
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{backend}",
        destination=dlt.destinations.postgres(warehouse_url),
        dataset_name="bench_dlt",
        pipelines_dir=os.environ["BENCH_DLT_DIR"],
    )
    pipeline.run(table, write_disposition="replace")
    return pipeline.last_trace.last_normalize_info.row_counts["erogazioni"]


def dlt() -> int:
    return _dlt("sqlalchemy")


def dlt_pyarrow() -> int:
    return _dlt("pyarrow")


def co_bare() -> int:
    _florwork()
    import csv

    from florwork import warehouse
    from florwork.extract.co_files import co_folder
    from florwork.extract.co_files.parse import file_date

    rows = 0
    with warehouse.connect("warehouse") as wh:
        wh.execute("drop table if exists public.bench_co")
        wh.execute("create table public.bench_co (line text[])")
        with wh.cursor().copy("copy public.bench_co (line) from stdin") as cp:
            for path in sorted(co_folder().glob("CO_*.csv")):
                if CO_BEFORE is not None and (file_date(path.name) is None or file_date(path.name) >= CO_BEFORE):
                    continue
                with path.open(encoding="latin-1", newline="") as handle:
                    reader = csv.reader(handle, delimiter=";")
                    next(reader)
                    for fields in reader:
                        cp.write_row([fields])
                        rows += 1
        wh.commit()
    return rows


def co_florwork() -> int:
    _florwork()
    from florwork.extract import co_files

    summary = co_files.load_co_files(CO_BEFORE)
    return summary["loaded"] + summary["duplicate"] + summary["quarantined"]


def dbt_build() -> dict:
    """``dbt build`` through the month given (``--full-refresh``, ``--force`` when asked),
    alone, recorded as the pipeline records its builds (the next build's tests depend on
    it); with nothing new and no ``--force``, the up-to-date check alone."""
    _florwork()
    from florwork import airflow_env, months, pipeline, warehouse

    airflow_env.configure()
    warehouse.bootstrap_once()
    extra = ["--full-refresh"] if "--full-refresh" in sys.argv else []
    build = pipeline.recorded_build(
        months.parse_month(sys.argv[2]), pipeline.data_cutoff(), extra, force="--force" in sys.argv
    )
    return {"dbt_seconds": round(build["seconds"], 1), "outcome": build["outcome"]}


# -- helpers of bench/run.py (not timed): they need the platform's configuration -----


def reset_warehouse() -> dict:
    """An empty warehouse: the platform's schemas and the benchmarks' own tables."""
    _florwork()
    from florwork import warehouse

    with warehouse.connect("warehouse", autocommit=True) as wh:
        for schema in (
            "raw",
            "quarantine",
            "ops",
            "staging",
            "intermediate",
            "marts",
            "reference",
            "bench_dlt",
            "bench_dlt_staging",
        ):
            wh.execute(f"drop schema if exists {schema} cascade")
        wh.execute("drop table if exists public.bench_copy, public.bench_pandas, public.bench_co")
    warehouse.forget_bootstrap()
    warehouse.bootstrap_once()
    return {}


def reset_loads() -> dict:
    """Empty what an extraction step writes, so each starts from the same state."""
    _florwork()
    from florwork import warehouse

    with warehouse.connect("warehouse", autocommit=True) as wh:
        ipl = "".join(f"raw.ipl_{t.name}, " for t in _ipl_tables())
        wh.execute(
            f"truncate raw.sis_erogazioni, raw.co_notices, {ipl}quarantine.source_rows, quarantine.co_rows, "
            "ops.co_files, ops.validation_results, ops.batches cascade"
        )
        for table in _ipl_tables():
            wh.execute(f"drop table if exists public.bench_ipl_{table.name}")
        wh.execute("delete from ops.extract_state")
        wh.execute("drop table if exists public.bench_copy, public.bench_pandas, public.bench_co")
        wh.execute("drop schema if exists bench_dlt cascade")
        wh.execute("drop schema if exists bench_dlt_staging cascade")
    return {}


def small_inputs() -> dict:
    """The inputs of the small runs: the instant before which about a thousand payments
    changed, and the day before which the first three CO files fall."""
    _florwork()
    from florwork import warehouse
    from florwork.extract.co_files import co_folder
    from florwork.extract.co_files.parse import file_date

    with warehouse.connect("sis_source") as src:
        cutoff = src.execute(
            "select aggiornato_il from sis.erogazioni order by aggiornato_il offset 1000 limit 1"
        ).fetchone()[0]
    days = sorted({d for d in (file_date(p.name) for p in co_folder().glob("CO_*.csv")) if d is not None})
    return {"BENCH_CUTOFF": cutoff.isoformat(), "BENCH_CO_BEFORE": days[min(3, len(days) - 1)].isoformat()}


def co_volume() -> dict:
    """The scale's CO files at ``argv[2]`` times the volume, in <state>/landing_x<k>/co
    (built once): every day's file holds its notices k times over, each copy with its
    ids (and the ids it refers to) re-keyed, so that the same days, names and dirt carry
    k times the notices."""
    import re

    _florwork()
    from florwork import config
    from florwork.extract.co_files import co_folder

    k = int(sys.argv[2])
    landing = config.state_dir() / f"landing_x{k}"
    target = landing / "co"
    done = landing / ".complete"  # holds the number of files it was built from
    files = sorted(co_folder().glob("CO_*.csv"))
    if not done.exists() or done.read_text() != str(len(files)):
        target.mkdir(parents=True, exist_ok=True)
        notice_id = re.compile(rb"\b(CO\d{10})\b")
        for path in files:
            header, _, body = path.read_bytes().partition(b"\n")
            lines = body.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            copies = [header]
            for copy in range(k):
                suffix = b"-%d" % copy
                copies += [notice_id.sub(lambda m: m.group(1) + suffix, line) for line in lines]
            (target / path.name).write_bytes(b"\n".join(copies) + b"\n")
        done.write_text(str(len(files)))
    return {"landing": str(landing)}


def sizes() -> dict:
    """The scale's data: people, payments (rows and MB in the source), CO files and lines."""
    _florwork()
    from florwork import warehouse
    from florwork.extract.co_files import co_folder

    with warehouse.connect("sis_source") as src:
        payments, size = src.execute(
            "select count(*), pg_total_relation_size('sis.erogazioni') from sis.erogazioni"
        ).fetchone()
        people = src.execute("select count(*) from sis.assistiti").fetchone()[0]
    with warehouse.connect("ipl_source") as ipl:
        ipl_rows = sum(ipl.execute(f"select count(*) from {t.qualified}").fetchone()[0] for t in _ipl_tables())
    files = sorted(co_folder().glob("CO_*.csv"))
    lines = 0
    for path in files:
        with path.open("rb") as handle:
            lines += sum(1 for _ in handle) - 1
    return {
        "people": people,
        "payments": payments,
        "payments_mb": round(size / 1e6, 1),
        "co_files": len(files),
        "co_lines": lines,
        "ipl_rows": ipl_rows,
    }


def urls() -> dict:
    """The source and warehouse URLs for dlt, which insists on a password (the embedded
    server trusts local connections, so any will do)."""
    _florwork()
    from florwork import config

    url = config.connection_uri("warehouse")
    has_password = ":" in url.split("//", 1)[1].split("@")[0]
    return {
        "source": config.connection_uri("sis_source"),
        "warehouse": url if has_password else url.replace("@", ":unused@", 1),
    }


def query() -> dict:
    """Rows of one query on the warehouse (``python steps.py query "select ..."``)."""
    _florwork()
    from florwork import warehouse

    with warehouse.connect("warehouse", autocommit=True) as wh:
        return {
            "rows": [
                [str(v) if v is not None and not isinstance(v, (int, float)) else v for v in row]
                for row in wh.execute(sys.argv[2]).fetchall()
            ]
        }


STEPS = {
    f.__name__: f
    for f in (
        bare,
        bare_relay,
        florwork,
        pandas,
        dlt,
        dlt_pyarrow,
        co_bare,
        co_florwork,
        ipl_bare,
        ipl_florwork,
        dbt_build,
        reset_warehouse,
        reset_loads,
        small_inputs,
        co_volume,
        sizes,
        urls,
        query,
    )
}

if __name__ == "__main__":
    started = time.monotonic()
    counted = STEPS[sys.argv[1]]()
    result = counted if isinstance(counted, dict) else {"rows": counted}
    print(json.dumps({**result, "in_process_seconds": round(time.monotonic() - started, 2)}))
