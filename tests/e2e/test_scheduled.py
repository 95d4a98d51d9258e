"""The platform as its users run it: Airflow's own scheduler, not `florwork run`.

The api-server, scheduler, dag-processor and triggerer run as separate processes
(LocalExecutor, parallelism 4, a metadata database of their own on the embedded
PostgreSQL), every DAG is unpaused, and the schedule runs as it would today: the daily
extractions of today's midnight, the Asset-triggered build, and the budget DAG catching
up from the first budget month. The demo data ends in March 2025, so the build covers
the last complete month (the month before today's) and the budget runs publish 2025's
months and skip the months without a target.

The scheduler's components find the warehouse and source connections, the landing folder
and the key in Airflow's metadata database only, as a city's own Airflow would hold them.

Checked: the warehouse was built with the key of the metadata database; no task failed
or was retried; one build per completed extraction round; `marts.budget_runs` equal to
what `florwork run` publishes for the same data; a second round (the extractions
triggered again, as the next day's schedule would) loads nothing, builds once more and
publishes nothing.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from conftest import fresh_platform, query
from florwork import budget, config, dag_defaults, months, quality, runner, warehouse
from florwork.generate import write

pytestmark = pytest.mark.slow

DAG_IDS = (*dag_defaults.EXTRACTION_DAGS.values(), "transform_warehouse", "run_monthly_budget")
EXTRACTIONS = tuple(dag_defaults.EXTRACTION_DAGS.values())
METADATA_DB = "airflow_scheduled"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
FIGURES = ", ".join(budget.FIGURES)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The scheduler's components find the connections and variables in Airflow's metadata
# database only (`airflow connections add`), as in a city's own Airflow: none is in their
# environment, and the key is not the demo's (plugins/florwork/config.py, lookup).
SCHEDULER_KEY = "a-key-kept-in-airflow-metadata-only"


def scheduler_env(home: Path) -> dict:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_")) and k != "FLORWORK_EMBEDDED"
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": config.sqlalchemy_url(
                config.embedded_uri(METADATA_DB), driver="psycopg2"
            ),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_FOLDER": str(config.dags_dir()),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.project_root() / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Rome",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "FLORWORK_SENSOR_POKE_SECONDS": "5",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def metadata(sql: str, params=None) -> list[tuple]:
    with psycopg.connect(config.embedded_uri(METADATA_DB), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def airflow(env, *args, timeout=300) -> str:
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"airflow {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@contextmanager
def airflow_components(env, log_dir: Path):
    """api-server, scheduler, dag-processor and triggerer, each a process group of its own."""
    procs = {}
    try:
        for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
            log = (log_dir / f"{component}.log").open("wb")
            procs[component] = subprocess.Popen(
                [AIRFLOW, component], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        yield procs
    finally:
        for proc in procs.values():
            with _ignored(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in procs.values():
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with _ignored(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def _ignored(*errors):
    try:
        yield
    except errors:
        pass


def wait_for(what: str, condition, procs, log_dir: Path, timeout: float = 900, every: float = 3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                pytest.fail(
                    f"airflow {name} exited ({proc.returncode}) while waiting for {what}:\n"
                    + (log_dir / f"{name}.log").read_text(errors="replace")[-4000:]
                )
        if condition():
            return
        time.sleep(every)
    runs = metadata("select dag_id, run_id, state from dag_run order by dag_id, run_id")
    tasks = metadata(
        "select dag_id, task_id, run_id, state from task_instance where state <> 'success' order by dag_id, run_id"
    )
    pytest.fail(
        f"timed out waiting for {what}\nruns: {runs}\nunfinished tasks: {tasks[:40]}\n"
        + (log_dir / "scheduler.log").read_text(errors="replace")[-3000:]
    )


def runs(dag_id: str, state: str | None = None) -> int:
    return metadata(
        "select count(*) from dag_run where dag_id = %s and (%s::text is null or state = %s)", (dag_id, state, state)
    )[0][0]


def budget_months_due() -> list:
    """The budget DAG's runs the catch-up creates: from the first budget month to the
    month before today's."""
    today_month = months.month_of(datetime.now(months.TZ))
    return months.month_range(budget.first_budget_month(), months.previous_month(today_month))


def failed_tasks() -> list[tuple]:
    current = metadata(
        "select dag_id, task_id, run_id, state::text from task_instance "
        "where state in ('failed', 'upstream_failed', 'up_for_retry')"
    )
    earlier = metadata(
        "select dag_id, task_id, run_id, state::text from task_instance_history "
        "where state in ('failed', 'upstream_failed', 'up_for_retry')"
    )
    return current + earlier


def warehouse_state() -> dict:
    """What a round may not change: raw rows, quarantine, the ledger's loads, budget runs."""
    tables = [
        r[0]
        for r in query(
            "warehouse",
            "select c.relname from pg_class c join pg_namespace n "
            "on n.oid = c.relnamespace where n.nspname = 'raw' and c.relkind = 'p' "
            "or (n.nspname = 'raw' and c.relname = 'co_notices')",
        )
    ]
    state = {t: query("warehouse", f"select count(*) from raw.{t}")[0][0] for t in sorted(tables)}
    state["quarantine"] = query(
        "warehouse", "select (select count(*) from quarantine.source_rows), (select count(*) from quarantine.co_rows)"
    )[0]
    state["loaded"] = query("warehouse", "select coalesce(sum(rows_loaded), 0) from ops.batches")[0][0]
    state["budget_runs"] = query("warehouse", f"select run_id, {FIGURES} from marts.budget_runs order by run_id")
    return state


def test_the_scheduler_runs_the_platform_end_to_end(platform, tmp_path, inbox):
    write.generate("demo", 42, months.parse_month("2025-03"), progress=print)
    # The budget office's targets for the first quarter only: the catch-up skips the rest.
    targets = config.seeds_dir() / "budget_targets.csv"
    lines = targets.read_text().splitlines()
    targets.write_text(
        "\n".join([lines[0], *[line for line in lines[1:] if line.split(",")[1] <= "2025-03-01"]]) + "\n"
    )

    # What `florwork run` publishes for the same data.
    runner.run(months.parse_month("2025-03"), progress=print, log_path=tmp_path / "florwork-run.log")
    by_florwork_run = query("warehouse", f"select {FIGURES} from marts.budget_runs order by month, programme")
    final_figures = query("warehouse", f"select {FIGURES} from marts.budget_monthly order by month, programme")
    assert by_florwork_run and len(final_figures) == len(by_florwork_run)

    # A new warehouse on the same sources (and the same landed CO files) for the scheduler.
    quality.reset()
    warehouse.forget_bootstrap()
    shutil.rmtree(config.state_dir() / "gx", ignore_errors=True)
    shutil.rmtree(config.reports_dir(), ignore_errors=True)
    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        for database in ("warehouse", METADATA_DB):
            admin.execute(f'drop database if exists "{database}" with (force)')
            admin.execute(f'create database "{database}"')

    env = {**scheduler_env(tmp_path / "airflow"), **inbox.env}  # alerts to a local SMTP server
    airflow(env, "db", "migrate")
    # One `airflow` command each for the connections and the variables (each command is
    # seconds of Airflow's start-up).
    connections = tmp_path / "connections.env"
    connections.write_text(
        "".join(f"{conn_id}={config.embedded_uri(db)}\n" for conn_id, db in config.EMBEDDED_DATABASES.items())
    )
    airflow(env, "connections", "import", str(connections))
    variables = {"pseudonymisation_key": SCHEDULER_KEY, "co_landing_dir": str(config.co_landing_dir())}
    (tmp_path / "variables.json").write_text(json.dumps(variables))
    airflow(env, "variables", "import", str(tmp_path / "variables.json"))
    assert metadata("select conn_id from connection order by conn_id") == [
        (c,) for c in sorted(config.EMBEDDED_DATABASES)
    ]
    assert metadata("select key from variable order by key") == [(k,) for k in sorted(variables)]
    (tmp_path / "pools.json").write_text(json.dumps(dag_defaults.pools()))
    airflow(env, "pools", "import", str(tmp_path / "pools.json"))  # without them no extraction would run
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    with airflow_components(env, log_dir) as procs:
        wait_for(
            "the DAGs to be parsed",
            lambda: (
                metadata("select count(*) from dag where dag_id = any(%s) and not is_stale", (list(DAG_IDS),))[0][0]
                == len(DAG_IDS)
            ),
            procs,
            log_dir,
            timeout=300,
        )
        airflow(env, "dags", "unpause", "--treat-dag-id-as-regex", "-y", "^(" + "|".join(DAG_IDS) + ")$")

        due = budget_months_due()
        wait_for(
            "the first round and the budget catch-up",
            lambda: (
                all(runs(d, "success") == 1 for d in (*EXTRACTIONS, "transform_warehouse"))
                and runs("run_monthly_budget", "success") == len(due)
                or bool(metadata("select 1 from dag_run where state = 'failed'"))
            ),
            procs,
            log_dir,
            timeout=1500,
            every=5,
        )
        assert failed_tasks() == []
        assert metadata("select count(*) from dag_run where state = 'failed'") == [(0,)]
        assert query("warehouse", "select key_fingerprint from ops.pseudonymisation_key") == [
            (warehouse.key_fingerprint(SCHEDULER_KEY),)
        ]
        assert runs("transform_warehouse") == 1, "one build per completed extraction round"
        # Built through the month before today's: every source is loaded to today's midnight.
        assert query("warehouse", "select count(*), max(through_month) from ops.warehouse_builds") == [(1, due[-1])]

        # Every budget month published once; the month `florwork run` published last with
        # the same data as the schedule has the same figures; the catch-up publishes the
        # earlier months with what the warehouse knows now, as `florwork run`'s last
        # build computes them.
        scheduled = query("warehouse", f"select {FIGURES} from marts.budget_runs order by month, programme")
        last = by_florwork_run[-1][2]
        assert [r for r in scheduled if r[2] == last] == [r for r in by_florwork_run if r[2] == last]
        assert scheduled == final_figures
        target_months = budget.target_months()
        skipped = metadata(
            "select count(*) from task_instance where dag_id = 'run_monthly_budget' "
            "and task_id = 'publish_budget_run' and state = 'skipped'"
        )[0][0]
        assert skipped == len([m for m in due if m not in target_months]), "months without a target are skipped"
        assert list((config.reports_dir()).glob("2025-03/budget_*.html"))

        # The catch-up's runs were past their deadline (FLORWORK_BUDGET_DEADLINE, the 3rd
        # of the next month) when created: the triggerer sends the deadline alert. Nothing
        # failed, so nothing else is sent.
        def late() -> list:
            return [m for m in inbox.messages if m["Subject"].startswith("[florwork] the monthly budget run is late (")]

        wait_for("a deadline alert", lambda: bool(late()), procs, log_dir, timeout=180)
        assert len(late()) == len(inbox.messages), [m["Subject"] for m in inbox.messages]
        body = late()[0].get_body(preferencelist=("html", "plain")).get_content()
        assert "run_monthly_budget" in body and "scheduled__" in body, body

        # The next day: every extraction again; nothing new to load, one more build.
        before = warehouse_state()
        for dag_id in EXTRACTIONS:
            airflow(env, "dags", "trigger", dag_id)
        wait_for(
            "the second round",
            lambda: (
                all(runs(d, "success") == 2 for d in (*EXTRACTIONS, "transform_warehouse"))
                or bool(metadata("select 1 from dag_run where state = 'failed'"))
            ),
            procs,
            log_dir,
            timeout=900,
        )
        assert failed_tasks() == []
        assert runs("transform_warehouse") == 2
        assert warehouse_state() == before
    fresh_platform()
