"""The theoretical-cost worked example through the real pipeline: the people of the
savings example under a PAID_BENEFITS rule to June and a THEORETICAL_COST rule from July
2025 (plugins/florwork/demo/savings_theoretical/README.md).

December is run by `florwork run` (Airflow's dag.test, GX, dbt build, the budget run),
which builds every month of the year: `marts.budget_monthly` must publish every figure of
the example's expected_budget_monthly.csv. A category without a cost then stops the
build, which names it.
"""

import csv
import shutil

import pytest
from conftest import EXAMPLE, query
from florwork import months, runner, sources, transform

THEORETICAL = EXAMPLE.parent / "savings_theoretical"


def expected_rows() -> list[dict]:
    with (THEORETICAL / "expected_budget_monthly.csv").open() as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def theoretical_seeds(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(EXAMPLE / "budget_targets.csv", seeds)
    for name in ("reinvestment_rules.csv", "theoretical_costs.csv"):
        shutil.copy(THEORETICAL / name, seeds)
    monkeypatch.setenv("FLORWORK_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("FLORWORK_START_MONTH", "2025-12")
    return seeds


def test_the_theoretical_cost_example_through_the_pipeline(platform, theoretical_seeds, tmp_path):
    sources.load_dataset(EXAMPLE)
    ran = runner.run(months.parse_month("2025-12"), progress=print, log_path=tmp_path / "run.log")
    assert [r.month for r in ran] == [months.parse_month("2025-12")]

    columns = list(expected_rows()[0])
    rows = query("warehouse", f"select {', '.join(columns)} from marts.budget_monthly order by programme, month")
    assert [dict(zip(columns, map(str, row))) for row in rows] == expected_rows()
    december = query(
        "warehouse",
        "select r_ytd::text, tier, reinvest_efficiency_eur::text, rule_version "
        "from marts.budget_runs where month = '2025-12-01'",
    )
    assert december == [("0.6808", "B", "2685.00", "2025-2")]
    methods = query(
        "warehouse",
        "select baseline_method, min(month)::text, max(month)::text "
        "from marts.fct_participant_months where month >= '2025-01-01' group by 1 order by 1",
    )
    assert methods == [("PAID_BENEFITS", "2025-01-01", "2025-06-01"), ("THEORETICAL_COST", "2025-07-01", "2025-12-01")]

    # Dario is NEET: without NEET's cost for rule 2025-2 the build stops and says so.
    costs = theoretical_seeds / "theoretical_costs.csv"
    costs.write_text("".join(line for line in costs.read_text().splitlines(keepends=True) if ",NEET," not in line))
    with pytest.raises(
        transform.DbtFailed,
        match=r"target category NEET \(SIS categoria_target NEET\) "
        r"under rule version 2025-2",
    ):
        transform.run_dbt("build", months.parse_month("2025-12"), ["--full-refresh"])
