"""
### extract_partner

Extracts the partner's case platform (employability assessments, pathway enrolments,
the company network) into the warehouse's `raw` layer, incrementally on
`aggiornato_il`, exactly as `extract_social_services` does for SIS: one batch per table
of `plugins/florwork/contract_files/partner.sql`, validated by Great Expectations
(`expectations/partner__*.json`), failing rows quarantined with their reasons, one
transaction per batch.

Free-text notes (`profilazioni.note`) are kept in `raw` only. When every table has
loaded, `announce_extraction` emits the `extracted_partner` Asset. Connections:
`AIRFLOW_CONN_PARTNER_SOURCE`, `AIRFLOW_CONN_WAREHOUSE`.
"""

from airflow.sdk import dag
from florwork import dag_defaults, pipeline


@dag(
    dag_id="extract_partner",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args=dag_defaults.default_args(),
    params=dag_defaults.month_params(),
    tags=["florwork", "extract", "partner"],
    doc_md=__doc__,
)
def extract_partner():
    dag_defaults.extract_tables("partner", pipeline.extract_table, pipeline.update_data_docs)


extract_partner()
