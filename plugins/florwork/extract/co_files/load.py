"""A run of the CO files' load: the new files, landed, validated and published
together, under the load's lock (see the package's docstring)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import psycopg

from florwork import config, quality, sqlfiles, warehouse
from florwork.extract import batches
from florwork.extract.co_files.land import Delivery, FileResult, land_beside_gx
from florwork.extract.co_files.parse import file_date, sort_key
from florwork.extract.co_files.publish import publish, release_pending
from florwork.months import TZ as CUTOFF_TZ

log = logging.getLogger(__name__)

# A load at least this large refreshes raw's planner statistics at once.
ANALYZE_MIN_ROWS = 10_000


def co_folder() -> Path:
    return config.co_landing_dir() / "co"


def open_batches(wh: psycopg.Connection, deliveries: list[Delivery]) -> None:
    """A ledger batch for each file that is not a duplicate delivery (committed at once,
    so a crash leaves a trace)."""
    names = [d.path.name for d in deliveries if d.result.status != "duplicate_content"]
    if not names:
        return
    with wh.transaction():
        ids = dict(
            wh.execute(
                "insert into ops.batches (source, source_object, status) "
                "select 'co', name, 'running' from unnest(%s::text[]) with ordinality f(name, n) order by n "
                "returning source_object, batch_id",
                (names,),
            ).fetchall()
        )
    for d in deliveries:
        d.batch_id = ids.get(d.path.name)


def reject_broken(wh: psycopg.Connection, deliveries: list[Delivery]) -> None:
    """Reject whole each file most of whose lines fail (unparseable or failing validation,
    quality.looks_broken): its landed rows are dropped, and the file is registered as
    rejected with the most common reasons. The run's other files load."""
    relation = "raw.landing_co_notices"
    counts = wh.execute(
        "select l._file_name, count(*) filter (where exists (select from raw.landing_failures f "
        "where f.relation = %s and f.row_id = l._landing_row_id)) from raw.landing_co_notices l group by 1",
        (relation,),
    ).fetchall()
    by_name = {d.path.name: d for d in deliveries}
    for name, failing in counts:
        d = by_name[name]
        bad = failing + len(d.bad)
        if not quality.looks_broken(bad, d.result.rows_read):
            continue
        common = [
            r[0]
            for r in wh.execute(
                "select f.reason from raw.landing_co_notices l join raw.landing_failures f on f.relation = %s "
                "and f.row_id = l._landing_row_id where l._file_name = %s group by f.reason "
                "order by count(*) desc, f.reason limit 3",
                (relation, name),
            )
        ]
        message = (
            f"{bad} of {d.result.rows_read} lines fail: the delivery looks broken, so nothing of it was loaded. "
            f"Most common reasons: {', '.join(common + [r for _, _, r in d.bad][: 3 - len(common)])}"
        )
        wh.execute("delete from raw.landing_co_notices where _file_name = %s", (name,))
        d.result = FileResult(name, "rejected", message=message)
        d.bad = [(None, None, f"file rejected: {message}")]


def load_co_files(cutoff: date | None = None) -> dict:
    """Load every new CO file produced before ``cutoff`` (all files when None).

    The run's files land together (one COPY), are validated together (one GX
    validation) and are published together (one transaction): the cost is per row, not
    per file, and a crash leaves the run's files unregistered, to be loaded whole by the
    next run.
    """
    folder = co_folder()
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        with batches.exclusive(wh, "co files"):
            wh.execute(sqlfiles.query(__package__, "landing.sql"))
            batches.abandon_stale(wh, source="co")
            wh.execute("truncate raw.landing_co_notices")  # what a crashed run left, under the lock
            seen = {r[0] for r in wh.execute("select file_name from ops.co_files").fetchall()}
            candidates = [
                p
                for p in (sorted((p for p in folder.glob("*") if p.is_file()), key=sort_key) if folder.exists() else [])
                if p.name not in seen
                and not p.name.startswith(".")
                and not (cutoff is not None and file_date(p.name) is not None and file_date(p.name) >= cutoff)
            ]
            deliveries: list[Delivery] = []
            landed = 0
            if candidates:
                deliveries, landed = land_beside_gx(wh, candidates)
                # statistics of the columns the publishing joins on (only those: it is a large table)
                wh.execute(
                    "analyze raw.landing_co_notices (_landing_row_id, _file_name, id_comunicazione, "
                    "id_comunicazione_rif)"
                )
            try:
                open_batches(wh, deliveries)
                batches.fault_point("co_after_landing")
                if landed:
                    quality.validate_landing(
                        "co__notices",
                        "raw.landing_co_notices",
                        [d.batch_id for d in deliveries if d.batch_id],
                        key_column="_landing_row_id",
                        rows=landed,
                        whole=False,
                    )
                    reject_broken(wh, deliveries)
                if deliveries:
                    publish(wh, deliveries)
            except Exception as exc:
                opened = [d.batch_id for d in deliveries if d.batch_id is not None]
                if opened:
                    with wh.transaction():
                        wh.execute(
                            "update ops.batches set status = 'failed', finished_at = now(), message = %s "
                            "where batch_id = any(%s) and status = 'running'",
                            (str(exc), opened),
                        )
                wh.execute("truncate raw.landing_co_notices")
                raise
            results = [d.result for d in deliveries]
            # Fresh statistics after a large load, before the release of waiting notices
            # joins raw (planned on an empty table's, that join scans raw once per waiting
            # notice); the warehouse build plans on them too.
            if sum(r.rows_loaded for r in results) >= ANALYZE_MIN_ROWS:
                wh.execute("analyze raw.co_notices")
            released = release_pending(wh)
            if released >= ANALYZE_MIN_ROWS:
                wh.execute("analyze raw.co_notices")
            if cutoff is not None:
                wh.execute(
                    "insert into ops.extract_state (source_object, high_water_mark) "
                    "values ('co files', %s) on conflict (source_object) do update "
                    "set high_water_mark = greatest(ops.extract_state.high_water_mark, excluded.high_water_mark), "
                    "updated_at = now()",
                    (datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=CUTOFF_TZ),),
                )
    rejected = [r for r in results if r.status == "rejected"]
    for r in rejected:
        log.error("CO file %s REJECTED: %s", r.file_name, r.message)
    summary = {
        "files": len(results),
        "loaded": sum(r.rows_loaded for r in results),
        "duplicate": sum(r.rows_duplicate for r in results),
        "quarantined": sum(r.rows_quarantined for r in results),
        "released": released,
        "rejected_files": [f"{r.file_name}: {r.message}" for r in rejected],
        "duplicate_files": [r.file_name for r in results if r.status == "duplicate_content"],
    }
    log.info("CO files: %s", summary)
    return summary
