"""Great Expectations (GX Core 1.x) at the extract boundary.

Suites are data: ``expectations/<source>__<entity>.json``, each expectation in GX's own
JSON form with ``meta.level``: ``row`` (the default: failing rows go to quarantine with
the expectation's ``meta.reason``) or ``batch`` (a failure stops the batch, nothing is
loaded). A batch where more than ``max_bad_fraction`` of the rows fail is stopped too:
that is a broken delivery, not dirt. Validation runs in PostgreSQL on the landed batch
(GX's SQL execution engine, through a checkpoint on the landing table, which holds
only the batch being loaded). Every result is kept in ``ops.validation_results`` and in
GX's own store, whose data docs are browsable at
``.florwork/gx/gx/uncommitted/data_docs/local_site/index.html``.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path

from florwork import config, warehouse
from florwork.extract.batches import BatchFailed

log = logging.getLogger(__name__)

MAX_BAD_FRACTION = 0.5
MIN_ROWS_FOR_FRACTION = 20
_KEEP_INDEXES = 100


def suite_path(name: str) -> Path:
    return config.expectations_dir() / f"{name}.json"


@cache
def load_suite_definition(name: str) -> dict:
    path = suite_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no expectation suite {path}")
    return json.loads(path.read_text())


def build_suite(name: str):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    definition = load_suite_definition(name)
    suite = gx.ExpectationSuite(name=definition["name"])
    for item in definition["expectations"]:
        config_ = ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta=item.get("meta", {}))
        suite.add_expectation_configuration(config_)
    return suite


def gx_dir() -> Path:
    """GX's file context: validation results and data docs (``<state>/gx``)."""
    return config.state_dir() / "gx"


def data_docs_index() -> Path:
    return gx_dir() / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


@cache
def _context():
    import great_expectations as gx

    gx_dir().mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir()))
    context.variables.progress_bars = {"globally": False}
    return context


@cache
def _datasource(url: str):
    # The URL reaches GX through an environment variable, so GX's YAML never holds it.
    os.environ["FLORWORK_GX_WAREHOUSE_URL"] = url
    context = _context()
    try:
        return context.data_sources.get("warehouse")
    except (KeyError, ValueError, LookupError):
        return context.data_sources.add_postgres("warehouse", connection_string="${FLORWORK_GX_WAREHOUSE_URL}")


def _checkpoint(suite_name: str, schema: str, table: str):
    """The suite's checkpoint on its landing table (which holds the batch being loaded)."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = _context()
    datasource = _datasource(config.sqlalchemy_url(config.connection_uri("warehouse"),
                                                   role=config.component_role("loader")))
    try:
        asset = datasource.get_asset(table)
    except LookupError:
        asset = datasource.add_table_asset(table, table_name=table, schema_name=schema)
    try:
        batch_definition = asset.get_batch_definition("landed batch")
    except (KeyError, ValueError, LookupError):
        batch_definition = asset.add_batch_definition_whole_table("landed batch")
    suite = context.suites.add_or_update(build_suite(suite_name))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite_name, validation_definitions=[definition],
        actions=[UpdateDataDocsAction(name="update_data_docs")],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_landing_row_id"]},
    ))


def reset() -> None:
    """Forget the GX context and its connections (after a database was recreated)."""
    _datasource.cache_clear()
    _context.cache_clear()


def _describe(result) -> tuple[str, str]:
    cfg = result.expectation_config
    meta = cfg.meta or {}
    kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
    column = kwargs.get("column") or "/".join(
        str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs
    )
    reason = meta.get("reason") or f"{cfg.type}({column})"
    return meta.get("level", "row"), reason


def validate_landing(suite_name: str, relation: str, batch_id: int | list[int], key_column: str) -> dict[int, list[str]]:
    """Validate one landed batch; return {row id: [reasons]} of the rows that fail.

    Raises ``BatchFailed`` on a batch-level failure. Rows are read by GX in SQL; only
    the ids of failing rows come back to Python.
    """
    schema, table = relation.split(".")
    batch_ids = batch_id if isinstance(batch_id, list) else [batch_id]
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        count = wh.execute(
            f'select count(*) from "{schema}"."{table}" where _batch_id = any(%s)', (batch_ids,)
        ).fetchone()[0]
    if count == 0:
        return {}
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        others = wh.execute(f'select count(*) from "{schema}"."{table}" where _batch_id <> all(%s)', (batch_ids,)).fetchone()[0]
    if others:
        raise BatchFailed(f"{relation} holds rows of another batch: a concurrent load? Nothing was loaded.")
    checkpoint_result = _checkpoint(suite_name, schema, table).run()
    result = next(iter(checkpoint_result.run_results.values()))

    failures: dict[int, list[str]] = {}
    batch_problems = []
    for item in result.results:
        level, reason = _describe(item)
        if item.success:
            continue
        if level == "batch":
            observed = item.result.get("observed_value")
            batch_problems.append(f"{reason} (observed: {observed})" if observed is not None else reason)
            continue
        for entry in item.result.get("unexpected_index_list") or []:
            failures.setdefault(int(entry[key_column]), []).append(reason)
        if item.result.get("unexpected_count") and not item.result.get("unexpected_index_list"):
            batch_problems.append(f"{reason}: failing rows could not be identified")

    _store(batch_ids[-1], suite_name, result)
    if batch_problems:
        raise BatchFailed(f"{suite_name}: batch rejected: " + "; ".join(batch_problems))
    if count >= MIN_ROWS_FOR_FRACTION and len(failures) > MAX_BAD_FRACTION * count:
        raise BatchFailed(
            f"{suite_name}: {len(failures)} of {count} rows fail validation: the delivery looks "
            f"broken, so nothing was loaded. Most common reasons: "
            + ", ".join(sorted({r for rs in failures.values() for r in rs})[:5])
        )
    return failures


def _store(batch_id: int, suite_name: str, result) -> None:
    payload = result.to_json_dict()
    for item in payload.get("results", []):
        res = item.get("result") or {}
        for key in ("unexpected_index_list", "partial_unexpected_index_list", "unexpected_list",
                    "partial_unexpected_list", "partial_unexpected_counts"):
            if isinstance(res.get(key), list):
                res[key] = res[key][:_KEEP_INDEXES]
        res.pop("unexpected_index_query", None)
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        wh.execute(
            "insert into ops.validation_results (batch_id, suite_name, success, statistics, results) "
            "values (%s, %s, %s, %s, %s)",
            (batch_id, suite_name, bool(result.success), json.dumps(payload.get("statistics", {})),
             json.dumps(payload.get("results", []), default=str)),
        )
