"""A first load (no mark yet: the whole table) written once: its landing table becomes
a partition of the raw table (``<table>__b<batch id>``) after validation."""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from florwork import config, contracts, warehouse
from florwork.extract.databases.landing import landing_name, landing_table
from florwork.extract.databases.publish import BatchResult, finish, latest_change, quarantine_failed

log = logging.getLogger(__name__)


class IndexBuild(threading.Thread):
    """Build a first load's indexes (the version index, the BRIN of extraction times) on a
    connection of its own while GX validates the landing table; the attach then adopts
    them instead of building them. A build that fails (an id repeated within the batch,
    which the validation reports) leaves no index, and the attach builds it or says why it
    cannot.
    """

    def __init__(self, table: contracts.SourceTable, batch_id: int):
        super().__init__(name=f"index {table.raw_table}", daemon=True)
        self.statements = warehouse.raw_indexes(
            table, landing_table(table, first=True), f"{table.raw_table}__b{batch_id}"
        )
        self.start()

    def run(self) -> None:
        try:
            with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as conn:
                for statement in self.statements:
                    conn.execute(statement)
        except psycopg.Error as exc:
            log.warning(
                "a first load's index was not built beside the validation (%s); the attach builds it",
                str(exc).strip().splitlines()[0],
            )


def publish_first(wh, table, batch_id, cutoff, received: int) -> BatchResult:
    """Publish a first load: its failing rows go to quarantine, versions raw already holds
    (a reload from scratch) are dropped, and the landing table becomes a partition of raw."""
    landing = landing_table(table, first=True)
    raw = sql.Identifier("raw", table.raw_table)
    pk = sql.Identifier(table.primary_key)
    relation = landing_name(table, first=True)
    partition = f"{table.raw_table}__b{batch_id}"
    with wh.transaction():
        latest = latest_change(wh, landing)
        failed_rows = quarantine_failed(wh, table, batch_id, landing, relation)
        if failed_rows:
            wh.execute(
                sql.SQL("delete from {} l using _failed f where f.landing_row_id = l._landing_row_id").format(landing)
            )
        duplicate = 0
        if wh.execute(sql.SQL("select exists (select from {})").format(raw)).fetchone()[0]:
            wh.execute(sql.SQL("analyze {}").format(landing))
            duplicate = wh.execute(
                sql.SQL(
                    "delete from {landing} l where exists (select from {raw} r where r.{pk} = l.{pk} "
                    "and r._row_checksum = l._row_checksum)"
                ).format(landing=landing, raw=raw, pk=pk)
            ).rowcount
        wh.execute(
            sql.SQL(
                "alter table {} drop column _landing_row_id, drop column _cf_valid, "
                "alter column _segment drop default, alter column _source_table drop default"
            ).format(landing)
        )
        wh.execute(sql.SQL("alter table {} rename to {}").format(landing, sql.Identifier(partition)))
        # Adopts the indexes built during validation (or builds them); the check
        # constraint spares the scan.
        wh.execute(
            sql.SQL("alter table {} attach partition raw.{} for values in ({})").format(
                raw, sql.Identifier(partition), sql.Literal(batch_id)
            )
        )
        loaded = received - failed_rows - duplicate
        result = finish(wh, table, batch_id, cutoff, received, loaded, failed_rows, relation, latest)
    wh.execute(sql.SQL("analyze {}").format(raw))
    log.info(
        "%s: first load, received %s, loaded %s (partition raw.%s), duplicate %s, quarantined %s",
        table.qualified,
        received,
        loaded,
        partition,
        result.duplicate,
        failed_rows,
    )
    return result
