"""What the DAGs' tasks do. DAG files stay thin and call these functions.

Each function takes the Airflow context (for the run's month or data interval) and
returns something small for XCom: counts, a month, a path. No person rows.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from florwork import budget, config, months, report, transform, warehouse
from florwork.extract import co_files, databases

log = logging.getLogger(__name__)

SOURCE_OBJECTS = (
    "sis.assistiti", "sis.segnalazioni", "sis.erogazioni",
    "partner.profilazioni", "partner.percorsi", "partner.aziende", "co files",
)


def extract_table(source: str, table: str, context) -> dict:
    cutoff = months.cutoff_from_context(context)
    return databases.extract_table(source, table, cutoff).as_dict()


def load_co_files(context) -> dict:
    # Files are named by the day they were produced: at midnight the day just begun has
    # no file yet; at any other instant, today's file may already be there.
    local = months.cutoff_from_context(context).astimezone(months.TZ)
    first_day_not_loaded = local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    summary = co_files.load_co_files(first_day_not_loaded)
    if summary["rejected_files"]:
        log.error("REJECTED CO FILES (see quarantine.co_rows and ops.co_files): %s", summary["rejected_files"])
    return summary


def update_data_docs() -> str:
    from florwork import quality

    return str(quality.build_data_docs())


def data_cutoff() -> datetime:
    """The instant up to which every source has been loaded (the least of the marks)."""
    with warehouse.connect("warehouse", autocommit=True) as wh:
        marks = dict(wh.execute("select source_object, high_water_mark from ops.extract_state").fetchall())
    missing = [name for name in SOURCE_OBJECTS if name not in marks]
    if missing:
        raise RuntimeError(
            "the warehouse cannot be built before every source was extracted once; missing: "
            + ", ".join(missing)
        )
    return min(marks[name] for name in SOURCE_OBJECTS)


def build_warehouse(context) -> dict:
    conf = (context["dag_run"].conf or {}) if context.get("dag_run") else {}
    warehouse.bootstrap_once()
    cutoff = data_cutoff()
    through = months.parse_month(conf["month"]) if conf.get("month") else months.last_complete_month(cutoff)
    if months.month_cutoff(through) > cutoff:
        raise RuntimeError(
            f"the sources are loaded up to {cutoff:%Y-%m-%d %H:%M %Z}, before the end of "
            f"{through:%Y-%m}: run the extraction DAGs for that month first"
        )
    started = datetime.now(timezone.utc)
    seconds = transform.run_dbt("build", through)
    with warehouse.connect("warehouse", role=config.component_role("transformer"), autocommit=True) as wh:
        wh.execute(
            "insert into ops.warehouse_builds (started_at, data_cutoff, through_month, dbt_seconds, code_version) "
            "values (%s, %s, %s, %s, %s)",
            (started, cutoff, through, round(seconds, 2), budget.code_version()),
        )
    return {"through_month": through.isoformat(), "dbt_seconds": round(seconds, 1)}


def warehouse_ready(context) -> bool:
    """Sensor: the warehouse has been built through the end of the budget month."""
    month = months.budget_month_from_context(context)
    build = budget.latest_build()
    ready = build is not None and build["through_month"] >= month
    if not ready:
        log.info("waiting: the warehouse is built through %s, the budget of %s needs it built through that month",
                 build and build["through_month"], month)
    return ready


def publish_budget(context) -> dict:
    month = months.budget_month_from_context(context)
    run_id = context["dag_run"].run_id if context.get("dag_run") else None
    rows = budget.publish(month, budget.latest_build()["data_cutoff"], run_id)
    path = report.render(month)
    log.info("report written to %s", path)
    return {"month": month.isoformat(), "report": str(path),
            "published": [{k: str(v) for k, v in r.items() if k in ("programme", "run_id", "status", "r_ytd", "tier")}
                          for r in rows]}
