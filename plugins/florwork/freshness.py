"""How fresh each source is when the warehouse is built, judged against the city's
thresholds before dbt runs.

A source's freshness is how long before the build's data cutoff its latest change
was: for a database source the latest ``aggiornato_il`` it delivered (recorded per
batch in ``ops.batches.latest_change``), for the CO files the end of the latest day
delivered. An extraction that runs every night keeps the marks current even when its
source has stopped changing (a replica that lags, an agency whose files stop), so the
marks alone cannot tell; this can. It is measured against the data cutoff, not the
clock, so a month caught up later is judged as it was then. dbt's ``source
freshness`` measures against the clock, which is why the platform does not use it.

Thresholds come from ``FLORWORK_FRESHNESS`` (config.freshness_thresholds): past
``warn_after_hours`` the build logs a warning and alerts; past ``error_after_hours``
it stops, naming the source and how late it is. Every look is kept in
``ops.source_freshness`` and the latest is shown by ``florwork status``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from florwork import config
from florwork.errors import SourceStale
from florwork.months import TZ

log = logging.getLogger(__name__)


@dataclass
class Freshness:
    source: str
    latest_change: datetime | None
    lag_hours: float | None
    warn_after_hours: float | None
    error_after_hours: float | None
    status: str

    def describe(self) -> str:
        if self.latest_change is None:
            return f"{self.source}: nothing delivered yet"
        limits = ", ".join(
            text
            for hours, text in ((self.warn_after_hours, "warn after"), (self.error_after_hours, "stop after"))
            if hours
            for text in [f"{text} {hours / 24:g} days"]
        )
        return (
            f"{self.source}: latest change {self.latest_change.astimezone(TZ):%Y-%m-%d %H:%M}, "
            f"{self.lag_hours / 24:.1f} days before the data cutoff" + (f" ({limits})" if limits else "")
        )


def _latest_changes(wh: psycopg.Connection, cutoff: datetime) -> dict[str, datetime | None]:
    sources = config.configured_sources()
    latest = dict(
        wh.execute(
            "select source, max(latest_change) from ops.batches where status = 'done' and source = any(%s) "
            "and latest_change < %s group by source",
            (list(sources), cutoff),
        ).fetchall()
    )
    day = wh.execute(
        "select max(file_date) from ops.co_files where status in ('loaded', 'duplicate_content') and file_date < %s",
        (cutoff.astimezone(TZ).date(),),
    ).fetchone()[0]
    co = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(days=1) if day else None
    return {**{s: latest.get(s) for s in sources}, "co": co}


def judge(source: str, latest: datetime | None, cutoff: datetime, limits: dict) -> Freshness:
    warn, error = limits.get("warn_after_hours"), limits.get("error_after_hours")
    if latest is None:
        return Freshness(source, None, None, warn, error, "nothing yet")
    lag = max((cutoff - latest).total_seconds() / 3600, 0.0)
    if error is not None and lag > error:
        status = "error"
    elif warn is not None and lag > warn:
        status = "warn"
    else:
        status = "fresh" if warn is not None or error is not None else "not judged"
    return Freshness(source, latest, round(lag, 1), warn, error, status)


def latest(wh: psycopg.Connection) -> list[Freshness]:
    """Each source's freshness as the latest build judged it (ops.source_freshness)."""
    rows = wh.execute(
        "select distinct on (source) source, latest_change, lag_hours, warn_after_hours, error_after_hours, status "
        "from ops.source_freshness order by source, checked_at desc"
    ).fetchall()
    return [Freshness(s, at, _hours(lag), _hours(w), _hours(e), status) for s, at, lag, w, e, status in rows]


def _hours(value) -> float | None:
    return float(value) if value is not None else None


def check(wh: psycopg.Connection, cutoff: datetime) -> list[Freshness]:
    """Judge every configured source at the build's data cutoff, record it in
    ops.source_freshness, warn in the log; raise SourceStale past an error threshold."""
    thresholds = config.freshness_thresholds()
    found = [
        judge(source, latest, cutoff, thresholds.get(source, {}))
        for source, latest in _latest_changes(wh, cutoff).items()
    ]
    with wh.transaction():
        for f in found:
            wh.execute(
                "insert into ops.source_freshness (source, data_cutoff, latest_change, lag_hours, warn_after_hours, "
                "error_after_hours, status) values (%s, %s, %s, %s, %s, %s, %s)",
                (f.source, cutoff, f.latest_change, f.lag_hours, f.warn_after_hours, f.error_after_hours, f.status),
            )
    for f in found:
        if f.status == "warn":
            log.warning("source freshness: %s", f.describe())
    stale = [f for f in found if f.status == "error"]
    if stale:
        raise SourceStale(
            "the build stops: "
            + "; ".join(f.describe() for f in stale)
            + ". The source may have stopped delivering (check its extraction, its replica, the CO folder); "
            f"the thresholds are {config.FRESHNESS_SETTING}'s."
        )
    return found
