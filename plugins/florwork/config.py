"""Settings of the platform, resolved the way docs/method.md §3 describes.

Connections follow Airflow's conventions (``AIRFLOW_CONN_<ID>`` as a URI or JSON,
``AIRFLOW_VAR_<NAME>``), so the CLI, ``airflow dags test``, a scheduler and
docker-compose all read the same settings. When no warehouse connection is set, the
platform uses its embedded PostgreSQL, whose address is kept in a state file under the
project's ``.florwork/`` folder (git-ignored).
"""

from __future__ import annotations

import configparser
import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from florwork import contracts
from florwork.errors import ConfigError

# The warehouse and one connection per database source; in demo mode each is a database
# of the embedded PostgreSQL, named after the source.
CONN_IDS = ("warehouse", *(contracts.conn_id(source) for source in contracts.DATABASE_SOURCES))
EMBEDDED_DATABASES = {
    "warehouse": "warehouse",
    **{contracts.conn_id(source): source for source in contracts.DATABASE_SOURCES},
}
AIRFLOW_DATABASE = "airflow"
DEMO_PSEUDONYMISATION_KEY = "florwork-demo-key-not-for-real-data"


def project_root() -> Path:
    """The repository root (``FLORWORK_HOME`` wins, e.g. in docker-compose)."""
    if os.environ.get("FLORWORK_HOME"):
        return Path(os.environ["FLORWORK_HOME"]).resolve()
    return Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    """Project-local, git-ignored state: embedded PostgreSQL, Airflow home, landing, reports.

    ``FLORWORK_STATE_DIR`` moves it (the test suite uses its own).
    """
    if os.environ.get("FLORWORK_STATE_DIR"):
        return Path(os.environ["FLORWORK_STATE_DIR"]).resolve()
    return project_root() / ".florwork"


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def seeds_dir() -> Path:
    """The budget office's seeds: ``FLORWORK_SEEDS_DIR``, else those `florwork generate`
    wrote for its dataset (in the state folder), else the repository's."""
    if os.environ.get("FLORWORK_SEEDS_DIR"):
        return Path(os.environ["FLORWORK_SEEDS_DIR"]).resolve()
    generated = state_dir() / "seeds"
    if (generated / "budget_targets.csv").exists():
        return generated
    return dbt_project_dir() / "seeds"


def expectations_dir() -> Path:
    return project_root() / "expectations"


def dags_dir() -> Path:
    return project_root() / "dags"


def reports_dir() -> Path:
    return Path(os.environ.get("FLORWORK_REPORTS_DIR", state_dir() / "reports"))


def _embedded_state() -> dict | None:
    path = state_dir() / "embedded.json"
    if path.exists():
        return json.loads(path.read_text())
    return None


def embedded_uri(database: str, state: dict | None = None) -> str:
    state = state or _embedded_state()
    if not state:
        raise ConfigError(
            "No warehouse connection is set and the embedded PostgreSQL is not running: "
            "run `.venv/bin/florwork up` (or set AIRFLOW_CONN_WAREHOUSE, "
            "AIRFLOW_CONN_SIS_SOURCE and AIRFLOW_CONN_PARTNER_SOURCE)."
        )
    return f"postgresql://{state['user']}@{state['host']}:{state['port']}/{database}"


def _secrets_backend_configured() -> bool:
    """A secrets backend set for Airflow, in the environment or in ``airflow.cfg``."""
    if os.environ.get("AIRFLOW__SECRETS__BACKEND"):
        return True
    return _backend_in_cfg(os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow"))


@functools.lru_cache(maxsize=8)
def _backend_in_cfg(home: str) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(Path(home) / "airflow.cfg")
    return bool(parser.get("secrets", "backend", fallback="").strip())


def _in_airflow_task() -> bool:
    """Running inside an Airflow task, whose lookups reach the metadata database."""
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return runner is not None and getattr(runner, "SUPERVISOR_COMMS", None) is not None


_found: dict[tuple[str, str], str | None] = {}


def _airflow_lookup(kind: str, key: str) -> str | None:
    """A connection's URI or a variable's value as Airflow finds it: its configured secrets
    backend first, then the environment, then (inside a task) the metadata database.
    Asked once per process; None when Airflow has none."""
    if (kind, key) not in _found:
        from airflow.sdk import Connection, Variable
        from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

        try:
            _found[(kind, key)] = Connection.get(key).get_uri() if kind == "conn" else Variable.get(key, default=None)
        except (AirflowNotFoundException, AirflowRuntimeError):
            _found[(kind, key)] = None
    return _found[(kind, key)]


def lookup(kind: str, key: str) -> str | None:
    """A connection (``kind="conn"``, its URI) or variable (``"var"``) the platform reads,
    with Airflow's semantics: with a secrets backend configured (Vault, AWS or GCP secret
    managers, the local filesystem), Airflow's own lookup, in Airflow's order; otherwise
    the environment (``AIRFLOW_CONN_<ID>``, ``AIRFLOW_VAR_<KEY>``), then, inside a task,
    the metadata database (a connection added in the UI or with `airflow connections
    add`). Without a backend and outside a task, no Airflow import and no metadata
    database: the environment alone works."""
    env = os.environ.get(f"AIRFLOW_{kind.upper()}_{key.upper()}")
    if _secrets_backend_configured():
        return _airflow_lookup(kind, key) or env
    if env:
        return env
    return _airflow_lookup(kind, key) if _in_airflow_task() else None


def child_environment(*conn_ids: str) -> dict[str, str]:
    """What a child process of this one needs to find the same connections however this
    one found them (a secrets backend, or the metadata database from inside a task, which
    a child cannot reach): their URIs as ``AIRFLOW_CONN_*`` variables, and demo mode."""
    environment = {f"AIRFLOW_CONN_{c.upper()}": connection_uri(c) for c in conn_ids}
    if uses_embedded():
        environment["FLORWORK_EMBEDDED"] = "1"
    return environment


def uses_embedded() -> bool:
    """True when the platform runs on its own embedded PostgreSQL (demo mode): no
    warehouse connection is found anywhere Airflow looks (``lookup``).

    ``FLORWORK_EMBEDDED=1`` is set by ``airflow_env.configure`` when it points the
    ``AIRFLOW_CONN_*`` variables at the embedded server, so processes started from
    there (Airflow's own included) still know they are in demo mode.
    """
    return os.environ.get("FLORWORK_EMBEDDED") == "1" or not lookup("conn", "warehouse")


def _uri_from_json(value: str) -> str:
    data = json.loads(value)
    if data.get("conn_type") not in (None, "postgres", "postgresql"):
        raise ConfigError(f"connection type {data.get('conn_type')!r} is not PostgreSQL")
    user = quote(data.get("login") or "", safe="")
    password = data.get("password")
    auth = user + (":" + quote(password, safe="") if password else "")
    host = data.get("host") or ""
    extra = data.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra) if extra else {}
    if host.startswith("/"):
        extra = {**extra, "host": host}
        host = ""
    port = f":{data['port']}" if data.get("port") else ""
    query = "?" + urlencode(extra) if extra else ""
    return f"postgresql://{auth}@{host}{port}/{data.get('schema') or ''}{query}"


def normalise_uri(value: str) -> str:
    """Turn an Airflow connection (URI or JSON) into a libpq URI psycopg accepts."""
    value = value.strip()
    if value.startswith("{"):
        return _uri_from_json(value)
    if not re.match(r"^postgres(ql)?(\+\w+)?://", value):
        raise ConfigError(f"not a PostgreSQL URI: {redact(value)!r}")
    value = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", value)
    parts = urlsplit(value)
    # Airflow-only extras that libpq would refuse.
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("__extra__", "cursor")]
    return parts._replace(query=urlencode(query, safe="/")).geturl()


def redact(uri: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", uri)


def source_configured(source: str) -> bool:
    """Whether a database source is read: always in demo mode and for a source every city
    has; an optional one (contracts.OPTIONAL_SOURCES) when its connection is set."""
    return (
        uses_embedded() or source not in contracts.OPTIONAL_SOURCES or bool(lookup("conn", contracts.conn_id(source)))
    )


def configured_sources() -> tuple[str, ...]:
    return tuple(s for s in contracts.DATABASE_SOURCES if source_configured(s))


def connection_uri(conn_id: str) -> str:
    """URI of one of the platform's connections (see ``CONN_IDS``)."""
    env = f"AIRFLOW_CONN_{conn_id.upper()}"
    found = lookup("conn", conn_id)
    if found:
        return normalise_uri(found)
    if uses_embedded():
        return embedded_uri(EMBEDDED_DATABASES[conn_id])
    raise ConfigError(
        f"the connection {conn_id} is not set ({env}, a secrets backend or Airflow's connections). With a "
        f"warehouse connection set, the platform expects every source connection too: set {conn_id} to the "
        "source database's URI."
    )


@dataclass(frozen=True)
class UriParts:
    host: str
    port: int
    user: str
    password: str
    dbname: str


def uri_parts(uri: str) -> UriParts:
    """Split a libpq URI; a unix-socket host given as ``?host=/dir`` is honoured."""
    parts = urlsplit(uri)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or unquote(parts.hostname or "") or "localhost"
    return UriParts(
        host=host,
        port=int(query.get("port") or parts.port or 5432),
        user=unquote(parts.username or query.get("user") or os.environ.get("PGUSER", "postgres")),
        password=unquote(parts.password or query.get("password") or ""),
        dbname=unquote(parts.path.lstrip("/")) or query.get("dbname", ""),
    )


def sqlalchemy_url(uri: str, driver: str = "psycopg", role: str | None = None) -> str:
    """SQLAlchemy URL for a libpq URI (GX and Airflow's metadata need one)."""
    p = uri_parts(uri)
    auth = quote(p.user, safe="") + (":" + quote(p.password, safe="") if p.password else "")
    options = f"options={quote(f'-c role={role}', safe='')}" if role else ""
    if p.host.startswith("/"):
        return f"postgresql+{driver}://{auth}@/{p.dbname}?host={p.host}&port={p.port}" + (
            f"&{options}" if options else ""
        )
    return f"postgresql+{driver}://{auth}@{p.host}:{p.port}/{p.dbname}" + (f"?{options}" if options else "")


def co_landing_dir() -> Path:
    value = lookup("var", "co_landing_dir")
    if value:
        return Path(value)
    if uses_embedded():
        return state_dir() / "landing"
    raise ConfigError("AIRFLOW_VAR_CO_LANDING_DIR is not set: point it at the CO landing folder.")


def pseudonymisation_key() -> str:
    """The HMAC key of docs/method.md §6. Required, and not the demo key, outside demo mode."""
    key = lookup("var", "pseudonymisation_key")
    if uses_embedded():
        return key or DEMO_PSEUDONYMISATION_KEY
    if not key:
        raise ConfigError(
            "AIRFLOW_VAR_PSEUDONYMISATION_KEY is not set. Outside demo mode the platform "
            "needs a secret key of its own, e.g. "
            "`export AIRFLOW_VAR_PSEUDONYMISATION_KEY=$(python -c 'import secrets; "
            "print(secrets.token_hex(32))')`, kept in your secrets store."
        )
    if key == DEMO_PSEUDONYMISATION_KEY:
        raise ConfigError(
            "AIRFLOW_VAR_PSEUDONYMISATION_KEY holds the public demo key, which is refused "
            "outside demo mode: set a secret key of your own."
        )
    if len(key) < 16:
        raise ConfigError("AIRFLOW_VAR_PSEUDONYMISATION_KEY must be at least 16 characters.")
    return key


def component_role(component: str) -> str | None:
    """The group role a component sets for its work (``loader`` or ``transformer``).

    ``FLORWORK_LOADER_ROLE`` / ``FLORWORK_TRANSFORMER_ROLE`` name it; set one to an
    empty string when that component logs in with a login of its own that holds the
    privileges directly.
    """
    value = os.environ.get(f"FLORWORK_{component.upper()}_ROLE", f"florwork_{component}")
    if value and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise ConfigError(f"FLORWORK_{component.upper()}_ROLE={value!r} is not a plain PostgreSQL role name")
    return value or None


FRESHNESS_SETTING = "FLORWORK_FRESHNESS"


def freshness_thresholds() -> dict[str, dict[str, float]]:
    """Per source (``sis``, ``partner``, ``ipl``, ``co``), after how many hours without a
    change its freshness warns and stops the build: ``FLORWORK_FRESHNESS``, JSON such as
    ``{"co": {"warn_after_hours": 72, "error_after_hours": 240}}``. A source left out is
    measured and shown, not judged (florwork/freshness.py)."""
    value = os.environ.get(FRESHNESS_SETTING)
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"{FRESHNESS_SETTING} is not JSON: {exc}") from None
    known = {*contracts.DATABASE_SOURCES, "co"}
    keys = {"warn_after_hours", "error_after_hours"}
    if not isinstance(parsed, dict) or not set(parsed) <= known:
        raise ConfigError(f"{FRESHNESS_SETTING} names sources outside {sorted(known)}: {sorted(set(parsed) - known)}")
    for source, limits in parsed.items():
        if not isinstance(limits, dict) or not set(limits) <= keys:
            raise ConfigError(f"{FRESHNESS_SETTING}: {source} takes only {sorted(keys)}")
        for name, hours in limits.items():
            if not isinstance(hours, (int, float)) or hours <= 0:
                raise ConfigError(f"{FRESHNESS_SETTING}: {source}.{name} must be a positive number of hours")
    return parsed
