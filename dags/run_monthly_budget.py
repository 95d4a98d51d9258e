"""
### run_monthly_budget

The monthly budget run (`docs/architecture.md`): publishes the budget month's figures
(R year to date, tier, reinvestment) from `marts.budget_monthly` to the append-only
`marts.budget_runs`, and writes the budget office's report.

Runs on the 1st of every month at 06:00 Europe/Rome for the month just ended (the conf's
`month` when given; Airflow 3 manual runs have an empty data interval, so the month is
derived from the logical date). The schedule starts after the first budget month
(`FLORWORK_START_MONTH`, else the first month of `budget_targets.csv`) and catches up
from there. A month without a budget target is skipped, saying so in the log of
`check_budget_target`. Otherwise the run waits until the warehouse has been built with
every source loaded through the month's end, then publishes. Publishing is idempotent:
a month run again with the same figures adds nothing; with changed figures it adds a
row that supersedes the previous one.
"""

from datetime import timedelta

from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="run_monthly_budget",
    schedule=CronTriggerTimetable("0 6 1 * *", timezone="Europe/Rome"),
    start_date=dag_defaults.budget_start_date(),
    catchup=True,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args=dag_defaults.default_args(),
    params=dag_defaults.month_params(),
    # The budget office needs the month's figures by FLORWORK_BUDGET_DEADLINE (default the
    # 3rd at 09:00): past it, the data team is alerted (florwork/alerts.py).
    deadline=dag_defaults.budget_deadline(),
    tags=["florwork", "budget"],
    doc_md=__doc__,
)
def run_monthly_budget():
    @task.short_circuit(task_id="check_budget_target")
    def check(**context) -> bool:
        return pipeline.budget_month_has_target(context)

    # Poke mode: a reschedule-mode sensor can be failed by the scheduler when a poke's
    # result arrives after the next poke was queued (apache/airflow#71172, Airflow 3.3).
    @task.sensor(
        task_id="wait_for_warehouse",
        poke_interval=dag_defaults.sensor_poke_seconds(),
        timeout=6 * 3600,
        execution_timeout=timedelta(hours=6, minutes=10),  # its own timeout decides
        mode="poke",
    )
    def wait(**context) -> bool:
        return pipeline.warehouse_ready(context)

    @task(task_id="publish_budget_run", outlets=[assets.BUDGET_RUNS])
    def publish(**context) -> dict:
        return pipeline.publish_budget(context)

    check() >> wait() >> publish()


run_monthly_budget()
