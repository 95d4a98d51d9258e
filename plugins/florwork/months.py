"""Months and cutoffs: how a run knows which data and which budget month it covers.

The city's time is Europe/Rome: a month's data is everything changed before midnight
at the start of the next month there. Runs started by ``florwork run`` carry the month
in their conf; scheduled runs derive it from their data interval; Airflow 3 manual runs
have an empty data interval (start = end = logical date), so the month is derived from
the logical date explicitly, never from the interval's length.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Rome")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BadMonth(ValueError):
    pass


def parse_month(value: str) -> date:
    match = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise BadMonth(f"{value!r} is not a month: use YYYY-MM, e.g. 2025-06")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


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


def cutoff_from_context(context) -> datetime:
    """Extraction cutoff of a run: the conf month's end, else the data interval's end."""
    conf = (context.get("dag_run").conf or {}) if context.get("dag_run") else {}
    if conf.get("month"):
        return month_cutoff(parse_month(conf["month"]))
    end = context.get("data_interval_end") or context.get("logical_date")
    if end is None:
        end = context["dag_run"].run_after
    return end


def budget_month_from_context(context) -> date:
    """Budget month of a run: the conf month, else the month before the run's date."""
    conf = (context.get("dag_run").conf or {}) if context.get("dag_run") else {}
    if conf.get("month"):
        return parse_month(conf["month"])
    when = context.get("logical_date") or context["dag_run"].run_after
    return previous_month(month_of(when))


def last_complete_month(cutoff: datetime) -> date:
    return month_of(cutoff - timedelta(microseconds=1))
