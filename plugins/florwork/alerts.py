"""Alerts to the data team, through Airflow's notifiers: a failed task, a source that
has grown stale (florwork/freshness.py) and a monthly budget run past its deadline.

By default an alert is an e-mail sent by the SMTP provider's notifier through an SMTP
connection (``FLORWORK_ALERT_TO``: the recipients, comma-separated;
``FLORWORK_ALERT_SMTP_CONN_ID``, default ``smtp_default``; the sender is the
connection's ``from_email`` unless ``FLORWORK_ALERT_FROM`` is set).
``FLORWORK_ALERT_NOTIFIER=module:factory`` uses another notifier instead: the factory
is called with ``subject`` and ``html_content`` and returns an Airflow notifier (Slack,
Teams, ...). With neither set nothing is sent, and the log says so. An alert that
cannot be sent is logged and never fails the task it reports on.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
from datetime import timedelta

from florwork import months
from florwork.errors import ConfigError

log = logging.getLogger(__name__)

TO = "FLORWORK_ALERT_TO"
SMTP_CONN_ID = "FLORWORK_ALERT_SMTP_CONN_ID"
SENDER = "FLORWORK_ALERT_FROM"
NOTIFIER = "FLORWORK_ALERT_NOTIFIER"
DEADLINE = "FLORWORK_BUDGET_DEADLINE"  # "D HH:MM" of the month after the budget month


def configured() -> bool:
    return bool(os.environ.get(NOTIFIER) or os.environ.get(TO))


def notifier(subject: str, body: str):
    """The configured notifier for one alert, or None (said in the log)."""
    factory = os.environ.get(NOTIFIER)
    if factory:
        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)(subject=subject, html_content=body)
    recipients = [r.strip() for r in os.environ.get(TO, "").split(",") if r.strip()]
    if not recipients:
        log.warning("no alert is configured (%s or %s): not sent: %s", TO, NOTIFIER, subject)
        return None
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return SmtpNotifier(
        to=recipients,
        from_email=os.environ.get(SENDER) or None,
        subject=subject,
        html_content=body,
        smtp_conn_id=os.environ.get(SMTP_CONN_ID, "smtp_default"),
    )


def _body(lines: list[tuple[str, str]]) -> str:
    return "".join(f"<p><b>{html.escape(k)}</b>: {html.escape(v)}</p>" for k, v in lines)


def send(context, subject: str, lines: list[tuple[str, str]]) -> bool:
    """Send one alert now; return whether it was sent."""
    chosen = notifier(subject, _body(lines))
    if chosen is None:
        return False
    try:
        chosen.notify(context)
    except Exception as exc:  # an alert never fails what it reports on
        log.error("the alert %r could not be sent: %s", subject, exc)
        return False
    return True


def month_label(context) -> str:
    """The month a run is for, as the alert names it."""
    try:
        month = months.conf_month(context)
    except ValueError:
        month = None
    if month is not None:
        return f"{month:%Y-%m}"
    when = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    return f"the scheduled run of {when:%Y-%m-%d %H:%M %Z}" if when else "unknown"


def _where(context) -> tuple[str, str, str]:
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    return dag_id, getattr(ti, "task_id", "?"), getattr(ti, "log_url", None) or "in Airflow's task log"


def on_task_failure(context) -> None:
    """on_failure_callback of every task (dag_defaults.default_args)."""
    dag_id, task_id, log_url = _where(context)
    month = month_label(context)
    send(
        context,
        f"[florwork] {dag_id}.{task_id} failed ({month})",
        [
            ("DAG", dag_id),
            ("task", task_id),
            ("month", month),
            ("error", str(context.get("exception") or "see the log")),
            ("log", log_url),
        ],
    )


def source_stale(context, stale: list) -> None:
    """A build found sources past their warning threshold (freshness.Freshness)."""
    dag_id, task_id, log_url = _where(context)
    month = month_label(context)
    names = ", ".join(f.source for f in stale)
    send(
        context,
        f"[florwork] stale source: {names} ({month})",
        [("source", f.describe()) for f in stale]
        + [("DAG", dag_id), ("task", task_id), ("month", month), ("log", log_url)],
    )


def budget_deadline() -> timedelta:
    """How long after its scheduled start (the 1st at 06:00) a budget run must have
    published: ``FLORWORK_BUDGET_DEADLINE`` = "D HH:MM" of the next month, default "3 09:00"."""
    value = os.environ.get(DEADLINE, "3 09:00")
    try:
        day, clock = value.split()
        hour, minute = (int(x) for x in clock.split(":"))
        deadline = timedelta(days=int(day) - 1, hours=hour - 6, minutes=minute)
    except ValueError:
        raise ConfigError(f'{DEADLINE}={value!r} is not "D HH:MM" (e.g. "3 09:00")') from None
    if deadline <= timedelta(0):
        raise ConfigError(f"{DEADLINE}={value!r} falls before the budget run starts (the 1st at 06:00)")
    return deadline


def _late_run(context: dict) -> tuple[str, str, str]:
    """The run, its budget month and its deadline, from the simple context Airflow's
    triggerer passes a deadline callback (the DAG run as its API returns it)."""
    dag_run = context.get("dag_run") or {}
    run_id = dag_run.get("dag_run_id") or dag_run.get("run_id") or "?"
    month = (dag_run.get("conf") or {}).get("month")
    if not month and dag_run.get("logical_date"):
        from datetime import datetime

        month = f"{months.previous_month(months.month_of(datetime.fromisoformat(dag_run['logical_date']))):%Y-%m}"
    deadline = (context.get("deadline") or {}).get("deadline_time")
    return run_id, month or "?", str(deadline or "?")


async def budget_run_late(context=None, **kwargs) -> None:
    """The deadline alert of run_monthly_budget (Airflow's DeadlineAlert, run by the triggerer)."""
    context = context or {}
    run_id, month, deadline = _late_run(context)
    subject = f"[florwork] the monthly budget run is late ({month})"
    lines = [
        ("DAG", "run_monthly_budget"),
        ("run", run_id),
        ("month", month),
        ("deadline", f"{deadline} ({DEADLINE}: " + os.environ.get(DEADLINE, "3 09:00") + " of the next month)"),
        ("what to do", "docs/runbook.md: a scheduled run_monthly_budget waits"),
    ]
    chosen = notifier(subject, _body(lines))
    if chosen is None:
        return
    try:
        await chosen.async_notify(context)
    except Exception as exc:  # an alert never fails what it reports on
        log.error("the deadline alert could not be sent: %s", exc)
