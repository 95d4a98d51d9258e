"""Alerts reach the data team (plugins/florwork/alerts.py): a failed task and a stale
source each send one e-mail, through the SMTP provider's notifier, to a local SMTP
server the test starts; each names the DAG, the task or source, the month and the log."""

import os
import subprocess
import sys

from conftest import EXAMPLE, ROOT
from florwork import sources, warehouse


def florwork_run(through: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **env}
    return subprocess.run(
        [sys.executable, "-m", "florwork.cli", "run", "--through", through],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )


def text_of(message) -> str:
    return message.get_body(preferencelist=("html", "plain")).get_content()


def test_a_failed_task_sends_one_email(platform, inbox):
    sources.load_dataset(EXAMPLE)
    with warehouse.connect("partner_source", autocommit=True) as partner:
        partner.execute("alter table partner.aziende add column iban text")  # a contract drift
    run = florwork_run("2025-01", **inbox.env)
    assert run.returncode == 1, run.stderr
    assert [m["Subject"] for m in inbox.messages] == ["[florwork] extract_partner.extract_aziende failed (2025-01)"]
    sent = inbox.messages[0]
    assert sent["To"] == "data-team@example.org" and sent["From"] == "florwork@example.org"
    body = text_of(sent)
    for said in ("extract_partner", "extract_aziende", "2025-01", "ContractDrift", "column iban added", "log"):
        assert said in body, (said, body)
    # failed on its first try, with the message, not retried
    log = max((platform.state_dir() / "logs").glob("run-*.log"), key=lambda p: p.stat().st_mtime).read_text()
    assert "up_for_retry" not in log and "(not retried: it would fail again)" in log
    assert "partner.aziende: source table partner.aziende no longer matches its contract: column iban added" in (
        run.stderr
    )


def test_a_stale_source_sends_one_email(platform, inbox):
    sources.load_dataset(EXAMPLE)
    run = florwork_run("2025-01", FLORWORK_FRESHNESS='{"co": {"warn_after_hours": 24}}', **inbox.env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [m["Subject"] for m in inbox.messages] == ["[florwork] stale source: co (2025-01)"]
    body = text_of(inbox.messages[0])
    for said in (
        "co: latest change 2024-05-03 00:00, 274.0 days before the data cutoff (warn after 1 days)",
        "transform_warehouse",
        "build_warehouse",
        "2025-01",
        "log",
    ):
        assert said in body, (said, body)


def test_without_a_notifier_nothing_is_sent_and_the_log_says_so(platform, inbox):
    sources.load_dataset(EXAMPLE)
    run = florwork_run("2025-01", FLORWORK_FRESHNESS='{"co": {"warn_after_hours": 24}}')
    assert run.returncode == 0, run.stderr[-3000:]
    assert inbox.messages == []
    log = max((platform.state_dir() / "logs").glob("run-*.log"), key=lambda p: p.stat().st_mtime).read_text()
    assert (
        "no alert is configured (FLORWORK_ALERT_TO or FLORWORK_ALERT_NOTIFIER): not sent: [florwork] stale source"
        in log
    )
