"""One run of the platform at a time on a warehouse, said plainly.

``florwork run`` holds the platform lock exclusively for as long as it runs; a task of
a scheduled round (an extraction, the build, the budget run) holds it shared while it
writes. Both are PostgreSQL advisory locks on a connection of their own, so a holder
that dies (SIGKILL, a lost host) releases them with its connection. Each holder
describes itself in ``ops.platform_lock_holders`` (process, host, start, month,
command), and whoever has to wait is told who holds it. The tasks that ``florwork run``
itself executes (``dag.test()``, in its process) run under its exclusive hold.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import psycopg

from florwork import warehouse
from florwork.errors import PlatformBusy

log = logging.getLogger(__name__)

LOCK = "florwork.platform"
# Set by the exclusive holder in its own environment: the tasks it runs in its process.
HELD_BY = "FLORWORK_PLATFORM_LOCK_PID"


def _command() -> str:
    """This process's command line, as the user typed it (``florwork ...``)."""
    program = sys.argv[0] if sys.argv else "python"
    if program.endswith(("florwork", "florwork/cli.py")):
        program = "florwork"
    return " ".join([program, *sys.argv[1:]])[:200]


def holders(conn: psycopg.Connection) -> list[dict]:
    """Who holds the lock now (a row whose session has ended is a crashed holder's: ignored)."""
    rows = conn.execute(
        "select h.mode, h.host, h.process_id, h.started_at, h.month, h.command from ops.platform_lock_holders h "
        "join pg_stat_activity a on a.pid = h.backend_pid order by h.mode desc, h.started_at"
    ).fetchall()
    return [dict(zip(("mode", "host", "pid", "started_at", "month", "command"), r)) for r in rows]


def describe(found: list[dict]) -> str:
    """The holders, in one line each: what waits on them reads this."""
    if not found:
        return "another session holds the platform lock (it did not say who: an older version?)"
    return "; ".join(
        f"{'`' + h['command'] + '`' if h['command'] else 'a run'} "
        f"({'exclusive' if h['mode'] == 'exclusive' else 'a scheduled task'}), process {h['pid']} on {h['host']}, "
        f"since {h['started_at']:%Y-%m-%d %H:%M:%S %Z}" + (f", on {h['month']:%Y-%m}" if h["month"] else "")
        for h in found
    )


def _register(conn: psycopg.Connection, mode: str, command: str, month: date | None) -> None:
    conn.execute(
        "delete from ops.platform_lock_holders h where not exists "
        "(select from pg_stat_activity a where a.pid = h.backend_pid)"
    )
    conn.execute(
        "insert into ops.platform_lock_holders (backend_pid, mode, host, process_id, started_at, month, command) "
        "values (pg_backend_pid(), %s, %s, %s, now(), %s, %s) on conflict (backend_pid) do update set "
        "mode = excluded.mode, host = excluded.host, process_id = excluded.process_id, "
        "started_at = excluded.started_at, month = excluded.month, command = excluded.command",
        (mode, socket.gethostname(), os.getpid(), month, command),
    )


class Hold:
    """The exclusive hold of ``florwork run``: says which month it is on."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def on_month(self, month: date) -> None:
        self.conn.execute(
            "update ops.platform_lock_holders set month = %s where backend_pid = pg_backend_pid()", (month,)
        )


@contextmanager
def exclusive(wait: bool = True, progress: Callable[[str], None] = print, poll_seconds: float = 5.0) -> Iterator[Hold]:
    """Hold the platform for this process: wait for the holders to finish, saying who they
    are (``wait=False``: raise PlatformBusy with that instead)."""
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", autocommit=True) as conn:
        conn.execute("set application_name = 'florwork run'")
        said = None
        while not conn.execute("select pg_try_advisory_lock(hashtext(%s))", (LOCK,)).fetchone()[0]:
            found = holders(conn)
            if not found and said is None:  # the holder has just taken it: it says who in a moment
                time.sleep(0.5)
                found = holders(conn)
            message = describe(found)
            if not wait:
                raise PlatformBusy(
                    f"the platform is busy: {message}. Try again when it ends (or wait without --no-wait)."
                )
            if message != said:
                progress(f"Waiting for the platform: {message}")
                said = message
            time.sleep(poll_seconds)
        try:
            _register(conn, "exclusive", _command(), None)
            os.environ[HELD_BY] = str(os.getpid())
            yield Hold(conn)
        finally:
            os.environ.pop(HELD_BY, None)
            if not conn.closed:
                conn.execute("delete from ops.platform_lock_holders where backend_pid = pg_backend_pid()")
                conn.execute("select pg_advisory_unlock(hashtext(%s))", (LOCK,))


@contextmanager
def shared(what: str, month: date | None = None) -> Iterator[None]:
    """Hold the platform shared for a scheduled task: wait, saying who holds it, while a
    ``florwork run`` does. Nothing to do inside the ``florwork run`` that holds it."""
    if os.environ.get(HELD_BY) == str(os.getpid()):
        yield
        return
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", autocommit=True) as conn:
        if not conn.execute("select pg_try_advisory_lock_shared(hashtext(%s))", (LOCK,)).fetchone()[0]:
            log.warning("%s waits for the platform: %s", what, describe(holders(conn)))
            conn.execute("select pg_advisory_lock_shared(hashtext(%s))", (LOCK,))
        try:
            _register(conn, "shared", what, month)
            yield
        finally:
            if not conn.closed:
                conn.execute("delete from ops.platform_lock_holders where backend_pid = pg_backend_pid()")
                conn.execute("select pg_advisory_unlock_shared(hashtext(%s))", (LOCK,))
