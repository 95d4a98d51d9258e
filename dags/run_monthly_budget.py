"""
### run_monthly_budget

The monthly budget run of SPEC §5: publishes the budget month's figures (R year to
date, tier, reinvestment) from `marts.budget_monthly` to the append-only
`marts.budget_runs`, and writes the budget office's report.

Runs on the 1st of every month at 06:00 Europe/Rome for the month just ended (Airflow
3 manual runs have an empty data interval, so the month is derived explicitly: the
conf's `month`, else the month before the logical date). It first waits until the
warehouse has been built through that month. Publishing is idempotent: a month run
again with the same figures adds nothing; with changed figures it adds a row that
supersedes the previous one.
"""

from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="run_monthly_budget",
    schedule=CronTriggerTimetable("0 6 1 * *", timezone="Europe/Rome"),
    start_date=dag_defaults.START_DATE,
    catchup=True,
    max_active_runs=1,
    default_args=dag_defaults.default_args(),
    tags=["florwork", "budget"],
    doc_md=__doc__,
)
def run_monthly_budget():
    @task.sensor(task_id="wait_for_warehouse", poke_interval=300, timeout=6 * 3600, mode="reschedule")
    def wait(**context) -> bool:
        return pipeline.warehouse_ready(context)

    @task(task_id="publish_budget_run", outlets=[assets.BUDGET_RUNS])
    def publish(**context) -> dict:
        return pipeline.publish_budget(context)

    wait() >> publish()


run_monthly_budget()
