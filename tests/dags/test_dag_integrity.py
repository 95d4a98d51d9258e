"""DAG integrity (after mozilla/telemetry-airflow): every DAG imports, follows the house
rules, and touches no database while it is parsed."""

import ast
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from florwork import dag_defaults

DAGS = ROOT / "dags"
EXPECTED = {*dag_defaults.EXTRACTION_DAGS.values(), "transform_warehouse", "run_monthly_budget"}


@pytest.fixture(scope="module")
def dagbag(configured_airflow):
    """The DAGs parsed as Airflow's dag-processor parses them; no database is running for it."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_every_dag_imports(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_house_rules(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.doc_md and dag_id in dag.doc_md
    assert "florwork" in dag.tags
    assert (DAGS / f"{dag_id}.py").exists(), "one DAG per file, file name = dag_id"
    for task in dag.tasks:
        assert task.owner == "florwork-data"
        if task.task_id != "watcher":  # it only marks a run failed: retrying it would delay that
            assert task.retries >= 1, f"{task.task_id} has no retries"
        assert task.task_id.split("_")[0] in (
            "extract",
            "load",
            "build",
            "wait",
            "publish",
            "validate",
            "update",
            "watcher",
            "announce",
            "render",
            "check",
        )


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_the_month_is_a_validated_param(dagbag, dag_id):
    from airflow.sdk.exceptions import ParamValidationError

    month = dagbag.dags[dag_id].params.get_param("month")
    assert month.resolve("2025-03") == "2025-03" and month.resolve(None) is None
    for wrong in ("2025-13", "2025-3", "March"):
        with pytest.raises(ParamValidationError):
            month.resolve(wrong)


EXTRACTIONS = list(dag_defaults.EXTRACTION_DAGS.values())


def test_each_source_is_queried_within_its_pool(dagbag):
    from florwork import contracts

    for source in contracts.DATABASE_SOURCES:
        dag = dagbag.dags[dag_defaults.EXTRACTION_DAGS[source]]
        extracts = [t for t in dag.tasks if t.task_id.startswith("extract_")]
        assert extracts and {t.pool for t in extracts} == {f"{source}_source"}
    assert set(dag_defaults.pools()) == {f"{s}_source" for s in contracts.DATABASE_SOURCES}
    assert {p["slots"] for p in dag_defaults.pools().values()} == {2}


@pytest.mark.parametrize("dag_id", EXTRACTIONS)
def test_extraction_dags_close_with_an_announcement_data_docs_and_a_watcher(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    loads = {t.task_id for t in dag.tasks if t.task_id.startswith(("extract_", "load_"))}
    assert loads
    for closing, rule in (
        ("announce_extraction", "all_success"),
        ("update_data_docs", "all_done"),
        ("watcher", "one_failed"),
    ):
        task = dag.get_task(closing)
        assert task.trigger_rule == rule
        assert task.upstream_task_ids == loads
        assert not task.downstream_task_ids


def test_every_source_table_is_extracted_by_one_task():
    """The tasks are derived from the contracts: a table added to a contract gets its task."""
    from florwork import contracts

    for source in contracts.DATABASE_SOURCES:
        dag_id = dag_defaults.EXTRACTION_DAGS[source]
        tasks = {t.task_id for t in _dag(dag_id).tasks}
        for table in contracts.tables(source):
            assert f"extract_{table.name}" in tasks, (dag_id, table.name)


def _dag(dag_id):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS / f"{dag_id}.py")).dags[dag_id]


def test_the_build_waits_for_a_completed_round_of_every_extraction(dagbag):
    """One build per extraction round: scheduled on all of the DAG-level Assets, which
    only the announce tasks emit; the table Assets are lineage and schedule nothing."""
    from airflow.sdk import AssetAll

    condition = dagbag.dags["transform_warehouse"].timetable.asset_condition
    assert isinstance(condition, AssetAll)
    consumed = {a.uri for a in condition.objects}
    announced = {a.uri for d in EXTRACTIONS for a in dagbag.dags[d].get_task("announce_extraction").outlets}
    assert consumed == announced and len(consumed) == len(dag_defaults.EXTRACTION_DAGS)
    tables = {
        a.uri
        for d in EXTRACTIONS
        for t in dagbag.dags[d].tasks
        if t.task_id != "announce_extraction"
        for a in t.outlets
    }
    from florwork import contracts

    source_tables = sum(len(contracts.tables(s)) for s in contracts.DATABASE_SOURCES)
    assert len(tables) == source_tables + 1 and not tables & consumed  # and raw.co_notices


def test_the_budget_schedule_starts_after_the_first_budget_month(dagbag, monkeypatch):
    from florwork import dag_defaults, months

    dag = dagbag.dags["run_monthly_budget"]
    assert dag.catchup and dag.max_active_runs == 1
    assert [t.task_id for t in dag.topological_sort()] == [
        "check_budget_target",
        "wait_for_warehouse",
        "publish_budget_run",
    ]
    monkeypatch.setenv("FLORWORK_START_MONTH", "2025-03")
    assert dag_defaults.budget_start_date() == months.month_cutoff(months.parse_month("2025-03"))


def test_no_database_access_at_import():
    """Parse the DAGs with every connection pointing at a closed port: still fast and clean."""
    script = (
        "import time, sys; t = time.time();"
        "from airflow.dag_processing.dagbag import DagBag;"
        f"bag = DagBag(dag_folder={str(DAGS)!r});"
        "assert not bag.import_errors, bag.import_errors; print(len(bag.dags), time.time() - t)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "PYTHONPATH": str(ROOT / "plugins"),
        "AIRFLOW_HOME": str(ROOT / ".florwork" / "airflow-integrity"),
        "AIRFLOW_CONN_WAREHOUSE": "postgresql://x@127.0.0.1:1/none",
        "AIRFLOW_CONN_SIS_SOURCE": "postgresql://x@127.0.0.1:1/none",
        "AIRFLOW_CONN_PARTNER_SOURCE": "postgresql://x@127.0.0.1:1/none",
    }
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].split()[0] == str(len(EXPECTED))
    assert time.monotonic() - started < 60


FORBIDDEN = ("provide_session", "create_session", "settings.Session", "airflow.models")


@pytest.mark.parametrize(
    "path", sorted([*DAGS.glob("*.py"), *(ROOT / "plugins" / "florwork").rglob("*.py")]), ids=lambda p: p.name
)
def test_task_code_never_touches_airflow_metadata(path):
    """Airflow 3 workers refuse ORM access; dag.test() would not notice, so check the code."""
    source = path.read_text()
    imports = [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [getattr(n, "module", None) or "" for n in imports] + [a.name for n in imports for a in n.names]
    for word in FORBIDDEN:  # the CLI's runner too: it drives dag.test() without the ORM
        assert not any(word in name for name in names), f"{path.name} imports {word}"
        assert word not in source.replace("airflow.models import", ""), f"{path.name} uses {word}"


def test_dag_files_are_thin():
    for path in DAGS.glob("*.py"):
        assert len(path.read_text().splitlines()) < 80, f"{path.name}: logic belongs in plugins/florwork"
