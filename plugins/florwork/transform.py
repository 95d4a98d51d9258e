"""dbt inside the platform: the profile from the warehouse connection, and `dbt build`.

dbt runs in-process through ``dbtRunner`` (no second Python start-up); the profile in
``dbt_project/profiles.yml`` reads ``FLORWORK_DBT_*`` variables that this module sets
from the same connection every other component uses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from datetime import date
from pathlib import Path

from florwork import config
from florwork.errors import DbtFailed

log = logging.getLogger(__name__)


def seed_sources() -> dict[str, Path]:
    """The seed files a build uses, by name: the repository's, overridden by the
    dataset's own (``config.seeds_dir()``: targets, rules, costs)."""
    wanted = {p.name: p for p in (config.dbt_project_dir() / "seeds").glob("*.csv")}
    wanted.update({p.name: p for p in config.seeds_dir().glob("*.csv")})
    return dict(sorted(wanted.items()))


def seed_fingerprints() -> dict[str, str]:
    """The sha256 of each seed file a build uses: recorded with every budget run."""
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in seed_sources().items()}


def _seed_path() -> str:
    """The seed path dbt reads, relative to the project.

    dbt writes a seed's compiled SQL to ``<target>/run/<project>/<seed path>``: with an
    absolute seed path that is the seed file itself, so seeds from elsewhere (those of
    ``florwork generate``) are copied into ``dbt_project/seeds_in_use/<state>`` first.
    """
    source = config.seeds_dir()
    if source == config.dbt_project_dir() / "seeds":
        return "seeds"
    key = hashlib.sha1(str(config.state_dir()).encode()).hexdigest()[:10]
    target = config.dbt_project_dir() / "seeds_in_use" / key
    target.mkdir(parents=True, exist_ok=True)
    for name, path in seed_sources().items():
        if not (target / name).exists() or (target / name).read_bytes() != path.read_bytes():
            shutil.copyfile(path, target / name)
    return f"seeds_in_use/{key}"


# What a build reads besides the raw layer, so that a change to any of them is a change of
# inputs: the dbt project's files (not dbt's own output) and the seeds it uses.
PROJECT_SKIPPED = {"target", "logs", "seeds_in_use", "dbt_packages", "__pycache__"}


def project_digest() -> str:
    """The sha256 of the dbt project's files (models, macros, tests, seeds, settings)."""
    root = config.dbt_project_dir()
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in PROJECT_SKIPPED and not s.startswith(".")]
        files += [Path(folder, name) for name in names]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def target_dir() -> Path:
    """dbt's artefacts (manifest, run results, docs) of this state folder."""
    return config.state_dir() / "dbt" / "target"


def dbt_env() -> dict[str, str]:
    parts = config.uri_parts(config.connection_uri("warehouse"))
    return {
        "FLORWORK_DBT_HOST": parts.host,
        "FLORWORK_DBT_PORT": str(parts.port),
        "FLORWORK_DBT_USER": parts.user,
        "FLORWORK_DBT_PASSWORD": parts.password,
        "FLORWORK_DBT_DBNAME": parts.dbname,
        "FLORWORK_DBT_ROLE": config.component_role("transformer") or "",
        "DBT_PROFILES_DIR": str(config.dbt_project_dir()),
        "DBT_PROJECT_DIR": str(config.dbt_project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "FLORWORK_DBT_SEED_PATH": _seed_path(),
        # dbt's threads: the machine's cores unless set. Most of a node's time is the
        # database's CPU on the same machine, and more threads than cores slowed the
        # region's one-month build (35 s with 4 threads against 29 s with 2 on two cores;
        # bench/results/history.md).
        "FLORWORK_DBT_THREADS": os.environ.get("FLORWORK_DBT_THREADS") or str(max(2, os.cpu_count() or 2)),
        # Artefacts per state folder: the test suite and the demo never share them.
        "DBT_TARGET_PATH": str(target_dir()),
        "DBT_LOG_PATH": str(config.state_dir() / "dbt" / "logs"),
    }


# dbt's unit tests check the models' logic on fixed fixtures, not the data, so dbt advises
# running them in development and CI only: a build leaves them out (they stood before
# their models on the build's critical path) and the test suite runs them
# (tests/rules/test_dbt_rules.py runs `dbt test --select test_type:unit`; `make test-rules`).
BUILD_EXCLUDES = ["--exclude-resource-type", "unit_test"]


def dbt_args(command: str, extra: list[str] | None = None) -> list[str]:
    args = [
        *command.split(),
        "--project-dir",
        str(config.dbt_project_dir()),
        "--profiles-dir",
        str(config.dbt_project_dir()),
    ]
    if command == "build":
        args += BUILD_EXCLUDES
    return args + (extra or [])


# The macro a model reads the month it is built through with (macros/utils/through_month.sql).
MONTH_MACRO = "macro.florwork.through_month"


def manifest() -> dict | None:
    """The manifest dbt wrote at its last invocation in this state folder, if any."""
    path = target_dir() / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def _macros_using(manifest_: dict, macro: str) -> set[str]:
    """``macro`` and every macro that calls it, directly or through others."""
    found, grew = {macro}, True
    while grew:
        callers = {m for m, node in manifest_["macros"].items() if found & set(node["depends_on"]["macros"])}
        grew = bool(callers - found)
        found |= callers
    return found


def selection(manifest_: dict, tables: tuple[str, ...] | list[str], month_changed: bool) -> list[str]:
    """The nodes a build must visit when only the raw ``tables`` changed (and the month, if
    ``month_changed``): dbt selectors for the models downstream of those tables' sources
    and, when the month changed, of the models and tests that read it. A model that reads
    no node of the graph (stg_sources__watermark reads the raw tables' load times through
    the graph's metadata) is built every time, alone: its dependants take it up when their
    own inputs change. dbt's build runs the tests of every model selected."""
    project = manifest_["metadata"].get("project_name", "florwork")
    selectors = [
        f"source:{node['source_name']}.{node['name']}+"
        for node in manifest_["sources"].values()
        if node["package_name"] == project and node["schema"] == "raw" and node["identifier"] in tables
    ]
    month_macros = _macros_using(manifest_, MONTH_MACRO) if month_changed else set()
    for node in manifest_["nodes"].values():
        if node["package_name"] != project or node["resource_type"] not in ("model", "test"):
            continue
        if node["resource_type"] == "model" and not node["depends_on"]["nodes"]:
            selectors.append(node["name"])
        if month_macros & set(node["depends_on"]["macros"]):
            selectors.append(f"{node['name']}+" if node["resource_type"] == "model" else node["name"])
    return sorted(set(selectors))


def docs_site() -> Path:
    """dbt's docs site, one self-contained page beside the reports: the data dictionary
    of every model, column and test, the lineage and the exposures."""
    return config.reports_dir() / "docs" / "index.html"


def write_docs_site(through_month: date) -> Path:
    """``dbt docs generate --static`` into ``docs_site()`` (dbt writes it in its target)."""
    run_dbt("docs generate", through_month, ["--static"])
    page = docs_site()
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target_dir() / "static_index.html", page)
    return page


def month_env(through_month: date | None) -> dict[str, str]:
    """The month a dbt command builds through, as the environment variable the project
    reads when the SQL runs (dbt_project/macros/utils/through_month.sql), not as --vars:
    dbt parses the whole project again when --vars change (about 2.5 s of each monthly
    build at region scale, bench/results/history.md)."""
    return {"FLORWORK_THROUGH_MONTH": through_month.isoformat() if through_month else ""}


def test_warnings() -> dict[str, int]:
    """The data tests of dbt's last invocation that warned, with the rows each found."""
    results = target_dir() / "run_results.json"
    if not results.exists():
        return {}
    return {
        r["unique_id"].split(".")[2]: r.get("failures") or 0
        for r in json.loads(results.read_text())["results"]
        if r["status"] == "warn" and r["unique_id"].startswith("test.")
    }


# dbt's parsed project, kept for the next invocations of the same process (`florwork run`
# builds a month after another): dbt then neither reads nor checks its saved parse again.
# Taken at a process's second invocation (a process that invokes dbt once pays nothing
# more), keyed by what the parse reads that could change: the project's files, the seeds'
# folder, the target folder. `--vars` are read at parse time: an invocation with them parses.
_parsed: dict = {}
_invoked: set = set()


def parse_key() -> tuple:
    return (project_digest(), os.environ.get("FLORWORK_DBT_SEED_PATH"), str(target_dir()))


def _runner(args: list[str]):
    from dbt.cli.main import dbtRunner

    if "--vars" in args:
        return dbtRunner()
    key = parse_key()
    if key not in _parsed and key in _invoked:
        parsed = dbtRunner().invoke(dbt_args("parse"))
        if parsed.success:
            _parsed[key] = parsed.result
    _invoked.add(key)
    return dbtRunner(manifest=_parsed.get(key))


def run_dbt(command: str, through_month: date | None = None, extra: list[str] | None = None) -> float:
    """Run a dbt command in-process; raise DbtFailed naming what failed."""
    os.environ.update({**dbt_env(), **month_env(through_month)})
    started = time.monotonic()
    args = dbt_args(command, extra)
    result = _runner(args).invoke(args)
    elapsed = time.monotonic() - started
    if not result.success:
        failures, statuses = [], set()
        if result.result is not None and hasattr(result.result, "results"):
            for item in result.result.results:
                if str(item.status) in ("error", "fail", "runtime error"):
                    statuses.add(str(item.status))
                    what = getattr(item.node, "description", "") or ""
                    failures.append(
                        f"{item.node.unique_id}: {item.message or item.status}"
                        + (f" ({what.strip()})" if what.strip() else "")
                    )
        detail = "; ".join(failures[:10]) or str(result.exception)
        # Tests that found rows (a rule missing from a seed, a broken invariant) fail the
        # same way on the same data: not retried. An error may be a lost connection: retried.
        error = DbtFailed(f"dbt {command} failed: {detail}")
        error.retryable = statuses != {"fail"}
        raise error
    log.info("dbt %s finished in %.1f s", command, elapsed)
    return elapsed
