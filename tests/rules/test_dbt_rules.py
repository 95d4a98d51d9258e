"""The savings method's rules on their own (`make test-rules`): the warehouse built from
empty sources (every relation with its columns and no rows, every data test run on them)
and every dbt unit test run against it, in a few minutes and without a dataset. `dbt
parse` is in the fast stage.

Not `dbt build --empty`: it wraps each ref in an aliased subquery, which the models'
`from {{ ref(...) }} as alias` cannot follow (a syntax error in PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import fresh_platform
from florwork import config, embedded, transform, warehouse

THROUGH = date(2025, 12, 1)


def _results() -> list[dict]:
    return json.loads((config.state_dir() / "dbt" / "target" / "run_results.json").read_text())["results"]


def _manifest() -> dict:
    return json.loads((config.state_dir() / "dbt" / "target" / "manifest.json").read_text())


@pytest.mark.fast
def test_the_project_parses():
    """dbt parse needs no database: the connection settings only (a reserved port)."""
    embedded.reserve()
    transform.run_dbt("parse")
    manifest = _manifest()
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 40 and len(manifest["unit_tests"]) > 20
    assert manifest["exposures"], "the marts' exposures are declared"


@pytest.fixture(scope="module")
def empty_warehouse(embedded_postgres):
    fresh_platform()
    warehouse.bootstrap_once()
    transform.run_dbt("build", THROUGH)
    return [r["unique_id"] for r in _results()]


def test_the_warehouse_builds_empty(empty_warehouse):
    models = {n for n, v in _manifest()["nodes"].items() if v["resource_type"] == "model"}
    assert models <= set(empty_warehouse)
    assert not [u for u in empty_warehouse if u.startswith("unit_test.")], "a build ran the unit tests"


def test_every_unit_test_passes_on_its_fixtures(empty_warehouse):
    transform.run_dbt("test", THROUGH, ["--select", "test_type:unit"])
    ran = {r["unique_id"]: r["status"] for r in _results() if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == set(_manifest()["unit_tests"]) and len(ran) > 20
    assert set(ran.values()) == {"pass"}
