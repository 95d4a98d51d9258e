"""Each Great Expectations suite of expectations/, on its own: a good fixture passes, and
each bad row of the fixture fails with its expectation's reason and no other
(tests/fixtures/quality/<suite>.json). A row-level expectation without a bad row in its
fixture fails the coverage test, so a new expectation comes with its case. The suites
run through quality.validate_landing, as the loaders run them, on a landing table
created the loaders' way."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import fresh_platform
from florwork import config, contracts, errors, quality, sqlfiles, warehouse
from florwork.extract import batches
from florwork.extract.databases import landing
from psycopg import sql
from stdnum.it import codicefiscale

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "quality"
SUITES = sorted(p.stem for p in (ROOT / "expectations").glob("*.json"))


@pytest.fixture(scope="module")
def landing_warehouse(embedded_postgres):
    """One fresh warehouse for the module: each test clears the landing tables it uses and
    reads back only its own batches. Airflow's database is not needed."""
    fresh_platform()
    warehouse.bootstrap_once()


def fixture(suite: str) -> dict:
    return json.loads((FIXTURES / f"{suite}.json").read_text())


def expectations(suite: str, level: str) -> set[str]:
    return {
        e["meta"]["reason"] for e in quality.load_suite_definition(suite)["expectations"] if e["meta"]["level"] == level
    }


def test_every_suite_has_a_fixture_with_a_bad_row_for_each_row_expectation():
    assert SUITES, "no suites found"
    for suite in SUITES:
        bad = {case["reason"] for case in fixture(suite)["bad"]}
        assert bad == expectations(suite, "row"), suite


def _land(wh, suite: str, rows: list[dict]) -> tuple[str, str, int]:
    """Land ``rows`` as the suite's loader would; return the relation, its key column and
    the batch id."""
    source, name = suite.split("__")
    batch_id = batches.open_batch(wh, source, f"quality test {suite}")
    checksums = [hashlib.md5(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in rows]
    if source == "co":
        wh.execute(sqlfiles.text("florwork.extract.co_files", "landing.sql"))
        wh.execute("truncate raw.landing_co_notices")
        columns = [
            *contracts.co_column_names(),
            "_batch_id",
            "_file_name",
            "_line_number",
            "_row_checksum",
            "_cf_valid",
            "_raw_line",
        ]
        values = [
            [
                *(r[c] for c in contracts.co_column_names()),
                batch_id,
                "CO_20250201.csv",
                n,
                checksums[n],
                codicefiscale.is_valid(r["cf_lavoratore"]),
                "line",
            ]
            for n, r in enumerate(rows)
        ]
        relation, key = "raw.landing_co_notices", "id_comunicazione"
    else:
        table = contracts.table(source, name)
        landing.ensure_landing(wh, table)
        landing.clear_landings(wh, table)
        columns = [*table.column_names, "_row_checksum", "_batch_id"]
        values = [[*(r[c] for c in table.column_names), checksums[n], batch_id] for n, r in enumerate(rows)]
        relation, key = landing.landing_name(table), table.primary_key
    target = sql.Identifier(*relation.split("."))
    with wh.cursor().copy(
        sql.SQL("copy {} ({}) from stdin").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    ) as cp:
        for value in values:
            cp.write_row(value)
    if source != "co":
        with wh.transaction():  # as in the extraction, whose stream's transaction it shares
            landing.flag_invalid_cfs(wh, table, batch_id, target)
    return relation, key, batch_id


def _failures(wh, relation: str, key: str) -> dict[str, list[str]]:
    return {
        str(k): sorted(reasons)
        for k, reasons in wh.execute(
            sql.SQL(
                "select l.{key}, array_agg(f.reason) from raw.landing_failures f join {landing} l "
                "on l._landing_row_id = f.row_id where f.relation = %s group by l.{key}"
            ).format(key=sql.Identifier(key), landing=sql.Identifier(*relation.split("."))),
            (relation,),
        )
    }


def _bad_rows(suite: str) -> list[dict]:
    """One row per bad case: the first good row with the case's change and a key of its own."""
    spec = fixture(suite)
    key = spec.get("key") or _key(suite)
    rows = []
    for n, case in enumerate(spec["bad"]):
        row = {**spec["good"][0], **case["change"]}
        if key not in case["change"]:
            first = spec["good"][0][key]
            row[key] = f"{first}B{n}" if isinstance(first, str) else 900 + n
        rows.append(row)
    return rows


def _key(suite: str) -> str:
    source, name = suite.split("__")
    return "id_comunicazione" if source == "co" else contracts.table(source, name).primary_key


@pytest.mark.parametrize("suite", SUITES)
def test_good_rows_pass_and_each_bad_row_fails_with_its_reason(landing_warehouse, suite):
    spec = fixture(suite)
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        relation, key, batch_id = _land(wh, suite, spec["good"])
        assert (
            quality.validate_landing(suite, relation, batch_id, key_column="_landing_row_id", rows=len(spec["good"]))
            == 0
        )
        assert _failures(wh, relation, key) == {}

        bad = _bad_rows(suite)
        relation, key, batch_id = _land(wh, suite, spec["good"] + bad)
        failing = quality.validate_landing(
            suite, relation, batch_id, key_column="_landing_row_id", rows=len(spec["good"]) + len(bad)
        )
        expected = {str(row[key]): [case["reason"]] for row, case in zip(bad, spec["bad"])}
        assert _failures(wh, relation, key) == expected
        assert failing == len(bad)
        stored = wh.execute("select success from ops.validation_results where batch_id = %s", (batch_id,)).fetchall()
        assert stored == [(False,)]


@pytest.mark.parametrize("suite", [s for s in SUITES if expectations(s, "batch")])
def test_a_key_repeated_within_a_batch_rejects_it(landing_warehouse, suite):
    spec = fixture(suite)
    (reason,) = expectations(suite, "batch")
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        rows = spec["good"] + [spec["good"][0]]
        relation, _, batch_id = _land(wh, suite, rows)
        with pytest.raises(errors.BatchFailed, match=f"{suite}: batch rejected: {reason}"):
            quality.validate_landing(suite, relation, batch_id, key_column="_landing_row_id", rows=len(rows))
