"""A stale source stops the build, on its first try, naming the source and how late it
is; every build's look at its sources is recorded and shown by `florwork status`
(plugins/florwork/freshness.py)."""

import os
import subprocess
import sys

from conftest import EXAMPLE, ROOT, query
from florwork import sources


def florwork(*args, **env):
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **env}
    return subprocess.run(
        [sys.executable, "-m", "florwork.cli", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_a_stale_source_stops_the_build(platform):
    # The worked example's CO files before February: one, of 2 May 2024, nine months
    # before January's cutoff.
    thresholds = '{"co": {"warn_after_hours": 24, "error_after_hours": 2400}}'
    sources.load_dataset(EXAMPLE)
    run = florwork("run", "--through", "2025-01", FLORWORK_FRESHNESS=thresholds)
    assert run.returncode == 1
    assert "transform_warehouse failed: build_warehouse (failed)" in run.stderr, run.stderr
    log = max((platform.state_dir() / "logs").glob("run-*.log"), key=lambda p: p.stat().st_mtime).read_text()
    stale = (
        "SourceStale: the build stops: co: latest change 2024-05-03 00:00, 274.0 days before the data cutoff "
        "(warn after 1 days, stop after 100 days)"
    )
    assert stale in log and "(not retried: it would fail again)" in log
    assert log.count("Task failed with exception") == 1 and "up_for_retry" not in log, "the stale source was retried"

    rows = {
        r[0]: r[1:]
        for r in query("warehouse", "select source, status, round(lag_hours / 24)::int from ops.source_freshness")
    }
    assert set(rows) == {"sis", "partner", "ipl", "co"}
    assert rows["co"] == ("error", 274)
    assert rows["sis"][0] == "not judged"  # no threshold: measured, not judged
    assert rows["ipl"] == ("nothing yet", None)  # the worked example has no Bologna data
    assert query("warehouse", "select count(*) from ops.warehouse_builds") == [(0,)]
    status = florwork("status", FLORWORK_FRESHNESS=thresholds)
    assert "  error       co: latest change 2024-05-03 00:00, 274.0 days before the data cutoff" in status.stdout
