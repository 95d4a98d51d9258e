"""The incremental models give the same tables as a full refresh, late data included."""

from datetime import date

from conftest import query
from florwork import months, runner, transform
from florwork.extract import co_files, databases
from florwork.generate import write

TABLES = [
    "staging.stg_social_services__payments",
    "intermediate.int_payments_paid",
    "intermediate.int_participant_months_classified",
    "intermediate.int_participant_months_capped",
    "marts.fct_participant_months",
    "marts.budget_monthly",
    "marts.fct_journeys",
    "marts.fct_journey_events",
]


def contents(table: str) -> tuple:
    return query(
        "warehouse",
        f"""
        select count(*), md5(coalesce(string_agg(r, '|' order by r), ''))
        from (select (to_jsonb(t) - '_source_watermark' - '_rules_fingerprint' - '_through_month')::text as r
              from {table} t) as rows""",
    )[0]


def test_incremental_equals_full_refresh_with_late_data(platform, tmp_path):
    write.generate("demo", 21, months.parse_month("2025-03"), progress=print)
    january = months.parse_month("2025-01")
    runner.run(january, progress=print, log_path=tmp_path / "run.log")
    before = {t: contents(t) for t in TABLES}
    marks_before = query("warehouse", "select max(_source_watermark) from intermediate.int_payments_paid")[0][0]

    # Data that arrives later but is about January and before: payments and their
    # cancellations, CO notices, referrals' outcomes, extracted up to the end of March.
    cutoff = months.month_cutoff(months.parse_month("2025-03"))
    databases.extract_source("sis", cutoff)
    databases.extract_source("partner", cutoff)
    co_files.load_co_files(date(2025, 4, 1))

    transform.run_dbt("build", january)  # the incremental path
    incremental = {t: contents(t) for t in TABLES}
    rebuilt = query(
        "warehouse",
        "select count(distinct person_key) filter (where _source_watermark > %s), "
        "count(distinct person_key) from intermediate.int_payments_paid",
        (marks_before,),
    )[0]
    assert 0 < rebuilt[0] < rebuilt[1], f"the incremental build rebuilt {rebuilt[0]} of {rebuilt[1]} persons"
    events = query(
        "warehouse",
        "select count(distinct person_key) filter (where _source_watermark > %s), "
        "count(distinct person_key) from marts.fct_journey_events",
        (marks_before,),
    )[0]
    assert 0 < events[0] < events[1], f"the incremental build rebuilt the events of {events[0]} of {events[1]} persons"
    assert incremental != before  # the late data changed the figures

    transform.run_dbt("build", january, extra=["--full-refresh"])
    assert {t: contents(t) for t in TABLES} == incremental
