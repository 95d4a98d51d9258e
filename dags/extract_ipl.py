"""
### extract_ipl

Extracts Bologna's Insieme per il lavoro case platform (applications, first interviews,
the board of companies and their openings, paths, projects and the fund) into the
warehouse's `raw` layer, exactly as `extract_social_services` does for SIS: one batch per
table of `contract_files/ipl.sql`, incremental on `aggiornato_il`, validated by Great
Expectations (`expectations/ipl__*.json`), failing rows quarantined with their reasons
(an applicant's mistyped CF among them), one transaction per batch.

Names, birth dates, the applicants' notes and sole traders' names are kept in `raw`
only. When every table has loaded, `announce_extraction` emits the `extracted_ipl`
Asset. Connections: `AIRFLOW_CONN_IPL_SOURCE`, `AIRFLOW_CONN_WAREHOUSE`. A city without
the programme leaves `AIRFLOW_CONN_IPL_SOURCE` unset: each task then logs that the source
is not configured, the Asset is still emitted, and the warehouse is built without it.
"""

from airflow.sdk import dag
from florwork import dag_defaults, pipeline


@dag(
    dag_id="extract_ipl",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args=dag_defaults.default_args(),
    params=dag_defaults.month_params(),
    tags=["florwork", "extract", "ipl", "bologna"],
    doc_md=__doc__,
)
def extract_ipl():
    dag_defaults.extract_tables("ipl", pipeline.extract_table, pipeline.update_data_docs)


extract_ipl()
