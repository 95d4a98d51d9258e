"""The package's imports point one way (the README's "Project layout"): contracts and
shared services below, the loaders above them, Airflow's glue and the CLI on top. A
module imports only from lower layers, or from its own package."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "florwork"
LAYERS = [
    ["errors", "sqlfiles", "contract_files", "contracts"],
    ["months", "config"],
    ["warehouse", "embedded", "airflow_env"],
    ["quality", "extract.batches", "sources", "platform_lock"],
    ["extract.databases", "extract.co_files", "generate"],
    ["transform"],
    ["build_state", "freshness"],
    ["budget"],
    ["report"],
    ["ipl_report"],
    ["assets", "alerts"],
    ["dag_defaults", "pipeline"],
    ["runner"],
    ["cli"],
]


def _layer(module: str) -> tuple[int, str]:
    for rank, names in enumerate(LAYERS):
        for name in names:
            if module == name or module.startswith(name + "."):
                return rank, name
    raise AssertionError(f"florwork.{module} is in no layer of {__name__}: add it")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("florwork"):
            if node.module == "florwork":
                found |= {a.name for a in node.names if a.name != "__version__"}
            elif node.module in ("florwork.extract", "florwork.generate"):  # a namespace: its modules
                found |= {f"{node.module.removeprefix('florwork.')}.{a.name}" for a in node.names}
            else:
                found.add(node.module.removeprefix("florwork."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("florwork.") for a in node.names if a.name.startswith("florwork.")}
    return {m for m in found if m not in ("extract", "generate")}  # the namespaces themselves


def test_imports_point_down():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        if module in ("__init__", "extract", "generate"):  # the namespaces' empty __init__
            continue
        rank, group = _layer(module)
        for imported in _imports(path):
            other_rank, other_group = _layer(imported)
            if other_group != group and other_rank >= rank:
                wrong.append(f"florwork.{module} (layer {rank}) imports florwork.{imported} (layer {other_rank})")
    assert not wrong, "\n".join(wrong)


def test_unit_tests_leave_airflow_unimported():
    """Airflow reads its settings (metadata database, DAG folder) when first imported: a unit
    test importing it, run before the suite's set-up, would point the e2e tests at the
    wrong database. Tests that need Airflow live in tests/dags and tests/e2e."""
    unit = Path(__file__).parent
    importing = [
        path.name
        for path in unit.glob("test_*.py")
        if any(
            (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "airflow")
            or (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "airflow" for a in n.names))
            for n in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert importing == []
