"""The staging tests check the rows extracted since the last successful build; a full
refresh checks every row (dbt_project/macros/utils/get_where_subquery.sql)."""

import pytest
from conftest import EXAMPLE, query
from florwork import months, runner, sources, transform
from florwork.extract import databases

JANUARY = months.parse_month("2025-01")
BAD_ROW = (
    "insert into raw.sis_erogazioni (id_erogazione, id_assistito, tipo_prestazione, mese_competenza, importo, "
    "stato, aggiornato_il, _batch_id, _source_table, _row_checksum, _extracted_at) "
    "select 99999, id_assistito, 'BUONI_SPESA', '2025-01-01', 10, 'SOSPESO', now(), _batch_id, _source_table, "
    "'bad', now() from raw.sis_erogazioni limit 1"
)  # past GX: only a bug or a hand edit puts it there


def test_a_bad_row_after_the_last_build_fails_it_and_a_full_refresh_tests_everything(platform, tmp_path):
    sources.load_dataset(EXAMPLE)
    runner.run(JANUARY, progress=print, log_path=tmp_path / "run.log")  # a real build: ops.warehouse_builds
    assert query("warehouse", "select count(*) from ops.warehouse_builds") == [(1,)]
    databases.extract_source("sis", months.month_cutoff(JANUARY))  # nothing new: still green

    query("warehouse", BAD_ROW + " returning 1")
    with pytest.raises(transform.DbtFailed, match="not_null_stg_social_services__payments_payment_status"):
        transform.run_dbt("build", JANUARY)

    # A failing row keeps failing until a new version fixes it.
    with pytest.raises(transform.DbtFailed, match="not_null_stg_social_services__payments_payment_status"):
        transform.run_dbt("build", JANUARY)
    query(
        "warehouse",
        "update raw.sis_erogazioni set stato = 'PAGATO', _row_checksum = 'fixed', _extracted_at = now() "
        "where id_erogazione = 99999 returning 1",
    )
    transform.run_dbt("build", JANUARY)

    # A row dated before the last build (which only a hand edit can do) is not read by
    # the incremental path at all; a full refresh reads and tests every row.
    query(
        "warehouse", BAD_ROW.replace("99999", "99998").replace("'bad', now()", "'bad2', '2000-01-01'") + " returning 1"
    )
    transform.run_dbt("build", JANUARY)
    with pytest.raises(transform.DbtFailed, match="not_null_stg_social_services__payments_payment_status"):
        transform.run_dbt("build", JANUARY, extra=["--full-refresh"])
