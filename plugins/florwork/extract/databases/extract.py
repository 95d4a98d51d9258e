"""The extraction of one source table: under the table's lock, from the last mark
(less a safety overlap) to the run's cutoff, validated, then published."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from florwork import config, contracts, quality, warehouse
from florwork.extract import batches
from florwork.extract.databases.landing import (
    clear_landings,
    create_first_landing,
    ensure_landing,
    flag_invalid_cfs,
    landing_name,
    landing_table,
    stream,
)
from florwork.extract.databases.partitions import IndexBuild, publish_first
from florwork.extract.databases.publish import BatchResult, publish
from florwork.extract.databases.schema import check_source_schema

log = logging.getLogger(__name__)

SAFETY_OVERLAP = timedelta(hours=1)


def extract_table(source: str, name: str, cutoff: datetime) -> BatchResult:
    """Extract one source table up to ``cutoff`` (exclusive)."""
    table = contracts.table(source, name)
    warehouse.bootstrap_once()
    with (
        warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh,
        warehouse.connect(contracts.conn_id(source), autocommit=True) as src,
    ):
        with batches.exclusive(wh, table.qualified):
            ensure_landing(wh, table)
            batches.abandon_stale(wh, source_object=table.qualified)
            clear_landings(wh, table)  # what a crashed run left, if anything
            row = wh.execute(
                "select high_water_mark from ops.extract_state where source_object = %s",
                (table.qualified,),
            ).fetchone()
            mark = row[0] if row else None
            if mark is not None and mark >= cutoff:
                log.info("%s already extracted up to %s", table.qualified, mark)
                return BatchResult(table.qualified, None, 0, 0, 0, 0)
            from_mark = mark - SAFETY_OVERLAP if mark is not None else None
            batch_id = batches.open_batch(wh, source, table.qualified, cutoff=cutoff, from_mark=from_mark)
            first = mark is None
            landing = landing_table(table, first)
            if first:  # committed empty, so that GX can find it while the rows stream
                with wh.transaction():
                    create_first_landing(wh, table, batch_id)
            quality.prepare(f"{source}__{name}", landing_name(table, first))
            try:
                check_source_schema(src, table)
                with wh.transaction():
                    received, unstorable = stream(src, wh, table, from_mark, cutoff, batch_id, landing, freeze=first)
                    flag_invalid_cfs(wh, table, batch_id, landing)
                batches.fault_point("after_landing")
                index = IndexBuild(table, batch_id) if first else None
                try:
                    quality.validate_landing(
                        f"{source}__{name}",
                        landing_name(table, first),
                        batch_id,
                        key_column="_landing_row_id",
                        rows=received,
                    )
                    unstorable.record(wh, landing, landing_name(table, first), batch_id)
                finally:
                    if index is not None:
                        index.join()
                return (publish_first if first else publish)(wh, table, batch_id, cutoff, received)
            except Exception as exc:
                batches.fail_batch(wh, batch_id, str(exc))
                clear_landings(wh, table)
                raise


def extract_source(source: str, cutoff: datetime) -> list[dict]:
    return [extract_table(source, t.name, cutoff).as_dict() for t in contracts.tables(source)]
