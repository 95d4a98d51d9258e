"""Months and cutoffs: how a run knows which data and which budget month it covers.

The city's time is Europe/Rome: a month's data is everything changed before midnight
at the start of the next month there. Runs started by ``florwork run`` carry the month
in their conf; scheduled runs derive it from their data interval; Airflow 3 manual runs
have an empty data interval (start = end = logical date), so the month is derived from
the logical date explicitly, never from the interval's length.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from florwork.errors import BadMonth

TZ = ZoneInfo("Europe/Rome")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: str) -> date:
    match = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise BadMonth(f"{value!r} is not a month: use YYYY-MM, e.g. 2025-06")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def first_day(day: date) -> date:
    """The month a day is in (its first day)."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier when negative), clamped to
    the month's last day (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


def month_range(first: date, last: date) -> list[date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def month_cutoff(month: date) -> datetime:
    """The instant a month's data ends: midnight at the start of the next month, Rome."""
    start = next_month(month)
    return datetime(start.year, start.month, 1, tzinfo=TZ)


def month_of(instant: datetime) -> date:
    local = instant.astimezone(TZ)
    return date(local.year, local.month, 1)


MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def conf_month(context) -> date | None:
    """The month a run was given: its ``month`` Param (the trigger form, validated against
    MONTH_PATTERN) or its conf (``{"month": "YYYY-MM"}``: `florwork run`, an operator
    re-running a month by hand, which Airflow also copies into the Param), else None."""
    params = context.get("params") or {}
    dag_run = context.get("dag_run")
    conf = (dag_run.conf or {}) if dag_run is not None else {}
    value = params.get("month") or conf.get("month")
    return parse_month(value) if value else None


def _run_instant(context) -> datetime:
    """A run without a conf month: the end of its data interval (a scheduled daily run:
    midnight, Rome), else its logical date, else when it was due (a manual run)."""
    instant = context.get("data_interval_end") or context.get("logical_date")
    if instant is None:
        instant = context["dag_run"].run_after
    return instant


def extraction_cutoff(context) -> datetime:
    """Up to when an extraction run reads its sources: the conf month's end, else the
    run's instant (a daily run at midnight reads everything before that midnight)."""
    month = conf_month(context)
    return month_cutoff(month) if month is not None else _run_instant(context)


def last_complete_month(cutoff: datetime) -> date:
    """The last month whose data ends at or before ``cutoff``: the month before the one
    ``cutoff`` falls in (at midnight on the 1st, the month just ended)."""
    return previous_month(month_of(cutoff))


def build_month(context, data_cutoff: datetime) -> date:
    """The month a warehouse build covers: the conf month, else the last month every
    source has been loaded through. For data loaded up to a month's end both give that
    month, so `florwork run` and the schedule build the same warehouse."""
    month = conf_month(context)
    return month if month is not None else last_complete_month(data_cutoff)


def budget_month(context) -> date:
    """The month a budget run publishes: the conf month, else the month before the run's
    logical date (the run of 1 April 06:00 publishes March)."""
    month = conf_month(context)
    if month is not None:
        return month
    when = context.get("logical_date") or context["dag_run"].run_after
    return previous_month(month_of(when))
