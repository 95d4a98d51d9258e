"""docker-compose's airflow-init (docker/init.sh) run as a script against the embedded
PostgreSQL, as the container runs it (outside demo mode): the shared folders, Airflow's
metadata migrated, the admin login, the warehouse bootstrapped and the sources' pools;
run again, it changes nothing and still succeeds."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
from conftest import ROOT
from florwork import config, dag_defaults


def test_the_init_script_prepares_everything(embedded_server, tmp_path):
    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        for database in ("airflow_compose", "warehouse_compose"):
            admin.execute(f"drop database if exists {database} with (force)")
            admin.execute(f"create database {database}")
    passwords = tmp_path / "state" / "auth" / "passwords.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW_", "FLORWORK_")) and k not in ("AIRFLOW_HOME",)
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=str(ROOT / "plugins"),
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=config.sqlalchemy_url(
            config.embedded_uri("airflow_compose"), driver="psycopg2"
        ),
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(tmp_path / "logs"),
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW_ADMIN_PASSWORD="an-admin-password",
        AIRFLOW_CONN_WAREHOUSE=config.embedded_uri("warehouse_compose"),
        AIRFLOW_CONN_SIS_SOURCE=config.embedded_uri("sis"),
        AIRFLOW_CONN_PARTNER_SOURCE=config.embedded_uri("partner"),
        AIRFLOW_VAR_CO_LANDING_DIR=str(tmp_path / "landing"),
        AIRFLOW_VAR_PSEUDONYMISATION_KEY="a-key-for-the-compose-test",
        FLORWORK_STATE_DIR=str(tmp_path / "state"),
        FLORWORK_REPORTS_DIR=str(tmp_path / "reports"),
    )
    for attempt in (1, 2):  # idempotent: every `docker compose up` runs it
        done = subprocess.run(
            ["bash", str(ROOT / "docker" / "init.sh")], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (attempt, done.stdout[-2000:], done.stderr[-3000:])
    for folder in ("state", "reports", "landing/co", "logs"):
        assert (tmp_path / folder).is_dir(), folder
    assert json.loads(passwords.read_text()) == {"admin": "an-admin-password"}
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    with psycopg.connect(config.embedded_uri("warehouse_compose")) as wh:
        assert wh.execute("select count(*) from information_schema.schemata where schema_name = 'ops'").fetchone() == (
            1,
        )
    with psycopg.connect(config.embedded_uri("airflow_compose")) as metadata:
        pools = dict(metadata.execute("select pool, slots from slot_pool").fetchall())
    assert {name: pools.get(name) for name in dag_defaults.pools()} == {name: 2 for name in dag_defaults.pools()}
