"""
### extract_social_services

Extracts the social services case system (SIS: people in care, referrals, benefit
payments) into the warehouse's `raw` layer, incrementally on `aggiornato_il`.

Each table of `plugins/florwork/contract_files/sis.sql` is one task and one batch: rows changed since the
table's high-water mark (less a safety overlap) and before the run's cutoff stream from
the source's COPY into the warehouse, are validated by Great Expectations
(`expectations/sis__*.json`), and land in `raw` or, with their reasons, in
`quarantine.source_rows`, in one transaction. `ops.batches` reconciles every batch
(received = loaded + duplicate + quarantined).

The cutoff is the end of the data interval (a daily run at midnight, Europe/Rome, reads
what changed before that midnight), or the end of `conf.month` when given (`florwork
run`). When every table has loaded, `announce_extraction` emits the `extracted_sis`
Asset that schedules `transform_warehouse`. Connections: `AIRFLOW_CONN_SIS_SOURCE`,
`AIRFLOW_CONN_WAREHOUSE`.
"""

from airflow.sdk import dag
from florwork import dag_defaults, pipeline


@dag(
    dag_id="extract_social_services",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args=dag_defaults.default_args(),
    params=dag_defaults.month_params(),
    tags=["florwork", "extract", "sis"],
    doc_md=__doc__,
)
def extract_social_services():
    dag_defaults.extract_tables("sis", pipeline.extract_table, pipeline.update_data_docs)


extract_social_services()
