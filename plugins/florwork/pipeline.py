"""What the DAGs' tasks do. DAG files stay thin and call these functions.

Each function takes the Airflow context (for the run's month or data interval) and
returns something small for XCom: counts, a month, a path. No person rows.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, time, timedelta, timezone
from time import monotonic

from psycopg.types.json import Jsonb

from florwork import (
    alerts,
    budget,
    build_state,
    config,
    contracts,
    freshness,
    months,
    platform_lock,
    report,
    transform,
    warehouse,
)
from florwork.errors import FlorworkError, SourcesNotLoaded
from florwork.extract import co_files, databases

log = logging.getLogger(__name__)


def task_entry(function):
    """A task's function: a failure that would recur on the same data and settings
    (``FlorworkError.retryable`` False: a contract drift, a missing setting, a changed
    key) fails the task at once with its message, one line, instead of being retried."""

    @functools.wraps(function)
    def entry(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except FlorworkError as exc:
            if exc.retryable:
                raise
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{type(exc).__name__}: {exc} (not retried: it would fail again)") from exc

    return entry


@task_entry
def extract_table(source: str, table: str, context) -> dict:
    if not config.source_configured(source):
        variable = f"AIRFLOW_CONN_{contracts.conn_id(source).upper()}"
        log.warning(
            "%s is not configured (%s is not set): nothing to extract; the warehouse is built without it",
            source,
            variable,
        )
        return {"source_object": f"{source}.{table}", "skipped": f"{variable} is not set"}
    with platform_lock.shared(f"extract {source}.{table}"):
        return databases.extract_table(source, table, months.extraction_cutoff(context)).as_dict()


@task_entry
def load_co_files(context) -> dict:
    # Files are named by the day they were produced: at midnight the day just begun has
    # no file yet; at any other instant, today's file may already be there.
    local = months.extraction_cutoff(context).astimezone(months.TZ)
    first_day_not_loaded = local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    with platform_lock.shared("load_co_files"):
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
    expected = contracts.source_objects(config.configured_sources())
    missing = [name for name in expected if name not in marks]
    if missing:
        raise SourcesNotLoaded(
            "the warehouse cannot be built before every source was extracted once; missing: " + ", ".join(missing)
        )
    return min(marks[name] for name in expected)


def _log_trigger(context) -> None:
    """Say what started the build: the extraction runs whose Assets it waited for."""
    events = context.get("triggering_asset_events") or {}
    lines = []
    for asset, asset_events in events.items():
        for event in asset_events:
            extra = getattr(event, "extra", None) or {}
            lines.append(
                f"{getattr(asset, 'name', asset)} from {event.source_dag_id}/{event.source_run_id}"
                + (f" (cutoff {extra['cutoff']})" if extra.get("cutoff") else "")
            )
    if lines:
        log.info("this build waited for a completed extraction round: %s", "; ".join(sorted(lines)))
    else:
        log.info("this build was started by hand or by `florwork run` (no Asset event)")


@task_entry
def build_warehouse(context) -> dict:
    _log_trigger(context)
    with platform_lock.shared("transform_warehouse"):  # the sources' cutoff too: read when no run loads
        return _build_warehouse(context)


def _build_warehouse(context) -> dict:
    warehouse.bootstrap_once()
    cutoff = data_cutoff()
    through = months.build_month(context, cutoff)
    if months.month_cutoff(through) > cutoff:
        raise SourcesNotLoaded(
            f"the sources are loaded up to {cutoff:%Y-%m-%d %H:%M %Z}, before the end of "
            f"{through:%Y-%m}: run the extraction DAGs for that month first"
        )
    log.info(
        "building the warehouse through %s (every source loaded up to %s)",
        f"{through:%Y-%m}",
        cutoff.astimezone(months.TZ).isoformat(),
    )
    with warehouse.connect("warehouse", role=config.component_role("transformer"), autocommit=True) as wh:
        found = freshness.check(wh, cutoff)  # past an error threshold: raises, and the task's failure alerts
    for f in found:
        log.info("source freshness: %s (%s)", f.describe(), f.status)
    if any(f.status == "warn" for f in found):
        alerts.source_stale(context, [f for f in found if f.status == "warn"])
    params = context.get("params") or {}
    build = recorded_build(through, cutoff, force=bool(params.get("force")))
    if build["outcome"] == "built":
        refresh_docs_site(through)
    return {
        "through_month": through.isoformat(),
        "data_cutoff": cutoff.isoformat(),
        "outcome": build["outcome"],
        "dbt_seconds": round(build["seconds"], 1),
        "selected": build["selected"],
    }


def refresh_docs_site(through) -> None:
    """dbt's docs site beside the reports (transform.write_docs_site), made again only when
    the dbt project changed since it was made: its digest is kept beside it, so a month's
    build with the same models and descriptions pays nothing for it."""
    page = transform.docs_site()
    stamp = page.with_name(".project_digest")
    digest = transform.project_digest()
    if page.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    transform.write_docs_site(through)
    stamp.write_text(digest)
    log.info("dbt's docs site written to %s", page)


def recorded_build(through, cutoff, extra: list[str] | None = None, force: bool = False) -> dict:
    """``dbt build`` through a month, recorded in ops.warehouse_builds once it succeeded:
    the budget run reads its cutoff, and the next build's staging tests read the rows
    extracted since its start (dbt_project/macros/utils/get_where_subquery.sql).

    A build whose inputs are those of the last successful one (florwork/build_state.py)
    does not run dbt: it is recorded as 'up to date' with its own cutoff, which is all
    the budget run waits for. A build whose inputs differ from the last one's only in some
    raw tables or the month visits only what they change (build_scope). ``extra`` dbt
    arguments (a full refresh, a selection) or ``force`` always run dbt, ``force`` on the
    whole graph. Returns the build's id, outcome, seconds and selectors (None: the whole
    graph)."""
    started = datetime.now(timezone.utc)
    clock = monotonic()
    with (
        warehouse.in_use(),
        warehouse.connect("warehouse", role=config.component_role("transformer"), autocommit=True) as wh,
    ):
        inputs = build_state.inputs(wh, through)
        same_as = None if (extra or force) else build_state.up_to_date(wh, inputs)
        warnings, scope = None, None
        if same_as is None:
            scope = None if (extra or force) else build_scope(wh, inputs)
            transform.run_dbt("build", through, extra or (["--select", *scope] if scope else None))
            warnings = transform.test_warnings()
            for name, rows in sorted(warnings.items()):
                log.warning("dbt test %s (severity warn) found %s rows", name, rows)
        else:
            log.info(
                "the warehouse is up to date: build %s had the same inputs (raw batches, month, dbt project, "
                "seeds, bootstrap; ops.build_inputs) and left every relation in place, so dbt is not run. "
                'Trigger transform_warehouse with {"force": true} to run it anyway.',
                same_as,
            )
        seconds = monotonic() - clock
        outcome = "built" if same_as is None else "up to date"
        with wh.transaction():  # the build's record and its inputs: both or neither
            build_id = wh.execute(
                "insert into ops.warehouse_builds (started_at, data_cutoff, through_month, dbt_seconds, code_version, "
                "outcome, test_warnings) values (%s, %s, %s, %s, %s, %s, %s) returning build_id",
                (
                    started,
                    cutoff,
                    through,
                    round(seconds, 2),
                    budget.code_version(),
                    outcome,
                    Jsonb(warnings) if warnings is not None else None,
                ),
            ).fetchone()[0]
            if same_as is None and (not extra or extra == ["--full-refresh"]):  # not a caller's selection
                build_state.remember(wh, build_id, inputs)
    return {"build_id": build_id, "outcome": outcome, "seconds": seconds, "selected": scope}


def build_scope(wh, inputs: dict) -> list[str] | None:
    """The dbt selectors of what changed since the last successful whole build: the models
    downstream of the raw tables that changed and, with a new month, of the models that
    read the month (transform.selection). None, for the whole graph, when anything else
    changed (the project, the seeds, dbt, the bootstrap, the key), when no such build is
    known, or when dbt's manifest is missing."""
    changed = build_state.changes(build_state.previous(wh), inputs)
    manifest = transform.manifest() if changed is not None else None
    if changed is None or manifest is None:
        log.info("building the whole graph")
        return None
    scope = transform.selection(manifest, changed.tables, changed.month)
    if not scope:  # inputs changed that no node reads: build everything rather than guess
        return None
    log.info(
        "building what changed since the last build: raw tables %s%s (dbt --select %s)",
        ", ".join(changed.tables) or "none",
        " and the month" if changed.month else "",
        " ".join(scope),
    )
    return scope


@task_entry
def render_programme_pages(context) -> dict:
    """Bologna's page for the month the warehouse was just built through, beside that
    month's budget report (a city without the programme has none)."""
    from florwork import ipl_report

    if not config.source_configured("ipl"):
        log.info("ipl is not configured: no page for Insieme per il lavoro")
        return {}
    build = budget.latest_build()
    with platform_lock.shared("render_programme_pages", build["through_month"]), warehouse.in_use():
        path = ipl_report.render(build["through_month"])
    log.info("Insieme per il lavoro's page written to %s", path)
    return {"month": build["through_month"].isoformat(), "page": str(path)}


@task_entry
def budget_month_has_target(context) -> bool:
    """The budget run's first step: a month without a budget target has nothing to publish."""
    month = months.budget_month(context)
    targets = budget.target_months()
    if month in targets:
        return True
    span = f"{min(targets):%Y-%m} to {max(targets):%Y-%m}" if targets else "none"
    log.info(
        "%s has no budget target in budget_targets.csv (its targets: %s): nothing to publish, "
        "the rest of this run is skipped",
        f"{month:%Y-%m}",
        span,
    )
    return False


@task_entry
def warehouse_ready(context) -> bool:
    """Sensor: the warehouse has been built with every source loaded through the month's end."""
    month = months.budget_month(context)
    build = budget.latest_build()
    ready = build is not None and build["through_month"] >= month and build["data_cutoff"] >= months.month_cutoff(month)
    if not ready:
        log.info(
            "waiting for a warehouse build through %s with every source loaded to %s; the latest: %s",
            f"{month:%Y-%m}",
            months.month_cutoff(month).isoformat(),
            f"through {build['through_month']:%Y-%m}, data to {build['data_cutoff'].isoformat()}"
            if build
            else "none yet",
        )
    return ready


@task_entry
def publish_budget(context) -> dict:
    month = months.budget_month(context)
    run_id = context["dag_run"].run_id if context.get("dag_run") else None
    with platform_lock.shared("publish_budget", month), warehouse.in_use():
        rows = budget.publish(month, budget.latest_build()["data_cutoff"], run_id, pdf_missing=report.pdf_unavailable())
        path = report.render(month)
    log.info("report written to %s", path)
    return {
        "month": month.isoformat(),
        "report": str(path),
        "published": [
            {k: str(v) for k, v in r.items() if k in ("programme", "run_id", "status", "r_ytd", "tier")} for r in rows
        ],
    }
