"""
### extract_social_services

Extracts the social services case system (SIS: people in care, referrals, benefit
payments) into the warehouse's `raw` layer, incrementally on `aggiornato_il`.

Each table is one task and one batch: rows changed since the table's high-water mark
(less a safety overlap) and before the run's cutoff stream from the source's COPY into
the warehouse, are validated by Great Expectations (`expectations/sis__*.json`), and
land in `raw` or, with their reasons, in `quarantine.source_rows`, in one transaction.
`ops.batches` reconciles every batch (received = loaded + duplicate + quarantined).

The cutoff is the end of `conf.month` (Europe/Rome) when given (`florwork run`),
otherwise the end of the data interval. Connections: `AIRFLOW_CONN_SIS_SOURCE`,
`AIRFLOW_CONN_WAREHOUSE`. Emits the `raw.sis_*` Assets.
"""

from airflow.sdk import dag, task
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="extract_social_services",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=dag_defaults.default_args(),
    tags=["florwork", "extract", "sis"],
    doc_md=__doc__,
)
def extract_social_services():
    docs, watcher = dag_defaults.data_docs_and_watcher(pipeline.update_data_docs)
    for table, asset in zip(("assistiti", "segnalazioni", "erogazioni"), assets.RAW_SIS):

        @task(task_id=f"extract_{table}", outlets=[asset])
        def extract(table=table, **context) -> dict:
            return pipeline.extract_table("sis", table, context)

        extract() >> [docs, watcher]


extract_social_services()
