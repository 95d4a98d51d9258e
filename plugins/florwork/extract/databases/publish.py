"""A validated batch into raw and quarantine, the ledger row closed and the mark moved,
in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import sql

from florwork import quality, sqlfiles
from florwork.extract import batches
from florwork.extract.databases.landing import landing_name, landing_table

log = logging.getLogger(__name__)
_SQL = __package__


@dataclass
class BatchResult:
    source_object: str
    batch_id: int | None
    received: int
    loaded: int
    duplicate: int
    quarantined: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


# A batch at least this large refreshes the raw table's planner statistics at once.
ANALYZE_MIN_ROWS = 10_000


def quarantine_failed(wh, table, batch_id, landing: sql.Identifier, relation: str) -> int:
    """Copy the landing's failing rows to quarantine, with their reasons (into the temp
    table ``_failed`` too); return how many rows failed. Inside the batch's transaction."""
    wh.execute(
        f"create temp table _failed (landing_row_id, reasons) on commit drop as {quality.FAILURES_BY_ROW}", (relation,)
    )
    wh.execute("analyze _failed")
    failed_rows = wh.execute("select count(*) from _failed").fetchone()[0]
    if failed_rows:
        # Rows quarantined again (same content as an earlier batch) count as quarantined:
        # the row is accounted for, once, in quarantine.
        wh.execute(
            sqlfiles.query(
                _SQL, "quarantine_failed.sql", primary_key=sql.Identifier(table.primary_key), landing=landing
            ),
            (batch_id, table.qualified),
        )
    return failed_rows


def latest_change(wh, landing: sql.Identifier):
    """The latest change among the batch's rows (``aggiornato_il``): how fresh the source
    is (florwork/freshness.py)."""
    return wh.execute(sql.SQL("select max(aggiornato_il) from {}").format(landing)).fetchone()[0]


def finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation, latest) -> BatchResult:
    """Close the batch and move the mark (inside the batch's transaction)."""
    quality.clear_failures(wh, relation)
    batches.fault_point("before_commit")
    duplicate = received - loaded - failed_rows
    batches.close_batch(
        wh,
        batch_id,
        rows_received=received,
        rows_loaded=loaded,
        rows_duplicate=duplicate,
        rows_quarantined=failed_rows,
        latest_change=latest,
    )
    wh.execute(
        sqlfiles.query(_SQL, "move_mark.sql"),
        (table.qualified, cutoff, batch_id),
    )
    return BatchResult(table.qualified, batch_id, received, loaded, duplicate, failed_rows)


def publish(wh, table, batch_id, cutoff, received: int) -> BatchResult:
    """Move a validated batch (``received`` rows, alone in the landing table) from landing
    to raw and quarantine in one transaction."""
    landing = landing_table(table)
    raw = sql.Identifier("raw", table.raw_table)
    cols = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    pk = sql.Identifier(table.primary_key)
    relation = landing_name(table)
    with wh.transaction():
        latest = latest_change(wh, landing)
        failed_rows = quarantine_failed(wh, table, batch_id, landing, relation)
        loaded = wh.execute(
            sqlfiles.query(
                _SQL,
                "new_versions.sql",
                raw=raw,
                columns=cols,
                landing=landing,
                primary_key=pk,
                unfailed=sql.SQL(
                    "and not exists (select from _failed f where f.landing_row_id = l._landing_row_id)"
                    if failed_rows
                    else ""
                ),
            ),
            (table.qualified,),
        ).fetchone()[0]
        # The landing table holds this batch only (the table's lock is held): empty it.
        wh.execute(sql.SQL("truncate {}").format(landing))
        result = finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation, latest)
    if loaded >= ANALYZE_MIN_ROWS:
        # Fresh statistics before the warehouse build plans its queries on this table
        # (it may start seconds later, before autovacuum would have looked).
        wh.execute(sql.SQL("analyze {}").format(raw))
    log.info(
        "%s: received %s, loaded %s, duplicate %s, quarantined %s",
        table.qualified,
        received,
        loaded,
        result.duplicate,
        failed_rows,
    )
    return result
