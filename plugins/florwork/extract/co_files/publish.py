"""Publication of a run's CO files: the classified rows to raw and quarantine, the
batches closed and the files registered, in one transaction; and the release of
waiting notices whose relationship has arrived."""

from __future__ import annotations

import psycopg
from psycopg import sql

from florwork import quality, sqlfiles
from florwork.extract import batches
from florwork.extract.co_files.classify import WORK_MEM, classify
from florwork.extract.co_files.land import Delivery
from florwork.extract.co_files.parse import COLUMNS, file_date, storable

_SQL = __package__
_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))


def publish(wh: psycopg.Connection, deliveries: list[Delivery]) -> None:
    """Move the run's validated rows to raw and quarantine, close the batches and
    register the files, in one transaction."""
    files = [d for d in deliveries if d.batch_id is not None]
    with wh.transaction():
        wh.execute(f"set local work_mem = '{WORK_MEM}'")
        classify(wh, deliveries)
        for d in files:
            if d.result.status == "loaded":  # a rejected file's line counts no row
                d.result.rows_quarantined += len(d.bad)
        with wh.cursor().copy(
            "copy quarantine.co_rows (batch_id, file_name, line_number, raw_line, raw_bytes, reason) from stdin"
        ) as cp:
            for d in files:
                for line, raw_line, reason in d.bad:
                    cp.write_row([d.batch_id, d.path.name, line, *storable(raw_line), reason])
        wh.execute(sqlfiles.query(_SQL, "quarantine_rows.sql"))
        wh.execute(
            sqlfiles.query(
                _SQL,
                "raw_rows.sql",
                columns=_COLUMNS,
                landed_columns=sql.SQL(", ").join(sql.SQL("l.") + sql.Identifier(c) for c in COLUMNS),
            )
        )
        if files:
            r = [d.result for d in files]
            wh.execute(
                sqlfiles.query(_SQL, "close_batches.sql"),
                (
                    [d.batch_id for d in files],
                    [x.rows_read for x in r],
                    [x.rows_loaded for x in r],
                    [x.rows_duplicate for x in r],
                    [x.rows_quarantined for x in r],
                    [f"file rejected: {x.message}" if x.status == "rejected" else None for x in r],
                ),
            )
        r = [d.result for d in deliveries]
        wh.execute(
            sqlfiles.query(_SQL, "register_files.sql"),
            (
                [d.path.name for d in deliveries],
                [d.size for d in deliveries],
                [d.sha for d in deliveries],
                [file_date(d.path.name) for d in deliveries],
                [d.mtime for d in deliveries],
                [x.status for x in r],
                [d.duplicate_of for d in deliveries],
                [d.batch_id for d in deliveries],
                [x.rows_read for x in r],
                [x.rows_loaded for x in r],
                [x.rows_duplicate for x in r],
                [x.rows_quarantined for x in r],
                [x.message for x in r],
            ),
        )
        wh.execute("truncate raw.landing_co_notices")
        quality.clear_failures(wh, "raw.landing_co_notices")
        batches.fault_point("co_before_commit")


def release_pending(wh: psycopg.Connection) -> int:
    """Load waiting notices whose relationship has arrived (repeat: chains resolve)."""
    released_total = 0
    batch_id = None
    while True:
        with wh.transaction():
            if batch_id is None:
                ready = wh.execute(sql.SQL("select exists ({})").format(_ready())).fetchone()[0]
                if not ready:
                    break
                batch_id = batches.open_batch(wh, "co", "pending notices")
            released = wh.execute(
                sqlfiles.query(_SQL, "release_pending.sql", ready=_ready(), columns=_COLUMNS), {"batch": batch_id}
            ).fetchone()[0]
        if not released:
            break
        released_total += released
    if batch_id is not None:
        with wh.transaction():
            batches.close_batch(
                wh,
                batch_id,
                rows_received=0,
                rows_loaded=0,
                rows_duplicate=0,
                rows_quarantined=0,
                rows_released=released_total,
            )
    return released_total


def _ready() -> sql.Composable:
    return sqlfiles.query(_SQL, "pending_ready.sql")
