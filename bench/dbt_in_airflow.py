"""Measure a month's warehouse build inside Airflow: one `dbt build` task against Cosmos
(a task per model and test), both run with dag.test() on the demo dataset.

    .venv/bin/python bench/dbt_in_airflow.py     # after `make demo`

Writes bench/results/dbt_in_airflow.json; docs/dbt-in-airflow.md quotes the figures.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from florwork import airflow_env, config, transform  # noqa: E402

COSMOS_DAG = '''
"""Cosmos variant of transform_warehouse, for the benchmark only (airflow)."""
from datetime import datetime
from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode

DBT = "{dbt}"
dag = DbtDag(
    dag_id="transform_warehouse_cosmos",
    project_config=ProjectConfig(DBT, manifest_path="{manifest}",
                                 dbt_vars={{"through_month": "{month}"}}),
    profile_config=ProfileConfig(profile_name="florwork", target_name="warehouse",
                                 profiles_yml_filepath=DBT + "/profiles.yml"),
    execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER),
    render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, emit_datasets=False),
    schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
    default_args={{"retries": 0}},
)
'''


def run_cosmos(month: str) -> dict:
    """In a process of its own: Airflow's DAG bundle is read from the environment at start."""
    folder = Path(os.environ["FLORWORK_BENCH_DAGS"])
    airflow_env.configure()
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(folder)  # before Airflow reads it
    os.environ.update(transform.dbt_env())
    from airflow.dag_processing.dagbag import DagBag

    t0 = time.monotonic()
    bag = DagBag(dag_folder=str(folder))
    assert not bag.import_errors, bag.import_errors
    cosmos = bag.dags["transform_warehouse_cosmos"]
    result = {"cosmos_render_seconds": round(time.monotonic() - t0, 1), "cosmos_tasks": len(cosmos.tasks)}
    t0 = time.monotonic()
    run = cosmos.test(logical_date=datetime(2026, 1, 1, tzinfo=timezone.utc))
    result["cosmos_run_seconds"] = round(time.monotonic() - t0, 1)
    result["cosmos_state"] = str(run.state)
    return result


def main() -> None:
    month = "2025-12-01"
    if sys.argv[1:] == ["--cosmos"]:
        print("RESULT " + json.dumps(run_cosmos(month)))
        return
    airflow_env.configure()
    os.environ.update(transform.dbt_env())
    transform.run_dbt("parse")
    results = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "month": month,
    }

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(config.dags_dir()))
    single = bag.dags["transform_warehouse"]
    durations = []
    for _ in range(2):
        t0 = time.monotonic()
        run = single.test(logical_date=datetime(2026, 1, 1, tzinfo=timezone.utc), run_conf={"month": month[:7]})
        durations.append(time.monotonic() - t0)
        assert str(run.state) == "success", run.state
    results["single_dbt_build_task_seconds"] = [round(d, 1) for d in durations]
    results["single_dbt_build_tasks"] = len(single.tasks)

    folder = Path(tempfile.mkdtemp(prefix="cosmos-dags-"))
    (folder / "transform_warehouse_cosmos.py").write_text(
        COSMOS_DAG.format(
            dbt=config.dbt_project_dir(), month=month, manifest=config.state_dir() / "dbt" / "target" / "manifest.json"
        )
    )
    env = {**os.environ, "FLORWORK_BENCH_DAGS": str(folder)}
    done = subprocess.run([sys.executable, __file__, "--cosmos"], env=env, capture_output=True, text=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise SystemExit(f"the Cosmos run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    results.update(json.loads(line[-1][7:]))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dbt_in_airflow.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
