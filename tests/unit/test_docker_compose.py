"""docker-compose.yml cannot run here (no Docker engine): check that it parses and that
its services, volumes and settings match what the code expects."""

import re
from pathlib import Path

import yaml
from florwork import config, contracts

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
CELERY_PROFILE = {"redis", "airflow-worker"}


def test_services():
    assert set(COMPOSE["services"]) == {"postgres", *AIRFLOW_SERVICES, "redis"}
    profiled = {name for name, service in COMPOSE["services"].items() if service.get("profiles")}
    assert profiled == CELERY_PROFILE
    assert all(COMPOSE["services"][name]["profiles"] == ["celery"] for name in CELERY_PROFILE)
    commands = {name: COMPOSE["services"][name]["command"] for name in AIRFLOW_SERVICES if name != "airflow-init"}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-worker"] == "celery worker"


def test_the_celery_profile_is_wired_like_the_executor_expects():
    """Every Airflow service agrees on the executor, the broker and the shared state."""
    for name in AIRFLOW_SERVICES:
        service = COMPOSE["services"][name]
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:")
        assert f"state:{env['FLORWORK_STATE_DIR']}" in service["volumes"]
    assert COMPOSE["services"]["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "state" in COMPOSE["volumes"]


def test_airflow_image_matches_the_pinned_version():
    pinned = re.search(r"^apache-airflow==(\S+)$", (ROOT / "requirements/constraints.txt").read_text(), re.M).group(1)
    dockerfile = (ROOT / "docker/Dockerfile").read_text()
    assert f"ARG AIRFLOW_VERSION={pinned}" in dockerfile
    for name in AIRFLOW_SERVICES:
        assert COMPOSE["services"][name]["build"]["args"]["AIRFLOW_VERSION"] == pinned
        assert COMPOSE["services"][name]["image"].endswith(pinned)


def test_settings_of_spec_section_3_are_set_for_every_airflow_service():
    wanted = {f"AIRFLOW_CONN_{c.upper()}" for c in config.CONN_IDS} | {
        "AIRFLOW_VAR_CO_LANDING_DIR",
        "AIRFLOW_VAR_PSEUDONYMISATION_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "FLORWORK_HOME",
    }
    for name in AIRFLOW_SERVICES:
        env = COMPOSE["services"][name]["environment"]
        assert wanted <= set(env), wanted - set(env)
        home = env["FLORWORK_HOME"]
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{home}/dags"
        assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == f"{home}/plugins"
        mounts = {v.rsplit(":", 1)[1] for v in COMPOSE["services"][name]["volumes"]}
        # the folders config.py resolves under FLORWORK_HOME
        for folder in (config.dags_dir(), config.dbt_project_dir(), config.expectations_dir(), ROOT / "plugins"):
            assert f"{home}/{folder.name}" in mounts
        assert env["AIRFLOW_VAR_CO_LANDING_DIR"] in mounts
        assert (
            config.uri_parts(
                config.normalise_uri(env["AIRFLOW_CONN_WAREHOUSE"].replace("${WAREHOUSE_PASSWORD}", "x"))
            ).dbname
            == "warehouse"
        )


def test_no_secret_in_the_repository():
    text = (ROOT / "docker-compose.yml").read_text()
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|KEY)\s*:", line) and "${" not in line:
            raise AssertionError(f"literal secret in docker-compose.yml: {line.strip()}")
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))  # $${X} is an escaped $, for the container
    example = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used <= example, f"variables missing from .env.example: {used - example}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_compose_database_init_creates_what_the_code_connects_to():
    script = (ROOT / "docker/initdb/00-databases.sh").read_text()
    for database in (*config.EMBEDDED_DATABASES.values(), config.AIRFLOW_DATABASE):
        assert f"create database {database}" in script
    for source in contracts.DATABASE_SOURCES:
        assert f"/contracts/{source}.sql" in script


def test_the_postgres_service_has_the_embedded_servers_settings():
    """The planner settings the incremental build's plans rely on are the same in both."""
    from florwork import embedded

    command = COMPOSE["services"]["postgres"]["command"]
    assert command[0] == "postgres"
    pairs = zip(command[1::2], command[2::2], strict=True)
    settings = dict(value.split("=", 1) for flag, value in pairs if flag == "-c")
    assert settings == embedded.SERVER_SETTINGS


def interpolated(text: str) -> str:
    """The file as Compose reads it: ``${NAME:-default}`` and ``${NAME}`` from .env.example,
    ``$$`` an escaped ``$``."""
    env = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    text = re.sub(r"(?<!\$)\$\{(\w+)(?::-([^}]*))?\}", lambda m: env.get(m.group(1)) or m.group(2) or "", text)
    return text.replace("$$", "$")


def test_the_file_follows_the_compose_specification():
    """Checked by compose-spec (a parser of the Compose specification), after YAML's merge
    keys and the variables are resolved, as `docker compose config` does; it refuses an
    unknown key, a malformed healthcheck or an unknown depends_on condition."""
    import json

    from compose_spec import PyCompose

    parsed = PyCompose.from_json(json.dumps(yaml.safe_load(interpolated((ROOT / "docker-compose.yml").read_text()))))
    assert set(parsed.service_names()) == set(COMPOSE["services"])


def test_every_service_starts_after_the_init_and_says_when_it_is_healthy():
    for name in AIRFLOW_SERVICES:
        service = COMPOSE["services"][name]
        if name == "airflow-init":
            assert service["entrypoint"] == ["bash", "/opt/florwork/docker/init.sh"]
            assert "./docker:/opt/florwork/docker:ro" in service["volumes"]
            assert service["depends_on"] == {"postgres": {"condition": "service_healthy"}}
            assert service["user"] == "0:0"  # to hand the named volumes to the Airflow user
            continue
        assert service["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
    assert COMPOSE["services"]["postgres"]["healthcheck"]


def test_airflow_services_share_the_logs_the_login_and_the_mounted_code():
    for name in AIRFLOW_SERVICES:
        env = COMPOSE["services"][name]["environment"]
        assert env["AIRFLOW__CORE__FERNET_KEY"] == "${AIRFLOW_FERNET_KEY}"
        assert env["PYTHONPATH"] == env["AIRFLOW__CORE__PLUGINS_FOLDER"]  # the mounted package wins
        assert f"logs:{env['AIRFLOW__LOGGING__BASE_LOG_FOLDER']}" in COMPOSE["services"][name]["volumes"]
        passwords = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
        assert passwords.startswith(env["FLORWORK_STATE_DIR"] + "/")  # on the shared volume
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert COMPOSE["services"]["airflow-scheduler"]["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"
    assert "logs" in COMPOSE["volumes"]


def test_the_image_has_no_demo_server():
    pyproject = (ROOT / "pyproject.toml").read_text()
    base = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S).group(1)
    assert "pgserver" not in base and re.search(r'^demo = \["pgserver"', pyproject, re.M)
    install = [line for line in (ROOT / "docker/Dockerfile").read_text().splitlines() if "pip install" in line]
    assert install and all("[" not in line for line in install), "the image installs no extra"
