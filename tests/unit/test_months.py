"""Which month a run covers: one definition for `florwork run` and the schedule."""

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from florwork import months

M = months.parse_month


def scheduled(data_interval_end, logical_date=None):
    """The context of a scheduled run (no conf)."""
    return {
        "dag_run": SimpleNamespace(conf={}, run_after=data_interval_end),
        "data_interval_end": data_interval_end,
        "logical_date": logical_date or data_interval_end,
    }


def by_florwork_run(month: str):
    return {
        "dag_run": SimpleNamespace(conf={"month": month}, run_after=None),
        "data_interval_end": None,
        "logical_date": months.month_cutoff(M(month)).astimezone(timezone.utc),
    }


@pytest.mark.parametrize(
    "cutoff, expected",
    [
        (datetime(2025, 4, 1, tzinfo=months.TZ), "2025-03"),  # midnight on the 1st: March is over
        (datetime(2025, 4, 1, 0, 0, 1, tzinfo=months.TZ), "2025-03"),
        (datetime(2025, 4, 15, tzinfo=months.TZ), "2025-03"),  # mid-April: April is not over
        (datetime(2025, 4, 30, 23, 59, tzinfo=months.TZ), "2025-03"),
        (datetime(2025, 3, 31, 22, 30, tzinfo=timezone.utc), "2025-03"),  # 00:30 on 1 April in Rome
        (datetime(2025, 1, 1, tzinfo=months.TZ), "2024-12"),
    ],
)
def test_last_complete_month(cutoff, expected):
    assert months.last_complete_month(cutoff) == M(expected)


def test_a_daily_build_mid_month_covers_the_month_before():
    """The scheduled build of 2 December, sources loaded to midnight: November, not the
    month in progress (the build failed every day but the 1st when it was)."""
    cutoff = datetime(2026, 12, 2, tzinfo=months.TZ)
    assert months.build_month(scheduled(cutoff), cutoff) == M("2026-11")


@pytest.mark.parametrize("month", ["2024-12", "2025-01", "2025-03", "2025-10", "2025-12"])
def test_florwork_run_and_the_schedule_cover_the_same_month(month):
    """For data loaded up to a month's end, both paths extract to the same instant, build
    through the same month and publish the same budget month (the run of the 1st, 06:00)."""
    end = months.month_cutoff(M(month))
    midnight_run = scheduled(end.astimezone(timezone.utc))
    assert months.extraction_cutoff(midnight_run) == months.extraction_cutoff(by_florwork_run(month)) == end
    assert months.build_month(midnight_run, end) == months.build_month(by_florwork_run(month), end) == M(month)
    budget_run = scheduled(None, logical_date=(end + timedelta(hours=6)).astimezone(timezone.utc))
    assert months.budget_month(budget_run) == months.budget_month(by_florwork_run(month)) == M(month)


def test_a_manual_run_without_conf_uses_its_logical_date():
    """Airflow 3 manual runs have an empty data interval: the logical date decides."""
    when = datetime(2025, 5, 20, 10, tzinfo=timezone.utc)
    manual = {"dag_run": SimpleNamespace(conf={}, run_after=when), "data_interval_end": None, "logical_date": when}
    assert months.extraction_cutoff(manual) == when
    assert months.budget_month(manual) == M("2025-04")
    assert months.budget_month({"dag_run": SimpleNamespace(conf=None, run_after=when), "logical_date": None}) == M(
        "2025-04"
    )


def test_the_month_param_is_read_as_the_conf_month():
    run = SimpleNamespace(conf={}, run_after=datetime(2025, 5, 20, tzinfo=timezone.utc))
    assert months.budget_month({"params": {"month": "2025-03"}, "dag_run": run}) == M("2025-03")
    assert months.extraction_cutoff({"params": {"month": "2025-03"}, "dag_run": run}) == months.month_cutoff(
        M("2025-03")
    )
    assert months.budget_month({"params": {"month": None}, "dag_run": run, "logical_date": None}) == M("2025-04")


def test_a_conf_month_overrides_and_is_checked():
    with pytest.raises(months.BadMonth):
        months.budget_month({"dag_run": SimpleNamespace(conf={"month": "2025-13"}, run_after=None)})


def test_add_months_keeps_the_day_or_clamps_it():
    assert months.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert months.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert months.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert months.add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert months.add_months(date(2025, 1, 1), -19) == date(2023, 6, 1)
    assert months.first_day(date(2025, 7, 19)) == date(2025, 7, 1)
