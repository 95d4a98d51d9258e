"""Connections and variables from Airflow's own lookup (plugins/florwork/config.py,
``lookup``): with a local-filesystem secrets backend holding the warehouse, the
sources, the landing folder and the key, and none of them in the environment,
`florwork status` and `florwork run` work and write into the warehouse it names."""

import json
import os
import subprocess
import sys

import psycopg
from conftest import EXAMPLE, ROOT, query
from florwork import config, sources


def test_florwork_run_reads_a_secrets_backend(platform, tmp_path):
    sources.load_dataset(EXAMPLE)
    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        admin.execute("drop database if exists warehouse_from_secrets with (force)")
        admin.execute("create database warehouse_from_secrets")
    connections = {
        "warehouse": config.embedded_uri("warehouse_from_secrets"),
        "sis_source": config.embedded_uri("sis"),
        "partner_source": config.embedded_uri("partner"),
    }
    variables = {
        "pseudonymisation_key": "a-key-kept-in-the-secrets-backend",
        "co_landing_dir": str(platform.co_landing_dir()),
    }
    (tmp_path / "connections.json").write_text(json.dumps(connections))
    (tmp_path / "variables.json").write_text(json.dumps(variables))
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_")) and k != "FLORWORK_EMBEDDED"
    }
    environment.update(
        PYTHONPATH=str(ROOT / "plugins"),
        AIRFLOW__SECRETS__BACKEND="airflow.secrets.local_filesystem.LocalFilesystemBackend",
        AIRFLOW__SECRETS__BACKEND_KWARGS=json.dumps(
            {
                "connections_file_path": str(tmp_path / "connections.json"),
                "variables_file_path": str(tmp_path / "variables.json"),
            }
        ),
    )
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in environment  # Airflow's metadata: the suite's

    def florwork(*args):
        return subprocess.run(
            [sys.executable, "-m", "florwork.cli", *args], cwd=ROOT, env=environment, capture_output=True, text=True
        )

    status = florwork("status")
    assert status.returncode == 0, status.stderr
    run = florwork("run", "--through", "2025-01")
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-2000:]
    with psycopg.connect(config.embedded_uri("warehouse_from_secrets")) as named:
        assert named.execute("select month::text, status from ops.pipeline_months").fetchall() == [
            ("2025-01-01", "done")
        ]
        assert named.execute("select count(*) from marts.budget_runs").fetchone()[0] > 0
        assert named.execute("select count(*) from ops.batches where source = 'ipl'").fetchone()[0] == 0
    # the warehouse of the environment was not touched
    assert query("warehouse", "select count(*) from information_schema.schemata where schema_name = 'ops'") == [(0,)]
