"""House rules shared by every DAG: owner, retries with backoff, start dates, and the
closing tasks of an extraction DAG."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from florwork.months import TZ, month_cutoff

START_DATE = datetime(2024, 1, 1, tzinfo=TZ)
# The extraction DAG of each source (contracts.DATABASE_SOURCES and the CO files), in
# the order `florwork run` runs them.
EXTRACTION_DAGS = {
    "sis": "extract_social_services",
    "partner": "extract_partner",
    "ipl": "extract_ipl",
    "co": "load_co_files",
}


def default_args() -> dict:
    """Every task: retries with backoff (a failure that would recur is not retried:
    pipeline.task_entry), a time limit (``FLORWORK_TASK_TIMEOUT_MINUTES``, default 180: a
    hung source query does not hold a slot for ever) and an alert when it fails
    (florwork/alerts.py)."""
    from florwork import alerts

    delay = float(os.environ.get("FLORWORK_RETRY_DELAY_SECONDS", "60"))
    return {
        "owner": "florwork-data",
        "retries": int(os.environ.get("FLORWORK_RETRIES", "3")),
        "retry_delay": timedelta(seconds=delay),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(minutes=float(os.environ.get("FLORWORK_TASK_TIMEOUT_MINUTES", "180"))),
        "on_failure_callback": alerts.on_task_failure,
    }


def dagrun_timeout() -> timedelta:
    """A DAG run's time limit (``FLORWORK_RUN_TIMEOUT_HOURS``, default 12)."""
    return timedelta(hours=float(os.environ.get("FLORWORK_RUN_TIMEOUT_HOURS", "12")))


def month_params(**others) -> dict:
    """The DAG's ``month`` Param (``YYYY-MM``, empty: the month the schedule gives), shown
    and validated by the trigger form, as `florwork run` passes it (florwork/months.py)."""
    from airflow.sdk import Param

    from florwork.months import MONTH_PATTERN

    return {
        "month": Param(
            None,
            type=["null", "string"],
            pattern=MONTH_PATTERN,
            title="Month (YYYY-MM)",
            description="Run for this month instead of the one the schedule gives: its data up to the "
            "month's end (midnight, Europe/Rome). Empty for a scheduled run.",
        ),
        **others,
    }


# Set by `florwork run` (florwork/runner.py) before it loads the DAGs to run them with
# dag.test() in its own process (a module attribute: it must not reach the processes a
# test or a user starts from there, an Airflow scheduler among them).
RUN_IN_PROCESS = False


def budget_deadline():
    """run_monthly_budget's deadline alert (alerts.budget_deadline, alerts.budget_run_late),
    for the scheduler. Left out of DAGs loaded by `florwork run`: Airflow 3.3's dag.test()
    fails on a DAG with a deadline (apache/airflow#73428), and a run by hand has no
    deadline to keep."""
    if RUN_IN_PROCESS:
        return None
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    from florwork import alerts

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=alerts.budget_deadline(),
        callback=AsyncCallback(alerts.budget_run_late),
    )


def budget_start_date() -> datetime:
    """When the budget DAG's first run is due: midnight after the first budget month
    (``FLORWORK_START_MONTH``, else the first month of ``budget_targets.csv``), so that a
    catch-up starts there and not at the platform's ``START_DATE``. Reads one small file."""
    from florwork import budget

    try:
        return month_cutoff(budget.first_budget_month())
    except (OSError, ValueError, budget.NoTargets):
        return START_DATE


def sensor_poke_seconds() -> float:
    """How often the budget run looks for its warehouse build (``FLORWORK_SENSOR_POKE_SECONDS``)."""
    return float(os.environ.get("FLORWORK_SENSOR_POKE_SECONDS", "300"))


def source_pool(source: str) -> str:
    """The Airflow pool that caps the platform's concurrent queries on a source system,
    named as its connection (``sis_source``, ...; ``pools`` has their slots)."""
    from florwork import contracts

    return contracts.conn_id(source)


def pools() -> dict:
    """Every source's pool, in `airflow pools import`'s format: ``FLORWORK_SOURCE_POOL_SLOTS``
    (default 2) slots each. `florwork up` creates them; a team's own Airflow imports them
    (docs/runbook.md). Under the scheduler a task whose pool does not exist never runs."""
    from florwork import contracts

    slots = int(os.environ.get("FLORWORK_SOURCE_POOL_SLOTS", "2"))
    return {
        source_pool(source): {
            "slots": slots,
            "description": f"Flor@Work: concurrent extraction queries on {source}",
            "include_deferred": False,
        }
        for source in contracts.DATABASE_SOURCES
    }


def extract_tables(source: str, extract_table, build_docs) -> None:
    """The tasks of a database source's extraction DAG: one task per table of its contract
    (``extract_<table>``, emitting the raw table's Asset), then the closing tasks."""
    from airflow.sdk import task

    from florwork import assets, contracts

    loads = []
    for table in contracts.tables(source):

        @task(task_id=f"extract_{table.name}", outlets=[assets.raw_table(table)], pool=source_pool(source))
        def extract(name=table.name, **context) -> dict:
            return extract_table(source, name, context)

        loads.append(extract())
    close_extraction(source, loads, build_docs)


def close_extraction(source: str, loads: list, build_docs) -> None:
    """The closing tasks of an extraction DAG, set downstream of every load task.

    ``announce_extraction`` runs when every load succeeded and emits the DAG's Asset
    (``assets.EXTRACTED``), which schedules the warehouse build: once per completed run,
    with the run's cutoff in the event. ``update_data_docs`` rebuilds GX's data docs
    whatever the loads' outcome (``all_done``): a failed validation is when the docs are
    wanted most. Because that task would then be a leaf that succeeds, Airflow would mark
    a run with a failed load as successful; ``watcher`` (``one_failed``, the pattern of
    Airflow's own system tests) fails the run in that case and is skipped otherwise.
    """
    from airflow.sdk import task

    from florwork import assets, months

    asset = assets.EXTRACTED[source]

    @task(task_id="announce_extraction", outlets=[asset])
    def announce(**context) -> str:
        cutoff = months.extraction_cutoff(context).isoformat()
        context["outlet_events"][asset].extra = {"cutoff": cutoff}
        return cutoff

    @task(task_id="watcher", trigger_rule="one_failed", retries=0, on_failure_callback=None)  # the failed load alerts
    def watcher():
        raise RuntimeError("an upstream task failed: see its log; this task only marks the run as failed")

    docs = task(task_id="update_data_docs", trigger_rule="all_done")(build_docs)
    loads >> announce()
    loads >> docs()
    loads >> watcher()
