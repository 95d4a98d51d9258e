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


def data_docs_and_watcher(build_docs):
    """The two closing tasks of an extraction DAG, to be set downstream of every load task.

    ``update_data_docs`` rebuilds GX's data docs whatever the loads' outcome
    (``all_done``): a failed validation is when the docs are wanted most. Because that
    task would then be the only leaf and succeed, Airflow would mark a run with a failed
    load as successful; ``watcher`` (``one_failed``, the pattern of Airflow's own system
    tests) fails the run in that case and is skipped otherwise.
    """
    from airflow.sdk import task

    @task(task_id="watcher", trigger_rule="one_failed", retries=0)
    def watcher():
        raise RuntimeError("an upstream task failed: see its log; this task only marks the run as failed")

    docs = task(task_id="update_data_docs", trigger_rule="all_done")(build_docs)
    return docs(), watcher()
