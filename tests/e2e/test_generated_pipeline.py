"""The pipeline on generated, dirty sources: nothing lost, everything accounted for."""

import reference_savings
from conftest import query
from florwork import budget, config, months, runner, warehouse
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

    # Every data line of every registered file is in raw, in quarantine (waiting or not),
    # or a copy of a row raw holds; a file delivered twice is its first copy; a rejected
    # file is quarantined whole. Counted per file against the files themselves.
    accounting = account_for_every_co_line(platform.co_landing_dir() / "co")
    assert accounting["loaded"] > 10 and accounting["duplicate_content"] > 0, accounting
    reasons = dict(query("warehouse", "select split_part(reason, ':', 1), count(*) from quarantine.co_rows group by 1"))
    assert any("impossible date" in r for r in reasons) and any("fields, found" in r for r in reasons)
    assert (
        query("warehouse", "select count(*) from quarantine.source_rows where source_object = 'sis.assistiti'")[0][0]
        > 0
    )

    # The savings marts equal the method followed the plain way on the same sources
    # (tests/reference_savings.py), participant month by participant month.
    assert_the_method_written_plainly_agrees(months.parse_month("2025-02"))

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


def account_for_every_co_line(folder) -> dict[str, int]:
    """Each registered CO file's data lines (CRLF, one header) against where they went;
    return the number of files by status."""
    in_raw = dict(query("warehouse", "select _file_name, count(*) from raw.co_notices group by 1"))
    waiting = dict(
        query(
            "warehouse",
            "select file_name, count(*) from quarantine.co_rows "
            "where line_number is not null and released_at is null group by 1",
        )
    )
    whole = {r[0] for r in query("warehouse", "select file_name from quarantine.co_rows where line_number is null")}
    files = query(
        "warehouse",
        "select file_name, status, rows_read, rows_loaded, rows_duplicate, rows_quarantined, duplicate_of, sha256 "
        "from ops.co_files order by file_name",
    )
    sha = {name: digest for name, *_, digest in files}
    statuses: dict[str, int] = {}
    for name, status, read, loaded, duplicate, quarantined, duplicate_of, digest in files:
        lines = len((folder / name).read_bytes().split(b"\r\n")) - 2
        statuses[status] = statuses.get(status, 0) + 1
        if status == "loaded":
            assert read == lines, f"{name}: {lines} data lines, {read} read"
            assert loaded + duplicate + quarantined == read, name
            assert in_raw.get(name, 0) + waiting.get(name, 0) + duplicate == lines, (
                f"{name}: {lines} lines, {in_raw.get(name, 0)} in raw, {waiting.get(name, 0)} in quarantine, "
                f"{duplicate} duplicates"
            )
        elif status == "duplicate_content":
            assert sha[duplicate_of] == digest and not in_raw.get(name), name
        else:
            assert status == "rejected" and name in whole and not in_raw.get(name), name
    return statuses


PARTICIPANT_MONTH = (
    "person_key, programme, month, days_employed, is_employed_month, benefits_paid_eur, "
    "baseline_monthly_eur, is_counted_month, saving_eur, rule_version"
)
BUDGET_MONTH = ", ".join(("programme", "month", *budget.FIGURES[3:-1]))


def assert_the_method_written_plainly_agrees(through) -> None:
    with warehouse.connect("sis_source") as sis, warehouse.connect("warehouse") as wh:
        expected_months, expected_budget = reference_savings.compute(sis, wh, config.seeds_dir(), through)
    published = {
        row[:3]: row[3:] for row in query("warehouse", f"select {PARTICIPANT_MONTH} from marts.fct_participant_months")
    }
    differ = sorted(k for k in published.keys() | expected_months.keys() if published.get(k) != expected_months.get(k))
    assert not differ, [(k, published.get(k), expected_months.get(k)) for k in differ[:5]]
    # Data worth comparing: participants, employed and counted months, savings.
    counted = [row for row in expected_months.values() if row[4]]
    assert len(expected_months) > 50 and counted and any(row[5] > 0 for row in counted), len(expected_months)
    months_published = {
        row[:2]: row[2:] for row in query("warehouse", f"select {BUDGET_MONTH} from marts.budget_monthly")
    }
    assert months_published == expected_budget and len(months_published) == 2
