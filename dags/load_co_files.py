"""
### load_co_files

Loads the employment centres' daily CO files (Comunicazioni Obbligatorie) from
`<AIRFLOW_VAR_CO_LANDING_DIR>/co` into `raw.co_notices`.

Every file is registered in `ops.co_files` (name, size, sha256, rows read, loaded,
quarantined) and loaded once: the same content under another name is a duplicate
delivery; a re-sent day (`CO_YYYYMMDD_N.csv`) adds only the notices not seen. Lines
that break the contract go to `quarantine.co_rows` with file, line number, raw text and
reason; notices whose relationship has not arrived wait there and are retried every
run. A file that cannot be read is rejected whole and logged as an error; the others
still load. Files dated on or after the run's cutoff wait for a later run. When the
files have loaded, `announce_extraction` emits the `extracted_co` Asset.
"""

from airflow.sdk import dag, task
from florwork import assets, dag_defaults, pipeline


@dag(
    dag_id="load_co_files",
    schedule="@daily",
    start_date=dag_defaults.START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dag_defaults.dagrun_timeout(),
    default_args=dag_defaults.default_args(),
    params=dag_defaults.month_params(),
    tags=["florwork", "extract", "co"],
    doc_md=__doc__,
)
def load_co_files():
    @task(task_id="load_co_files", outlets=[assets.RAW_CO_NOTICES])
    def load(**context) -> dict:
        return pipeline.load_co_files(context)

    dag_defaults.close_extraction("co", [load()], pipeline.update_data_docs)


load_co_files()
