"""The worked example of SPEC §5 through the real pipeline: sources → Airflow (dag.test)
→ Great Expectations → dbt build → marts, month by month, compared column by column
with the figures computed independently in ../shared/examples/savings."""

import csv

from conftest import EXAMPLE, query

from florwork import budget, months, runner, sources


def expected_rows():
    with (EXAMPLE / "expected_budget_monthly.csv").open() as handle:
        return list(csv.DictReader(handle))


def published(table: str) -> list[dict]:
    cols = [c for c in expected_rows()[0]]
    rows = query("warehouse", f"select {', '.join(cols)} from {table} order by programme, month")
    return [dict(zip(cols, map(str, row))) for row in rows]


def test_worked_example_through_the_pipeline(platform, tmp_path):
    sources.load_dataset(EXAMPLE)
    log = tmp_path / "run.log"
    ran = runner.run(months.parse_month("2025-12"), progress=print, log_path=log)
    assert [r.month.isoformat() for r in ran] == [f"2025-{m:02d}-01" for m in range(1, 13)]

    # Every column of every month equals the worked example.
    assert published("marts.budget_monthly") == expected_rows()
    # Each monthly run published, with the data known then, the same figures: every
    # input of the example arrives in the month it is about.
    assert published("marts.budget_runs") == expected_rows()
    assert query("warehouse", "select count(*) from marts.budget_runs where supersedes_run_id is not null") == [(0,)]
    provenance = query("warehouse", "select distinct rule_version, code_version <> '' from marts.budget_runs")
    assert provenance == [("2024-1", True)]

    # The CO resolution of the example: Carla's internship is not employment and her
    # cancelled hiring is gone; Elena's hiring carries its corrected start.
    relationships = query("warehouse",
                          "select count(*) filter (where is_employment), count(*) filter (where is_internship) "
                          "from intermediate.int_employment_relationships_resolved")
    assert relationships == [(4, 1)]
    assert query("warehouse", "select count(*) from raw.co_notices") == [(10,)]

    # Reconciliation holds for every batch.
    assert query("warehouse",
                 "select count(*) from ops.batches where status = 'done' "
                 "and rows_received <> rows_loaded + rows_duplicate + rows_quarantined") == [(0,)]

    # The report of the last run exists and carries both charts.
    report = platform.reports_dir() / "2025-12" / "budget_2025-12.html"
    page = report.read_text()
    assert 'id="chart-r"' in page and 'id="chart-savings"' in page and "0.5152" in page
    assert "https://" not in page  # nothing from a CDN

    # Running again does nothing: no month is run twice, nothing is duplicated.
    before = query("warehouse", "select count(*) from marts.budget_runs")
    raw_before = query("warehouse", "select count(*), sum(hashtext(_row_checksum)) from raw.sis_erogazioni")
    assert runner.run(months.parse_month("2025-12"), progress=print, log_path=log) == []
    assert query("warehouse", "select count(*) from marts.budget_runs") == before
    assert query("warehouse", "select count(*), sum(hashtext(_row_checksum)) from raw.sis_erogazioni") == raw_before

    # Publishing a month again with the same figures adds nothing.
    cutoff = budget.latest_build()["data_cutoff"]
    again = budget.publish(months.parse_month("2025-12"), cutoff)
    assert [r["status"] for r in again] == ["unchanged"]
    assert query("warehouse", "select count(*) from marts.budget_runs") == before
