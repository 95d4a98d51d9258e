"""COPY from a source database to the warehouse, relayed in blocks through libpq."""

from __future__ import annotations

import select
from collections.abc import Iterator

import psycopg
from psycopg import pq, sql

RELAY_BLOCK = 1 << 20


def copy_out_blocks(src: psycopg.Connection, query: sql.Composable) -> Iterator[bytearray]:
    """Run ``COPY ... TO STDOUT`` on ``src`` and yield its output in blocks of about 1 MB.

    COPY sends one message a row, which psycopg's ``Copy`` reads through a generator and
    its wait loop; here the rows are read from libpq directly (``psycopg.pq``, psycopg's
    public low-level interface), a block at a time (bench/results/ has the difference).
    The socket is waited on with ``select``, so signals (a task being stopped) are still
    handled while the source is slow. ``src`` must be in autocommit mode: the query
    bypasses psycopg's transaction handling.
    """
    if not src.autocommit:
        raise ValueError("copy_out_blocks needs a connection in autocommit mode")
    pgconn = src.pgconn
    pgconn.send_query(query.as_bytes(src))
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        _raise_result(pgconn, result)
    block = bytearray()
    while True:
        nbytes, data = pgconn.get_copy_data(1)
        if nbytes > 0:
            block += data
            if len(block) >= RELAY_BLOCK:
                yield block
                block = bytearray()
        elif nbytes == 0:  # nothing buffered: wait for the socket
            select.select([pgconn.socket], [], [], 1.0)
            pgconn.consume_input()
        else:
            break
    if block:
        yield block
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COMMAND_OK:
        _raise_result(pgconn, result)
    while pgconn.get_result() is not None:
        pass


def _raise_result(pgconn: pq.abc.PGconn, result) -> None:
    """Raise the error of a failed COPY TO as psycopg would (after draining the results)."""
    message = (result.error_message if result is not None else pgconn.error_message).decode(errors="replace")
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE) if result is not None else None
    while pgconn.get_result() is not None:
        pass
    error = psycopg.errors.lookup(sqlstate.decode()) if sqlstate else psycopg.OperationalError
    raise error(message.strip() or "COPY from the source failed")
