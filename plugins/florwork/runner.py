"""`florwork run --through YYYY-MM`: the real DAGs, one month at a time, in order.

For every month not yet run, from the first budget month on, the runner executes the
DAGs of ``DAG_ORDER`` with Airflow's own ``dag.test()`` (a real DAG run with real task
instances in the metadata database, in this process): the extractions, the warehouse
build and the monthly budget run, each with ``conf = {"month": "YYYY-MM"}``. A month is
marked done in ``ops.pipeline_months`` only when all of them succeeded, so a failed month
is run again next time and a month already done is never run twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from florwork import airflow_env, budget, config, dag_defaults, months, platform_lock, warehouse
from florwork.errors import RunFailed

log = logging.getLogger(__name__)

DAG_ORDER = (*dag_defaults.EXTRACTION_DAGS.values(), "transform_warehouse", "run_monthly_budget")


@dataclass
class MonthResult:
    month: date
    seconds: float
    dag_seconds: dict[str, float]


def create_pools() -> None:
    """Create or update the sources' pools (dag_defaults.pools) in Airflow's metadata
    database, with one `airflow pools import`."""
    airflow_env.configure()
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(dag_defaults.pools(), handle)
        handle.flush()
        result = subprocess.run([airflow, "pools", "import", handle.name], capture_output=True, text=True)
    if result.returncode != 0:
        raise RunFailed(f"airflow pools import failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")


def months_done() -> set[date]:
    with warehouse.connect("warehouse", autocommit=True) as wh:
        warehouse.bootstrap_once()
        return {r[0] for r in wh.execute("select month from ops.pipeline_months where status = 'done'")}


def months_to_run(through: date) -> list[date]:
    done = months_done()
    try:
        first = budget.first_budget_month()
    except budget.NoTargets as exc:
        raise RunFailed(str(exc)) from exc
    return [m for m in months.month_range(first, through) if m not in done]


def _set_month(month: date, status: str, message: str | None = None) -> None:
    with warehouse.connect("warehouse", autocommit=True) as wh:
        wh.execute(
            "insert into ops.pipeline_months (month, status, message) values (%s, %s, %s) "
            "on conflict (month) do update set status = excluded.status, message = excluded.message, "
            "started_at = case when excluded.status = 'running' then now() else ops.pipeline_months.started_at end, "
            "finished_at = case when excluded.status = 'running' then null else now() end",
            (month, status, message),
        )


def _load_dags() -> dict:
    from airflow.dag_processing.dagbag import DagBag

    dag_defaults.RUN_IN_PROCESS = True  # DAGs as dag.test() can run them (dag_defaults.budget_deadline)
    bag = DagBag(dag_folder=str(config.dags_dir()))
    if bag.import_errors:
        raise RunFailed("DAG files do not import: " + "; ".join(f"{k}: {v}" for k, v in bag.import_errors.items()))
    missing = [d for d in DAG_ORDER if d not in bag.dags]
    if missing:
        raise RunFailed(f"DAGs missing from {config.dags_dir()}: {', '.join(missing)}")
    return bag.dags


def _failed_batches(since: datetime) -> list[str]:
    """The batches that failed since ``since``, each as "object: why" (the cause, in one
    line, of an extraction that failed: a contract drift, a rejected batch)."""
    with warehouse.connect("warehouse", autocommit=True) as wh:
        rows = wh.execute(
            "select source_object, message from ops.batches where status = 'failed' and finished_at >= %s "
            "order by batch_id",
            (since,),
        ).fetchall()
    return [f"{name}: {(message or '').splitlines()[0] if message else 'no message'}" for name, message in rows]


def _failed_tasks(dag_run) -> str:
    """The tasks that failed (those only skipped because of them are left out, like the
    watcher, which only marks the run failed)."""
    from airflow.utils.state import TaskInstanceState

    instances = [ti for ti in dag_run.get_task_instances() if ti.task_id != "watcher"]
    failed = [ti for ti in instances if ti.state == TaskInstanceState.FAILED] or [
        ti for ti in instances if ti.state == TaskInstanceState.UPSTREAM_FAILED
    ]
    return ", ".join(f"{ti.task_id} ({ti.state})" for ti in failed) or "unknown task"


@contextlib.contextmanager
def _output_to(path: Path | None):
    """Send this process's stdout and stderr (Airflow's and dbt's logs) to a file."""
    if path is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def run_month(dags: dict, month: date, progress: Callable[[str], None], log_path: Path | None = None) -> MonthResult:
    from airflow.utils.state import DagRunState

    started = time.monotonic()
    timings = {}
    _set_month(month, "running")
    # One logical date per month (the month's cutoff), so a month run again reuses
    # its Airflow runs instead of piling up new ones.
    logical_date = months.month_cutoff(month).astimezone(timezone.utc)
    for dag_id in DAG_ORDER:
        t0 = time.monotonic()
        dag_started = datetime.now(timezone.utc)
        progress(f"  {month:%Y-%m}  {dag_id} ...")
        try:
            with _output_to(log_path):
                dag_run = dags[dag_id].test(logical_date=logical_date, run_conf={"month": f"{month:%Y-%m}"})
        except Exception as exc:  # the DAG could not even start
            _set_month(month, "failed", f"{dag_id}: {exc}")
            raise RunFailed(f"{month:%Y-%m}: {dag_id} could not run: {exc}") from exc
        timings[dag_id] = time.monotonic() - t0
        if dag_run is None or dag_run.state != DagRunState.SUCCESS:
            detail = _failed_tasks(dag_run) if dag_run is not None else "no run"
            message = f"{dag_id} failed: {detail}" + "".join(f"\n  {cause}" for cause in _failed_batches(dag_started))
            _set_month(month, "failed", message)
            where = f"the end of {log_path}" if log_path else "the task log above"
            raise RunFailed(
                f"{month:%Y-%m}: {message}\n{where.capitalize()} says more; fix it and run "
                f"`florwork run --through {month:%Y-%m}` again (finished work is not repeated)."
                + (f"\n--- last lines of the log ---\n{_tail(log_path)}" if log_path else "")
            )
        progress(f"  {month:%Y-%m}  {dag_id} ok ({timings[dag_id]:.1f} s)")
    _set_month(month, "done")
    return MonthResult(month, time.monotonic() - started, timings)


def run(
    through: date,
    progress: Callable[[str], None] = print,
    log_path: Path | None = None,
    before_month: Callable[[date], None] | None = None,
    wait: bool = True,
) -> list[MonthResult]:
    """Run every month not yet run up to ``through``; return what ran.

    The run holds the platform lock (florwork/platform_lock.py): while another run or a
    scheduled task holds it, this one waits, saying who holds it (``wait=False``: raises
    PlatformBusy with that instead).

    With ``log_path``, the DAG runs' own output (Airflow's task logs, dbt's) goes to
    that file and only progress lines are shown. ``before_month`` runs before each
    month (the demo uses it to let the synthetic sources fill up month by month).
    """
    with platform_lock.exclusive(wait=wait, progress=progress) as hold:
        todo = months_to_run(through)  # under the lock: what another run did is done
        if not todo:
            progress(f"Nothing to run: every month through {through:%Y-%m} has been run.")
            return []
        progress(
            f"Running {len(todo)} month(s): {todo[0]:%Y-%m} to {todo[-1]:%Y-%m}"
            + (f" (full log: {log_path})" if log_path else "")
        )
        airflow_env.migrate()
        dags = _load_dags()
        results = []
        for month in todo:
            hold.on_month(month)
            if before_month is not None:
                before_month(month)
            result = run_month(dags, month, progress, log_path)
            progress(f"{month:%Y-%m} done in {result.seconds:.1f} s")
            results.append(result)
        return results
