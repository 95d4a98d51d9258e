"""Great Expectations (GX Core 1.x) at the extract boundary.

Suites are data: ``expectations/<source>__<entity>.json``, each expectation in GX's own
JSON form with ``meta.level``: ``row`` (the default: failing rows go to quarantine with
the expectation's ``meta.reason``) or ``batch`` (a failure stops the batch, nothing is
loaded). A batch where more than ``max_bad_fraction`` of the rows fail is stopped too:
that is a broken delivery, not dirt. Validation runs in PostgreSQL on the landed batch
(GX's SQL execution engine, through a checkpoint on the landing table, which holds
only the batch being loaded). Every result is kept in ``ops.validation_results`` and in
GX's own store, whose data docs (rebuilt at the end of each extraction DAG run) are
browsable at
``.florwork/gx/gx/uncommitted/data_docs/local_site/index.html``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path

from psycopg import sql

from florwork import config, warehouse
from florwork.errors import BatchFailed

log = logging.getLogger(__name__)

MAX_BAD_FRACTION = 0.5
# The failing rows of the last validation of a landing table, a row each with its
# reasons in suite order (parameter: the landing table's name).
FAILURES_BY_ROW = (
    "select row_id, array_agg(reason order by position) from raw.landing_failures where relation = %s group by row_id"
)
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


@contextmanager
def _file_lock(name: str):
    """Hold ``<gx>/.<name>.lock`` for this process alone (the tasks of a run are processes)."""
    import fcntl

    gx_dir().mkdir(parents=True, exist_ok=True)
    with (gx_dir() / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _config_lock():
    """Hold GX's project configuration: datasources, their table assets and batch
    definitions all live in one file (``great_expectations.yml``), which GX rewrites
    whole, so parallel tasks read and extend it under this lock; none reads it
    half-written or writes back a copy that lacks another's asset."""
    return _file_lock("config")


def _load_context():
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(gx_dir()))
    context.variables.progress_bars = {"globally": False}
    return context


_loaded: dict = {}


def _context():
    """This process's GX context (read once, under the configuration lock)."""
    if "context" not in _loaded:
        with _config_lock():
            _loaded["context"] = _load_context()
    return _loaded["context"]


def _find_batch_definition(context, schema: str, table: str):
    try:
        return context.data_sources.get("warehouse").get_asset(table).get_batch_definition("landed batch")
    except (KeyError, ValueError, LookupError):
        return None


def _batch_definition(url: str, schema: str, table: str):
    """The batch definition of a landing table, added to GX's configuration if missing.

    The file is read again under the lock before anything is added, so the addition
    keeps what other processes wrote since this one read it.
    """
    # The URL reaches GX through an environment variable, so GX's YAML never holds it.
    os.environ["FLORWORK_GX_WAREHOUSE_URL"] = url
    found = _find_batch_definition(_context(), schema, table)
    if found is not None:
        return found
    with _config_lock():
        context = _loaded["context"] = _load_context()
        found = _find_batch_definition(context, schema, table)
        if found is not None:
            return found
        try:
            datasource = context.data_sources.get("warehouse")
        except (KeyError, ValueError, LookupError):
            datasource = context.data_sources.add_postgres(
                "warehouse", connection_string="${FLORWORK_GX_WAREHOUSE_URL}"
            )
        try:
            asset = datasource.get_asset(table)
        except LookupError:
            asset = datasource.add_table_asset(table, table_name=table, schema_name=schema)
        return asset.add_batch_definition_whole_table("landed batch")


# A first pass with BOOLEAN_ONLY computes only what success needs (the unexpected counts, in
# one aggregate query per batch) and renders, without running it, the query selecting each
# expectation's failing rows. Most batches pass, and every other format also lists
# unexpected values (a full scan per expectation even when there are none; measured in
# bench/results/history.md). A batch that fails gets a
# second pass in SUMMARY format: GX's counts (checked against the rows found) and the
# observed values of batch-level expectations, for the data docs.
QUICK_FORMAT = {
    "result_format": "BOOLEAN_ONLY",
    "unexpected_index_column_names": ["_landing_row_id"],
    "return_unexpected_index_query": True,
}
# No sample of the failing values: they may be personal (a mistyped CF), and the results
# go to GX's store, its data docs and ops.validation_results, none of which is raw.
DETAILED_FORMAT = {**QUICK_FORMAT, "result_format": "SUMMARY", "partial_unexpected_count": 0}
# Lists of row values that must never be stored (index lists are row ids: kept).
_VALUE_LISTS = ("unexpected_list", "partial_unexpected_list", "partial_unexpected_counts", "details")


# The checkpoints this process has written to GX's store, by suite, landing table and
# context: a process that loads a table again (a month after another under `florwork
# run`) reuses them instead of writing the suite and checkpoints to the store again.
_checkpoints: dict = {}


# GX's context is not safe for threads (its stores parse and rewrite shared YAML): the
# checkpoints prepared in the background (prepare) and everything else done with the
# context in this process take this lock in turn.
_gx_lock = threading.RLock()


def _checkpoint(suite_name: str, relation: str):
    """The suite's two checkpoints on its landing table ``relation`` (which holds the batch
    being loaded): the quick one and the detailed one (see QUICK_FORMAT)."""
    with _gx_lock:
        return _checkpoint_unlocked(suite_name, relation)


def _checkpoint_unlocked(suite_name: str, relation: str):
    schema, table = relation.split(".")
    url = config.sqlalchemy_url(config.connection_uri("warehouse"), role=config.component_role("loader"))
    batch_definition = _batch_definition(url, schema, table)
    context = _context()
    key = (suite_name, relation, os.environ["FLORWORK_GX_WAREHOUSE_URL"])
    written = _checkpoints.get(key)
    if written is None or written[0] is not context or written[1] is not batch_definition:
        written = _checkpoints[key] = (
            context,
            batch_definition,
            _write_checkpoints(context, suite_name, batch_definition),
        )
    return written[2]


def _write_checkpoints(context, suite_name: str, batch_definition):
    import great_expectations as gx

    suite = context.suites.add_or_update(build_suite(suite_name))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    # Data docs are rebuilt once per DAG run (build_data_docs), not per batch: the
    # rebuild re-renders the site's index and took longer than the validation itself.
    return tuple(
        context.checkpoints.add_or_update(
            gx.Checkpoint(name=name, validation_definitions=[definition], actions=[], result_format=result_format)
        )
        for name, result_format in ((suite_name, QUICK_FORMAT), (f"{suite_name} (details)", DETAILED_FORMAT))
    )


def retention_days() -> int:
    """How long GX's store keeps validation results (``FLORWORK_GX_RETENTION_DAYS``,
    default 400: a year and its comparison month). ``ops.validation_results`` keeps every
    result regardless."""
    return int(os.environ.get("FLORWORK_GX_RETENTION_DAYS", "400"))


def prune_validation_results(context, keys: list, before) -> list:
    """Remove from GX's store the validation results among ``keys`` that ran before
    ``before``, and their data docs pages; return the keys kept."""
    site = data_docs_index().parent / "validations"
    kept = []
    for key in keys:
        run_time = key.run_id.run_time
        if run_time is None or run_time >= before:
            kept.append(key)
            continue
        context.validation_results_store.remove_key(key)
        suite, run_name, run_at, batch = key.to_tuple()
        site.joinpath(*suite.split("."), run_name, run_at, f"{batch}.html").unlink(missing_ok=True)
    return kept


def build_data_docs() -> Path:
    """Render GX's data docs for the validation results not rendered yet.

    Runs as the last task of each extraction DAG, whatever the extraction's outcome (a
    failed validation is when the docs are wanted most). Only the pages of results not
    rendered before are made, plus the index, and nothing at all when there are none:
    rendering every stored result would grow with every run. The results rendered are
    listed beside the site, so one that was still being written when the last build
    listed them is rendered by the next. A file lock keeps two DAGs from writing the site
    at once. Results older than ``retention_days()`` are removed first, with their pages,
    so that the store and the site do not grow without end.
    """
    from datetime import datetime, timedelta, timezone

    rendered = gx_dir() / ".data_docs_rendered.json"
    with _file_lock("data_docs"), _gx_lock:
        context = _context()
        stored = context.validation_results_store.list_keys()
        keys = prune_validation_results(context, stored, datetime.now(timezone.utc) - timedelta(days=retention_days()))
        if len(keys) < len(stored):
            log.info("removed %s GX validation results older than %s days", len(stored) - len(keys), retention_days())
        names = {"/".join(map(str, key.to_tuple())): key for key in keys}
        if rendered.exists() and data_docs_index().exists():
            done = set(json.loads(rendered.read_text()))
            new = [key for name, key in names.items() if name not in done]
            if new or len(keys) < len(stored):  # the index lists the results: redone when they change
                context.build_data_docs(resource_identifiers=new)
        else:
            context.build_data_docs()
        rendered.write_text(json.dumps(sorted(names)))
    return data_docs_index()


_prepared: dict = {}


def prepare(suite_name: str, relation: str) -> None:
    """Start importing GX and preparing the checkpoint in a background thread.

    Importing GX and writing its suite and checkpoint take about two seconds: the
    loaders call this before streaming the batch, so that work overlaps the stream.
    """
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-prepare")
    _prepared[(suite_name, relation)] = executor.submit(_checkpoint, suite_name, relation)
    executor.shutdown(wait=False)


def _forget_prepared(suite_name: str, relation: str) -> None:
    """An empty batch is not validated: its checkpoints, being prepared, are waited for
    (no thread outlives its table) and a failure to prepare them is only logged."""
    future = _prepared.pop((suite_name, relation), None)
    if future is not None and future.exception() is not None:
        log.warning("GX checkpoints for %s on %s not prepared: %s", suite_name, relation, future.exception())


def _prepared_checkpoint(suite_name: str, relation: str):
    future = _prepared.pop((suite_name, relation), None)
    if future is not None:
        return future.result()
    return _checkpoint(suite_name, relation)


def reset() -> None:
    """Forget the GX context and its connections (after a database was recreated)."""
    _prepared.clear()
    _loaded.clear()
    _checkpoints.clear()


def _describe(result) -> tuple[str, str]:
    cfg = result.expectation_config
    meta = cfg.meta or {}
    kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
    column = kwargs.get("column") or "/".join(
        str(kwargs[k]) for k in ("column_A", "column_B", "column_list") if k in kwargs
    )
    reason = meta.get("reason") or f"{cfg.type}({column})"
    return meta.get("level", "row"), reason


def validate_landing(
    suite_name: str, relation: str, batch_id: int | list[int], key_column: str, rows: int, whole: bool = True
) -> int:
    """Validate the ``rows`` rows landed in ``relation`` for the batch(es); return the
    number of failing rows. The caller emptied the landing table under its lock before
    landing them, so it holds these batches alone.

    The failing rows' ids and reasons are written to ``raw.landing_failures``, which the
    loaders join in SQL: GX returns the SQL query that selects each
    expectation's unexpected rows, and that query runs in PostgreSQL, so no row and no
    id list travels through Python however bad the batch. (GX's own
    ``unexpected_index_list`` stops at ``partial_unexpected_count`` rows, 20 by default:
    relying on it loaded the 21st bad row.) Raises ``BatchFailed`` on a batch-level
    failure, when most rows fail, or when the failing rows found differ from GX's count
    (``whole=False``: the landing holds several deliveries, each judged by the caller, so
    most rows failing is not a reason to reject them all).
    """
    batch_ids = batch_id if isinstance(batch_id, list) else [batch_id]
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        clear_failures(wh, relation)  # a crashed run's, even when nothing landed now
    if rows == 0:
        _forget_prepared(suite_name, relation)
        return 0
    quick, detailed = _prepared_checkpoint(suite_name, relation)
    with _gx_lock:
        result = next(iter(quick.run().run_results.values()))
        if not result.success:
            result = next(iter(detailed.run().run_results.values()))

    batch_problems = []
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        for position, item in enumerate(result.results):
            level, reason = _describe(item)
            if item.success:
                continue
            observed = item.result.get("observed_value")
            if level == "batch":
                batch_problems.append(f"{reason} (observed: {observed})" if observed is not None else reason)
                continue
            query = item.result.get("unexpected_index_query")
            expected = item.result.get("unexpected_count")
            if not query or expected is None:
                batch_problems.append(f"{reason}: failing rows could not be identified")
                continue
            # The query is GX's own rendering of the expectation, with its literals bound.
            query = _sql_datetimes(query)
            found = wh.execute(
                sql.SQL(
                    "with f as (insert into raw.landing_failures (relation, row_id, position, reason) "
                    "select distinct {relation}, q.{key}, {position}, {reason} from ({query}) q returning 1) "
                    "select count(*) from f"
                ).format(
                    relation=sql.Literal(relation),
                    key=sql.Identifier(key_column),
                    position=sql.Literal(position),
                    reason=sql.Literal(reason),
                    query=sql.SQL(query.rstrip().rstrip(";")),
                )
            ).fetchone()[0]
            if found != expected:
                batch_problems.append(f"{reason}: GX counted {expected} failing rows, its query found {found}")
        failing = wh.execute(
            "select count(distinct row_id) from raw.landing_failures where relation = %s", (relation,)
        ).fetchone()[0]
        if failing:  # the loaders join the failures to the landing: plan that on what is there now
            wh.execute("analyze raw.landing_failures")
        broken = whole and looks_broken(failing, rows)
        common = (
            [
                r[0]
                for r in wh.execute(
                    "select reason from raw.landing_failures where relation = %s group by reason "
                    "order by count(*) desc limit 5",
                    (relation,),
                )
            ]
            if broken
            else []
        )
        _store(wh, batch_ids[-1], suite_name, result)

    if batch_problems:
        raise BatchFailed(f"{suite_name}: batch rejected: " + "; ".join(batch_problems))
    if broken:
        raise BatchFailed(
            f"{suite_name}: {failing} of {rows} rows fail validation: the delivery looks "
            f"broken, so nothing was loaded. Most common reasons: " + ", ".join(common)
        )
    return failing


def looks_broken(failing: int, rows: int) -> bool:
    """Most of a delivery fails validation: it is rejected whole rather than loaded in part."""
    return rows >= MIN_ROWS_FOR_FRACTION and failing > MAX_BAD_FRACTION * rows


_PY_DATETIME = re.compile(r"datetime\.(datetime|date)\((\d+(?:, \d+)*)\)")


def _sql_datetimes(query: str) -> str:
    """GX renders a date or timestamp bound into its failing-rows query as Python's repr
    (``datetime.datetime(2100, 1, 1, 0, 0)``), which PostgreSQL cannot read: write each as
    an SQL literal (tests/quality/test_suites.py has the expectations that need it)."""

    def literal(match: re.Match) -> str:
        parts = [int(p) for p in match.group(2).split(", ")]
        value = datetime(*parts) if match.group(1) == "datetime" else date(*parts)
        return f"'{value.isoformat(sep=' ') if isinstance(value, datetime) else value.isoformat()}'"

    return _PY_DATETIME.sub(literal, query)


def clear_failures(wh, relation: str) -> None:
    wh.execute("delete from raw.landing_failures where relation = %s", (relation,))


def _store(wh, batch_id: int, suite_name: str, result) -> None:
    payload = result.to_json_dict()
    for item in payload.get("results", []):
        res = item.get("result") or {}
        for key in _VALUE_LISTS:
            res.pop(key, None)
        for key in ("unexpected_index_list", "partial_unexpected_index_list"):
            if isinstance(res.get(key), list):
                res[key] = res[key][:_KEEP_INDEXES]
        res.pop("unexpected_index_query", None)
    wh.execute(
        "insert into ops.validation_results (batch_id, suite_name, success, statistics, results) "
        "values (%s, %s, %s, %s, %s)",
        (
            batch_id,
            suite_name,
            bool(result.success),
            json.dumps(payload.get("statistics", {})),
            json.dumps(payload.get("results", []), default=str),
        ),
    )
