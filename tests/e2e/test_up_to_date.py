"""A build with nothing new does not run dbt; a new batch, a dbt run by hand, a dropped
relation or `force` make the next one run it (plugins/florwork/build_state.py)."""

import json
from datetime import datetime, timezone

from conftest import EXAMPLE, query
from florwork import budget, config, months, pipeline, runner, sources, transform, warehouse
from florwork.extract import databases

JANUARY = months.parse_month("2025-01")
FEBRUARY = months.parse_month("2025-02")


def build(**kwargs) -> str:
    """A build through January as the DAG runs it; its recorded outcome."""
    pipeline.recorded_build(JANUARY, pipeline.data_cutoff(), **kwargs)
    return query("warehouse", "select outcome from ops.warehouse_builds order by build_id desc limit 1")[0][0]


def transform_warehouse():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(config.dags_dir() / "transform_warehouse.py")).get_dag("transform_warehouse")


def figures() -> list[tuple]:
    return query("warehouse", "select * from marts.budget_monthly order by 1, 2")


def test_a_build_runs_dbt_only_when_its_inputs_changed(platform, tmp_path):
    sources.load_dataset(EXAMPLE)
    runner.run(JANUARY, progress=print, log_path=tmp_path / "run.log")
    run_results = config.state_dir() / "dbt" / "target" / "run_results.json"
    published, dbt_wrote_at = figures(), run_results.stat().st_mtime
    assert published
    # The run's build wrote dbt's docs site beside the reports: the data dictionary with
    # the published outputs' exposures.
    site = transform.docs_site()
    page = site.read_text()
    assert "budget_monthly" in page and "insieme_per_il_lavoro_page" in page
    site_written_at = site.stat().st_mtime

    # Nothing new since the run's build: recorded, dbt not run, the same figures.
    assert build() == "up to date"
    assert run_results.stat().st_mtime == dbt_wrote_at
    assert figures() == published
    assert budget.latest_build()["through_month"] == JANUARY
    # The DAG's `force` parameter runs dbt anyway; without it, the DAG's build is up to date.
    for force, outcome in ((True, "built"), (False, "up to date")):
        run = transform_warehouse().test(
            logical_date=datetime.now(timezone.utc), run_conf={"month": "2025-01", "force": force}
        )
        assert run.state == "success"
        assert query("warehouse", "select outcome from ops.warehouse_builds order by build_id desc limit 1") == [
            (outcome,)
        ]

    # The forced build ran dbt, with the same project: the docs site was not made again.
    assert site.stat().st_mtime == site_written_at

    # A payment corrected in SIS and extracted: a new batch in raw.
    with warehouse.connect("sis_source", autocommit=True) as sis:
        payment_id, amount = sis.execute(
            "update sis.erogazioni set importo = importo + 1, aggiornato_il = '2025-02-03 10:00+01' "
            "where id_erogazione = (select min(id_erogazione) from sis.erogazioni "
            "where mese_competenza = '2025-01-01') "
            "returning id_erogazione, importo"
        ).fetchone()
    databases.extract_source("sis", months.month_cutoff(FEBRUARY))
    assert build() == "built"
    # Only SIS's payments changed: the build visited what lies downstream of them (and
    # the watermark), not Bologna's models nor the partner's staging, nor the seeds.
    visited = {r["unique_id"] for r in json.loads(run_results.read_text())["results"]}
    assert {"model.florwork.stg_social_services__payments", "model.florwork.budget_monthly"} <= visited
    assert not [u for u in visited if u.startswith(("model.florwork.ipl_", "model.florwork.stg_partner", "seed."))]
    assert query(
        "warehouse", "select amount_eur from staging.stg_social_services__payments where payment_id = %s", (payment_id,)
    ) == [(amount,)]
    assert build() == "up to date"

    # dbt run by hand (it may change what the last build left) forgets the inputs.
    transform.run_dbt("run", JANUARY, ["--select", "budget_monthly"])
    assert query("warehouse", "select count(*) from ops.build_inputs") == [(0,)]
    assert build() == "built"

    # A relation dropped by hand is noticed and built again.
    with warehouse.connect("warehouse", autocommit=True) as wh:
        wh.execute("drop table marts.budget_monthly cascade")
    assert build() == "built"
    assert figures() and build() == "up to date"

    # A selection is not a whole build: it runs dbt and is not remembered.
    pipeline.recorded_build(JANUARY, pipeline.data_cutoff(), ["--select", "budget_monthly"])
    assert build() == "built"
