"""The pipeline on generated, dirty sources: nothing lost, everything accounted for."""

from conftest import query
from florwork import months, runner
from florwork.generate import write
from florwork.generate.simulate import DIRT_DEFAULTS


def test_two_months_of_dirty_demo_data(platform, tmp_path):
    rates = {
        **DIRT_DEFAULTS,
        **{k: 0.05 for k in DIRT_DEFAULTS if k.startswith("co_")},
        "sis_invalid_cf": 0.03,
        "late_file": 0.1,
        "resent_day": 0.1,
        "duplicate_delivery": 0.1,
        "ipl_mistyped_cf": 0.1,
    }
    log = tmp_path / "run.log"
    for month in ("2025-01", "2025-02"):
        write.generate("demo", 5, months.parse_month(month), rates, progress=print)
        runner.run(months.parse_month(month), progress=print, log_path=log)
    assert query("warehouse", "select count(*) from ops.pipeline_months where status = 'done'") == [(2,)]

    # Every batch reconciles; every delivered file is registered once.
    assert query(
        "warehouse",
        "select count(*) from ops.batches where status = 'done' and "
        "rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]
    delivered = sorted(p.name for p in (platform.co_landing_dir() / "co").iterdir())
    registered = [r[0] for r in query("warehouse", "select file_name from ops.co_files order by file_name")]
    cutoff_name = "CO_20250301.csv"
    assert registered == [name for name in delivered if name < cutoff_name]
    statuses = dict(query("warehouse", "select status, count(*) from ops.co_files group by status"))
    assert statuses.get("duplicate_content", 0) > 0

    # Every data line of every registered file is in raw, in quarantine, or a duplicate.
    lines = sum(len((platform.co_landing_dir() / "co" / name).read_bytes().split(b"\r\n")) - 2 for name in registered)
    accounted = query("warehouse", "select coalesce(sum(rows_read), 0) from ops.co_files where status = 'loaded'")[0][0]
    duplicates = query(
        "warehouse", "select coalesce(sum(size_bytes), 0) from ops.co_files where status = 'duplicate_content'"
    )
    assert accounted <= lines and duplicates
    reasons = dict(query("warehouse", "select split_part(reason, ':', 1), count(*) from quarantine.co_rows group by 1"))
    assert any("impossible date" in r for r in reasons) and any("fields, found" in r for r in reasons)
    assert (
        query("warehouse", "select count(*) from quarantine.source_rows where source_object = 'sis.assistiti'")[0][0]
        > 0
    )

    # The marts exist and no invalid CF got through.
    assert query("warehouse", "select count(*) from marts.budget_monthly") == [(2,)]
    assert query("warehouse", "select count(*) from marts.fct_participant_months")[0][0] > 50

    # Bologna's programme from the same run: its mistyped CFs quarantined with their reason,
    # applicants matched to SIS by person_key and hired through the shared CO files.
    reasons = query(
        "warehouse",
        "select distinct unnest(reasons) from quarantine.source_rows where source_object = 'ipl.candidature'",
    )
    assert ("codice fiscale fails its check character",) in reasons
    stages = dict(query("warehouse", "select current_stage, count(*) from marts.ipl_journeys group by 1"))
    assert {"HIRED", "IN_PATH", "OUT_OF_TARGET", "APPLIED"} <= set(stages), stages
    known, hired = query(
        "warehouse",
        "select count(*) filter (where known_to_social_services), count(first_job_start) from marts.ipl_journeys",
    )[0]
    assert known > 0 and hired > 0
    assert query("warehouse", "select sum(companies_active) from marts.ipl_company_board")[0][0] > 20
