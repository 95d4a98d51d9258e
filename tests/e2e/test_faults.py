"""Faults the platform survives, each compared with a clean run of the same data: the
worked example's January, or January and February (docs/method.md §5), whose figures a
clean run publishes exactly (tests/e2e/test_savings_example.py). Each test breaks the real
`florwork run` (a process of its own, as a user starts it) and then runs it again.

- poison CO files beside the deliveries: the months publish, every bad file and line is
  accounted for with its reason, the figures are the clean run's;
- two runs started together: one runs, the other waits naming it (or exits 75 with
  --no-wait); the end state is one run's;
- `florwork run` killed (SIGKILL) during an extraction and during the build, and the
  PostgreSQL server killed during the build: the next run finishes with the clean
  run's figures.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import psycopg
import pytest
from conftest import EXAMPLE, ROOT, fresh_platform, query
from florwork import config, embedded, platform_lock, sources
from test_poison_files import assert_accounted_for, poison_folder
from test_savings_example import expected_rows, published

pytestmark = pytest.mark.slow

THROUGH = "2025-02"
# The faults that strike before January is done need only January to show that the next
# run recovers; the poison files and the killed builds run on into February.
JANUARY = "2025-01"
FLORWORK = [sys.executable, "-m", "florwork.cli"]


def example_sources(platform) -> None:
    sources.load_dataset(EXAMPLE)
    sources.load_dataset(EXAMPLE.parent / "partner")


def start(*args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **env}
    return subprocess.Popen(
        [*FLORWORK, *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def florwork_run(*extra: str, through: str = THROUGH, timeout: float = 900, **env: str) -> subprocess.CompletedProcess:
    process = start("run", "--through", through, *extra, **env)
    out, _ = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out)


def assert_clean_run_figures(through: str = THROUGH) -> None:
    """The state a clean run through ``through`` leaves: each month done once, and the
    worked example's figures published once each."""
    expected = [r for r in expected_rows() if r["month"] <= f"{through}-01"]
    assert published("marts.budget_runs") == expected
    assert published("marts.budget_runs_latest") == expected
    assert query("warehouse", "select month::text, status from ops.pipeline_months order by month") == [
        (month, "done") for month in ("2025-01-01", "2025-02-01") if month <= f"{through}-01"
    ]
    assert query(
        "warehouse",
        "select count(*) from ops.batches where status = 'done' and "
        "rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]
    assert query(
        "warehouse", "select count(*) from ops.platform_lock_holders h join pg_stat_activity a on a.pid = h.backend_pid"
    ) == [(0,)]


def kill_when(process: subprocess.Popen, condition, what: str, timeout: float = 600) -> None:
    """SIGKILL the run's whole process group as soon as ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the run ended before {what}: {process.communicate()[0][-3000:]}"
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def dbt_is_building() -> bool:
    """dbt has a model's statement running in the warehouse (the build is under way): dbt
    heads its statements with a comment naming it."""
    rows = query(
        "warehouse",
        "select count(*) from pg_stat_activity where datname = 'warehouse' and state = 'active' "
        """and query like '%%"app": "dbt"%%' and query ilike '%%intermediate%%' and pid <> pg_backend_pid()""",
    )
    return rows[0][0] > 0


def test_poison_files_do_not_stop_the_months(embedded_server):
    platform = fresh_platform()
    example_sources(platform)
    bad_files, bad_lines = poison_folder(platform.co_landing_dir() / "co")
    result = florwork_run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert_clean_run_figures()
    assert_accounted_for(bad_files, bad_lines)

    report = (config.reports_dir() / "2025-02" / "budget_2025-02.html").read_text()
    section = report[report.index('id="not-loaded"') :]
    assert (
        "co: 5 file scartati: CO_20250204.csv, CO_20250205.csv, CO_20250206_9.csv, CO_20250208.csv.part, notes.txt"
        in section
    )
    assert "co: 5 righe in quarantena" in section
    status = subprocess.run(
        [*FLORWORK, "status"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
    )
    assert status.returncode == 0, status.stderr
    for name, reason in bad_files.items():
        line = next(x for x in status.stdout.splitlines() if f" {name} " in x)
        assert "file rejected" in line and reason in line, line
    assert f"Data dictionary (dbt's docs site): {config.reports_dir() / 'docs' / 'index.html'}" in status.stdout
    assert "Source freshness at the latest build" in status.stdout


def test_two_runs_at_once_leave_one_runs_state(embedded_server):
    platform = fresh_platform()
    example_sources(platform)
    first, second = start("run", "--through", JANUARY), start("run", "--through", JANUARY)
    outputs = [p.communicate(timeout=900)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    waited = [o for o in outputs if "Waiting for the platform: `florwork" in o]
    assert len(waited) == 1, outputs
    assert "process " in waited[0] and "exclusive" in waited[0]
    assert sum("Nothing to run" in o for o in outputs) == 1  # the second found the months done
    assert "UniqueViolation" not in "".join(outputs)
    assert_clean_run_figures(JANUARY)


def test_a_busy_platform_is_said_plainly(embedded_server):
    fresh_platform()
    with platform_lock.exclusive() as hold:
        hold.on_month(date(2025, 3, 1))
        refused = florwork_run("--no-wait", timeout=120)
    assert refused.returncode == 75, refused.stdout
    assert "the platform is busy: `" in refused.stdout
    assert f"process {os.getpid()} on " in refused.stdout and "on 2025-03" in refused.stdout


def test_a_run_killed_during_an_extraction(embedded_server):
    platform = fresh_platform()
    example_sources(platform)
    killed = florwork_run(through=JANUARY, FLORWORK_FAULT="after_landing")
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-3000:]
    assert query("warehouse", "select count(*) from ops.batches where status = 'running'") == [(1,)]
    result = florwork_run(through=JANUARY)
    assert result.returncode == 0, result.stdout[-3000:]
    assert_clean_run_figures(JANUARY)


def test_a_run_killed_during_the_build(embedded_server):
    platform = fresh_platform()
    example_sources(platform)
    process = start("run", "--through", THROUGH)
    kill_when(process, dbt_is_building, "the build")
    assert query("warehouse", "select count(*) from ops.pipeline_months where status = 'done'") == [(0,)]
    result = florwork_run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert_clean_run_figures()


def test_the_server_killed_during_the_build(embedded_server):
    """The server stops as in a crash (``pg_ctl stop -m immediate``: no checkpoint, every
    session cut, recovery from the WAL at the next start) while dbt builds."""
    from pgserver import _commands

    platform = fresh_platform()
    example_sources(platform)
    process = start("run", "--through", THROUGH)
    deadline = time.monotonic() + 600
    while not dbt_is_building():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0][-3000:]
        time.sleep(0.1)
    _commands.pg_ctl(["-m", "immediate", "stop"], pgdata=embedded._pgdata(), user=embedded._system_user())
    out, _ = process.communicate(timeout=600)
    assert process.returncode != 0, out[-3000:]
    embedded.up()
    with psycopg.connect(config.embedded_uri("warehouse"), autocommit=True) as wh:
        assert wh.execute("select count(*) from ops.pipeline_months where status = 'done'").fetchone()[0] < 2
    result = florwork_run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert_clean_run_figures()
