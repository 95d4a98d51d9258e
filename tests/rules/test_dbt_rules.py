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
from florwork import embedded, transform, warehouse

THROUGH = date(2025, 12, 1)


def _results() -> list[dict]:
    return json.loads((transform.target_dir() / "run_results.json").read_text())["results"]


def _manifest() -> dict:
    return json.loads((transform.target_dir() / "manifest.json").read_text())


@pytest.fixture(scope="module")
def parsed() -> dict:
    """dbt parse needs no database: the connection settings only (a reserved port)."""
    embedded.reserve()
    transform.run_dbt("parse")
    return _manifest()


@pytest.mark.fast
def test_the_project_parses(parsed):
    models = [n for n in parsed["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 40 and len(parsed["unit_tests"]) > 20
    assert parsed["exposures"], "the marts' exposures are declared"


@pytest.mark.fast
def test_a_data_test_at_warn_says_why(parsed):
    """A test that cannot fail a build must say why; its rows are counted per build
    (ops.warehouse_builds.test_warnings) and shown by `florwork status`."""
    tests = [n for n in parsed["nodes"].values() if n["resource_type"] == "test"]
    warned = {n["name"]: n["config"]["meta"].get("warn_because") for n in tests if n["config"]["severity"] == "warn"}
    assert warned and not [name for name, why in warned.items() if not why], warned
    assert len(tests) - len(warned) > 150, "every other data test fails the build"


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
