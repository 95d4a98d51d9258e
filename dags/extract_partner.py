"""
### extract_partner

Extracts the partner's case platform (employability assessments, pathway enrolments,
the company network) into the warehouse's `raw` layer, incrementally on
`aggiornato_il`, exactly as `extract_social_services` does for SIS: one batch per
table, validated by Great Expectations (`expectations/partner__*.json`), failing rows
quarantined with their reasons, one transaction per batch.

Free-text notes (`profilazioni.note`) are kept in `raw` only. Connections:
`AIRFLOW_CONN_PARTNER_SOURCE`, `AIRFLOW_CONN_WAREHOUSE`. Emits the `raw.partner_*`
Assets.
"""

from airflow.sdk import dag, task
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="extract_partner",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=dag_defaults.default_args(),
    tags=["florwork", "extract", "partner"],
    doc_md=__doc__,
)
def extract_partner():
    docs, watcher = dag_defaults.data_docs_and_watcher(pipeline.update_data_docs)
    for table, asset in zip(("profilazioni", "percorsi", "aziende"), assets.RAW_PARTNER):

        @task(task_id=f"extract_{table}", outlets=[asset])
        def extract(table=table, **context) -> dict:
            return pipeline.extract_table("partner", table, context)

        extract() >> [docs, watcher]


extract_partner()
