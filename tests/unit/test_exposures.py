"""The dbt exposures of the published outputs (dbt_project/models/marts/_exposures.yml)
list exactly the relations the code that renders each one reads."""

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "florwork"
EXPOSURES = {
    e["name"]: {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in e["depends_on"]}
    for e in yaml.safe_load((ROOT / "dbt_project/models/marts/_exposures.yml").read_text())["exposures"]
}
PLATFORM_OWNED = {"budget_runs", "budget_runs_latest"}  # tables the platform writes, not dbt models
_RELATION = re.compile(r"\b(?:marts|intermediate|reference)\.(\w+)")


def relations_read(module: str) -> set[str]:
    """Every dbt relation a module's SQL names, and the marts of its TABLES constant."""
    source = (PACKAGE / module).read_text()
    named = set(_RELATION.findall(source))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TABLES" for t in node.targets):
            named |= {value.elts[0].value for value in node.value.values}
    return named - PLATFORM_OWNED


def test_the_budget_report_reads_what_its_exposure_lists():
    assert relations_read("report.py") == EXPOSURES["monthly_budget_report"]


def test_bolognas_page_reads_what_its_exposure_lists():
    assert relations_read("ipl_report.py") == EXPOSURES["insieme_per_il_lavoro_page"]


def test_every_listed_relation_is_a_model_or_seed_of_the_project():
    names = {p.stem for p in (ROOT / "dbt_project").rglob("*") if p.suffix in (".sql", ".csv")}
    for listed in EXPOSURES.values():
        assert listed <= names
