"""House rules shared by every DAG: owner, retries with backoff, start date, tags."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from florwork.months import TZ

START_DATE = datetime(2024, 1, 1, tzinfo=TZ)


def default_args() -> dict:
    delay = float(os.environ.get("FLORWORK_RETRY_DELAY_SECONDS", "60"))
    return {
        "owner": "florwork-data",
        "retries": int(os.environ.get("FLORWORK_RETRIES", "3")),
        "retry_delay": timedelta(seconds=delay),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    }
