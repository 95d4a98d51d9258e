"""A budget month with no reinvestment rule in force stops the build with a clear message."""

import shutil

import pytest
from conftest import EXAMPLE
from florwork import months, sources, transform
from florwork.extract import co_files, databases


def test_a_month_without_a_rule_stops_the_build(platform, tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(EXAMPLE / "budget_targets.csv", seeds / "budget_targets.csv")
    (seeds / "reinvestment_rules.csv").write_text(
        "rule_version,valid_from,baseline_months,min_employed_days,max_counted_months,lower_threshold,"
        "upper_threshold,efficiency_share,innovation_share\n2025-2,2025-06-01,6,15,12,0.5,1.0,0.75,1.0\n"
    )
    monkeypatch.setenv("FLORWORK_SEEDS_DIR", str(seeds))
    sources.load_dataset(EXAMPLE)
    january = months.parse_month("2025-01")
    for source in ("sis", "partner"):
        databases.extract_source(source, months.month_cutoff(january))
    co_files.load_co_files(months.next_month(january))
    # The last invocation was for another month (the manifest dbt parses from is that
    # month's): the failing test must still be named with its description.
    transform.run_dbt("parse", months.parse_month("2025-12"))
    with pytest.raises(
        transform.DbtFailed, match="rule_in_force_for_every_budget_month.*no reinvestment rule in force"
    ) as failed:
        transform.run_dbt("build", january)
    assert not failed.value.retryable  # a rule missing from the seed: retrying cannot help
