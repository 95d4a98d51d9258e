"""The batch ledger shared by every loader: one row in ops.batches per load.

A batch is written in one transaction (raw rows, quarantine rows, the ledger row and
the high-water mark together), so a crash leaves nothing half-loaded. A batch left
'running' by a crashed process is marked 'abandoned' by the next run, which starts
again from the last committed mark.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager

import psycopg
from psycopg import sql

from florwork.errors import ConcurrentRun


def fault_point(name: str) -> None:
    """Fault injection for the crash tests: ``FLORWORK_FAULT=<name>`` kills the process here."""
    if os.environ.get("FLORWORK_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def exclusive(conn: psycopg.Connection, name: str):
    """Hold a session advisory lock so two runs cannot load the same object at once, and
    the bootstrap lock shared, so that no bootstrap changes the catalog under the load."""
    from florwork import warehouse

    got = conn.execute("select pg_try_advisory_lock(hashtext(%s))", (f"florwork.load.{name}",)).fetchone()[0]
    if not got:
        raise ConcurrentRun(f"another run is loading {name} right now; try again when it ends")
    try:
        with warehouse.in_use(conn):
            yield
    finally:
        conn.execute("select pg_advisory_unlock(hashtext(%s))", (f"florwork.load.{name}",))


def abandon_stale(
    conn: psycopg.Connection, *, source: str | None = None, source_object: str | None = None
) -> list[int]:
    """Mark the batches a crashed run left 'running' as abandoned; return their ids
    (the caller drops their landing rows). Select them by source or by source object."""
    column, value = ("source", source) if source is not None else ("source_object", source_object)
    with conn.transaction():
        stale = conn.execute(
            sql.SQL(
                "update ops.batches set status = 'abandoned', finished_at = now(), "
                "message = 'the process stopped before the batch committed' "
                "where {} = %s and status = 'running' returning batch_id"
            ).format(sql.Identifier(column)),
            (value,),
        ).fetchall()
    return [row[0] for row in stale]


def open_batch(conn: psycopg.Connection, source: str, source_object: str, **fields) -> int:
    """Register a batch (committed at once, so a crash leaves a trace)."""
    names = ["source", "source_object", "status", *fields]
    values = [source, source_object, "running", *fields.values()]
    with conn.transaction():
        return conn.execute(
            sql.SQL("insert into ops.batches ({}) values ({}) returning batch_id").format(
                sql.SQL(", ").join(map(sql.Identifier, names)),
                sql.SQL(", ").join(sql.Placeholder() * len(values)),
            ),
            values,
        ).fetchone()[0]


def close_batch(conn: psycopg.Connection, batch_id: int, **counts) -> None:
    """Record the counts and mark the batch done (inside the batch's transaction)."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder()) for k in counts)
    conn.execute(
        sql.SQL("update ops.batches set status = 'done', finished_at = now(), {} where batch_id = %s").format(
            assignments
        ),
        [*counts.values(), batch_id],
    )


def fail_batch(conn: psycopg.Connection, batch_id: int, message: str) -> None:
    with conn.transaction():
        conn.execute(
            "update ops.batches set status = 'failed', finished_at = now(), message = %s where batch_id = %s",
            (message, batch_id),
        )
