"""
### transform_warehouse

Builds the warehouse with one `dbt build` (seeds, staging, intermediate, marts and
every test) once per completed extraction round: it is scheduled on the Assets that
the extraction DAGs emit when all their tables have loaded (`extracted_sis`,
`extracted_partner`, `extracted_ipl`, `extracted_co`: all of them, each at least once
since the last build). The build's log names the runs it waited for.

The build covers the months up to `conf.month` when given (`florwork run`), otherwise
the last month that every source has been loaded through (`florwork.months`: on 2
December, with the sources loaded to midnight, November). Each successful build is
recorded in `ops.warehouse_builds` with its data cutoff; the monthly budget run waits
for it. A build whose inputs are those of the last successful one (no new raw batch,
the same month, dbt project and seeds: `florwork.build_state`) does not run dbt and is
recorded as `up to date`; a build whose inputs differ only in some raw tables or the
month selects what lies downstream of them (`pipeline.build_scope`); trigger with
`{"force": true}` to run dbt on the whole graph anyway.
`render_programme_pages` then writes Bologna's page for Insieme per il lavoro's
technical table (HTML and CSV) for the month built, beside that month's budget report.
Why one `dbt build` task and not a task per model (Cosmos): see
`docs/dbt-in-airflow.md`.
"""

from airflow.sdk import AssetAll, Param, dag, task
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="transform_warehouse",
    schedule=AssetAll(*assets.EXTRACTED.values()),
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args={**dag_defaults.default_args(), "retries": 1},
    tags=["florwork", "transform", "dbt"],
    params=dag_defaults.month_params(
        force=Param(False, type="boolean", description="run dbt even if the inputs have not changed")
    ),
    doc_md=__doc__,
)
def transform_warehouse():
    @task(task_id="build_warehouse", outlets=[assets.MARTS])
    def build(**context) -> dict:
        return pipeline.build_warehouse(context)

    @task(task_id="render_programme_pages")
    def pages(**context) -> dict:
        return pipeline.render_programme_pages(context)

    build() >> pages()


transform_warehouse()
