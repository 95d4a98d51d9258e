"""Airflow's settings for the platform, and its metadata database.

AIRFLOW_HOME is project-local (``.florwork/airflow``) unless already set; the metadata
database is the embedded PostgreSQL's ``airflow`` database unless
``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` is set; the DAGs and plugins folders are the
repository's; example DAGs are off. In demo mode the ``AIRFLOW_CONN_*`` variables are
set to the embedded databases, so Airflow's own connection lookup, the CLI and the
tasks all see the same connections.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from florwork import config


def configure() -> dict[str, str]:
    """Set Airflow's environment (before airflow is imported); return what was set."""
    settings = {
        "AIRFLOW_HOME": os.environ.get("AIRFLOW_HOME") or str(config.state_dir() / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.dags_dir()),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.project_root() / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", "4"),
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Rome",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    }
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        if config.uses_embedded():
            settings["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = config.sqlalchemy_url(
                config.embedded_uri(config.AIRFLOW_DATABASE), driver="psycopg2"
            )
    if config.uses_embedded():
        settings["FLORWORK_EMBEDDED"] = "1"
        for conn_id, database in config.EMBEDDED_DATABASES.items():
            settings.setdefault(f"AIRFLOW_CONN_{conn_id.upper()}", config.embedded_uri(database))
        settings["AIRFLOW_VAR_CO_LANDING_DIR"] = str(config.co_landing_dir())
    if not os.environ.get("AIRFLOW__API_AUTH__JWT_SECRET"):
        settings["AIRFLOW__API_AUTH__JWT_SECRET"] = _jwt_secret(Path(settings["AIRFLOW_HOME"]))
    for key, value in settings.items():
        if key.startswith("AIRFLOW_CONN_") and os.environ.get(key):
            continue
        if key in ("AIRFLOW_HOME",) and os.environ.get(key):
            continue
        os.environ[key] = value
    os.makedirs(os.environ["AIRFLOW_HOME"], exist_ok=True)
    # Task code imports florwork from plugins/ (as a scheduler would).
    plugins = str(config.project_root() / "plugins")
    if plugins not in sys.path:
        sys.path.insert(0, plugins)
    return settings


def _jwt_secret(home: Path) -> str:
    """The secret Airflow's components sign their API tokens with, the same for every
    process: 64 random bytes kept in ``<AIRFLOW_HOME>/jwt_secret`` (readable by its owner
    only), made once. Airflow's own default, written into a new airflow.cfg, has 24
    bytes, below the 64 it recommends."""
    path = home / "jwt_secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


def migrate() -> None:
    """Apply Airflow's metadata migrations (a no-op when they are applied already)."""
    configure()
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    check = subprocess.run([airflow, "db", "check-migrations", "-t", "0"], capture_output=True, text=True)
    if check.returncode == 0:
        return
    result = subprocess.run([airflow, "db", "migrate"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
