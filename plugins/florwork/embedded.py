"""The embedded PostgreSQL: a pgserver build started on 127.0.0.1 in the project folder.

pgserver ships the PostgreSQL binaries in its wheel. Its own ``get_server`` listens on a
unix socket only and stops the server when the Python process exits; the platform
needs one long-lived server that the CLI, Airflow, dbt and GX (which rejects
socket-only URLs) all reach, so it calls pgserver's ``initdb`` and ``pg_ctl`` itself and
listens on TCP. The data folder is ``.florwork/pgdata`` (git-ignored). Run as root,
pgserver creates a system user ``pgserver`` to own the data folder, because PostgreSQL
refuses to run as root, and opens the traversal permission of the folder's parents.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

from florwork.config import state_dir

USER = "postgres"
HOST = "127.0.0.1"
# The server's settings beyond PostgreSQL's defaults (docker-compose.yml's postgres service
# starts with the same): a local disk whose pages are mostly cached, so an index probe
# costs little more than a sequential read (the default 4 makes the incremental build
# scan millions of rows to find a few thousand), and sorts of dbt's models in memory.
SERVER_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "256MB",
    "fsync": "on",
    "random_page_cost": "1.1",
    "work_mem": "64MB",
}


def _pgdata() -> Path:
    return state_dir() / "pgdata"


def _state_file() -> Path:
    return state_dir() / "embedded.json"


def _system_user() -> str | None:
    return "pgserver" if os.geteuid() == 0 else None


def _running_port() -> int | None:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pgdata())
    if info is not None and info.is_running() and info.status == "ready":
        # A killed server that nobody reaped (a container whose PID 1 reaps no children) is a zombie.
        if info.process.status() != "zombie":
            return info.port
    return None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL binds: a port whose last connections wait in TIME_WAIT (a server just
        # stopped) is free, and a restarted server keeps the port every connection names.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _initdb(pgdata: Path) -> None:
    from pgserver import _commands

    user = _system_user()
    pgdata.mkdir(parents=True, exist_ok=True)
    if user:
        import pwd
        import stat

        from pgserver.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(user)
        ensure_prefix_permissions(pgdata)
        ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
        ensure_folder_permissions(
            _commands.POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        )
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    if not (pgdata / "PG_VERSION").exists():
        _stop_orphans(pgdata)
        _commands.initdb(
            ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", USER],
            pgdata=pgdata,
            user=user,
        )


def _stop_orphans(pgdata: Path) -> None:
    """Stop a server still running on a data folder that was deleted under it."""
    import psutil

    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in (proc.info["cmdline"] or []):
            proc.terminate()
            try:
                proc.wait(5)
            except psutil.TimeoutExpired:
                proc.kill()


def reserve() -> dict:
    """The state of a server not started yet: its port chosen now, which ``up`` then
    keeps while it is free. Airflow reads its connections when first imported, so a
    process that parses DAGs before it starts the server configures Airflow with this."""
    if _state_file().exists():
        return json.loads(_state_file().read_text())
    from pgserver.utils import find_suitable_port

    state_dir().mkdir(parents=True, exist_ok=True)
    return _write_state(find_suitable_port(HOST))


def _write_state(port: int) -> dict:
    state = {"host": HOST, "port": port, "user": USER, "pgdata": str(_pgdata())}
    _state_file().write_text(json.dumps(state, indent=2))
    return state


def up() -> dict:
    """Start the embedded server, or reuse the one already running; return its state."""
    from pgserver import _commands

    pgdata = _pgdata()
    state_dir().mkdir(parents=True, exist_ok=True)
    port = _running_port()
    if port is None:
        _initdb(pgdata)
        previous = json.loads(_state_file().read_text()) if _state_file().exists() else {}
        port = previous.get("port")
        if not port or not _port_is_free(port):
            from pgserver.utils import find_suitable_port

            port = find_suitable_port(HOST)
        log = pgdata / "log"
        try:
            _commands.pg_ctl(
                [
                    "-w",
                    "-o",
                    f'-h {HOST} -p {port} -k ""',
                    "-o",
                    " ".join(f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()),
                    "-l",
                    str(log),
                    "start",
                ],
                pgdata=pgdata,
                user=_system_user(),
                timeout=60,
            )
        except subprocess.CalledProcessError as exc:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"the embedded PostgreSQL did not start:\n{tail}") from exc
        for _ in range(60):
            if _running_port():
                break
            time.sleep(0.5)
    return _write_state(port)


def down() -> bool:
    """Stop the embedded server; False when it was not running."""
    from pgserver import _commands

    if _running_port() is None:
        return False
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pgdata(), user=_system_user())
    return True


def is_running() -> bool:
    return _running_port() is not None
