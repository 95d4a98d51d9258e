"""Test set-up: an embedded PostgreSQL of the suite's own, real dbt and Airflow.

The suite runs in demo mode in a state folder of its own (FLORWORK_STATE_DIR), so it
never touches `make demo`'s databases. End-to-end tests get fresh warehouse and source
databases from the `platform` fixture; Airflow's metadata database is migrated once.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(tempfile.mkdtemp(prefix="florwork-tests-"))

for name in list(os.environ):
    if name.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_", "AIRFLOW__", "FLORWORK_")) or name == "AIRFLOW_HOME":
        del os.environ[name]
os.environ["FLORWORK_STATE_DIR"] = str(STATE)
os.environ["FLORWORK_RETRIES"] = "1"
os.environ["FLORWORK_RETRY_DELAY_SECONDS"] = "1"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
sys.path.insert(0, str(ROOT / "plugins"))

EXAMPLE = ROOT / "plugins" / "florwork" / "demo" / "savings_example"


@pytest.fixture(scope="session")
def embedded_postgres():
    """The suite's embedded PostgreSQL, without Airflow's metadata database."""
    from florwork import embedded, quality

    planned = embedded.reserve()  # Airflow may have been configured with it already
    state = embedded.up()
    assert state["port"] == planned["port"], "the embedded server's port was taken after Airflow was configured"
    yield
    if "airflow.settings" in sys.modules:
        sys.modules["airflow.settings"].dispose_orm()
    quality.reset()
    embedded.down()
    shutil.rmtree(STATE, ignore_errors=True)


@pytest.fixture(scope="session")
def configured_airflow():
    """Airflow's settings, before airflow is first imported; no server is needed to parse
    the DAGs (tests/dags/test_dag_integrity.py checks they touch no database)."""
    from florwork import airflow_env, embedded

    embedded.reserve()
    airflow_env.configure()


@pytest.fixture(scope="session")
def embedded_server(embedded_postgres, configured_airflow):
    """The embedded PostgreSQL with Airflow's metadata database migrated."""
    import psycopg
    from florwork import airflow_env, config, warehouse

    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        warehouse.create_database(admin, config.AIRFLOW_DATABASE)
    airflow_env.migrate()


@pytest.fixture
def platform(embedded_server):
    """Fresh warehouse and source databases, an empty landing folder and reports."""
    yield fresh_platform()


def fresh_platform():
    import psycopg
    from florwork import config, quality, sources, warehouse

    quality.reset()
    warehouse.forget_bootstrap()
    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        for database in config.EMBEDDED_DATABASES.values():
            admin.execute(f'drop database if exists "{database}" with (force)')
            admin.execute(f'create database "{database}"')
    sources.create_sources()
    for folder in (config.co_landing_dir(), config.reports_dir(), config.state_dir() / "seeds"):
        shutil.rmtree(folder, ignore_errors=True)
    (config.state_dir() / "generator.json").unlink(missing_ok=True)
    (config.co_landing_dir() / "co").mkdir(parents=True)
    return config


def query(conn_id: str, sql: str, params=None) -> list[tuple]:
    from florwork import warehouse

    with warehouse.connect(conn_id, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


# The suite's stages (Makefile, .ci/run): `fast` needs no Airflow database (unit tests,
# DAG integrity, the GX suites on their fixtures, dbt parse), `rules` builds the warehouse
# empty and runs dbt's unit tests, `e2e` runs the platform on the embedded PostgreSQL.
STAGES = {"unit": "fast", "dags": "fast", "quality": "fast", "rules": "rules", "e2e": "e2e"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not any(item.get_closest_marker(stage) for stage in set(STAGES.values())):  # a test may name its own
            item.add_marker(getattr(pytest.mark, STAGES[Path(str(item.fspath)).parent.name]))


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def open_in_chromium(page, tmp_path, shot_name: str):
    """Headless Chromium loads the page from disk: its DOM, its console, a screenshot."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        missing = "Chromium is not installed (`make system-deps`, or the README's System packages)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing}: CI must run the browser tests")
        pytest.skip(f"{missing}: the browser test is skipped")
    profile = tmp_path / f"profile-{shot_name}"
    dom = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Uncaught" not in dom.stderr and "CONSOLE" not in dom.stderr, dom.stderr[-2000:]
    shot = tmp_path / f"{shot_name}.png"
    taken = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1200,2400",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.stat().st_size > 20_000, taken.stderr[-2000:]
    shutil.copyfile(shot, page.parent / f"screenshot_{shot_name}.png")  # kept with the reports
    return dom.stdout


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        import email
        from email.policy import default as default_policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox():
    """A local SMTP server (aiosmtpd) collecting what the platform sends; ``inbox.env``
    is the environment that points the platform's alerts at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.env = {
        "AIRFLOW_CONN_SMTP_DEFAULT": (
            '{"conn_type": "smtp", "host": "127.0.0.1", "port": %d, '
            '"extra": {"disable_tls": true, "disable_ssl": true}}' % port
        ),
        "FLORWORK_ALERT_TO": "data-team@example.org",
        "FLORWORK_ALERT_FROM": "florwork@example.org",
    }
    yield handler
    controller.stop()
