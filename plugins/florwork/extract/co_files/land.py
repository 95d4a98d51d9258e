"""Landing of a run's CO files: each file read once (its sha256 and its parsing use the
same bytes), a duplicate delivery recognised by its content, a file that cannot be read
rejected with its reason, and every parsed row streamed into ``raw.landing_co_notices``
with one COPY for the whole run.

The landing runs in a Python process of its own, beside Great Expectations' start-up in
this one: both are CPU work, and two processes use two cores where two threads would
take turns on one interpreter lock.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from florwork import config, quality, warehouse
from florwork.errors import LandingFailed, RowError
from florwork.extract.co_files.parse import COLUMNS, DATE_COLUMNS, DECIMAL_COLUMNS, FILE_NAME, file_date, parse_bytes


@dataclass
class FileResult:
    file_name: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str | None = None


_LANDED = [*COLUMNS, "_batch_id", "_file_name", "_line_number", "_row_checksum", "_cf_valid", "_raw_line"]
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_DATE_POSITIONS = [COLUMNS.index(c) for c in DATE_COLUMNS]
_DECIMAL_POSITIONS = [COLUMNS.index(c) for c in DECIMAL_COLUMNS]


def copy_text(row: dict, file_name: str) -> str:
    """A parsed row as a line of COPY's text format, in the order of _LANDED (what
    psycopg's write_row would send, without adapting 24 values one by one)."""
    values = [row[c] for c in COLUMNS]
    for position in _DATE_POSITIONS:
        if values[position] is not None:
            values[position] = values[position].isoformat()
    for position in _DECIMAL_POSITIONS:
        if values[position] is not None:
            values[position] = str(values[position])
    values += [
        "0",
        file_name,
        str(row["_line_number"]),
        row["_row_checksum"],
        "t" if row["_cf_valid"] else "f",
        row["_raw_line"],
    ]
    raw = row["_raw_line"]  # every text value is a piece of it (the file name is checked): escape when it needs it
    if "\\" in raw or "\t" in raw or "\r" in raw or "\n" in raw:
        values = [v.translate(_COPY_ESCAPES) if v is not None else None for v in values]
    return "\t".join(v if v is not None else "\\N" for v in values) + "\n"


@dataclass
class Delivery:
    """One file of the run: what it is, and what became of it."""

    path: Path
    sha: str
    size: int
    mtime: float
    result: FileResult
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # line, raw line, reason
    batch_id: int | None = None
    duplicate_of: str | None = None


FILES_PER_ROUND = 256


def read_files(paths: list[Path]) -> list[tuple[Delivery, bytes]]:
    """Read files whole (a day's notices: a few MB at most), each once: its sha256 and its
    parsing use the same bytes."""
    read = []
    for path in paths:
        data = path.read_bytes()
        read.append(
            (
                Delivery(
                    path,
                    hashlib.sha256(data).hexdigest(),
                    len(data),
                    path.stat().st_mtime,
                    FileResult(path.name, "loaded"),
                ),
                data,
            )
        )
    return read


def land(wh: psycopg.Connection, lookup: psycopg.Connection, candidates: list[Path]) -> tuple[list[Delivery], int]:
    """Read the run's files in order; stream every parsed row into the landing table;
    return the files and how many rows landed.

    One COPY for the whole run: a file costs its rows, not a round trip. Files are read
    FILES_PER_ROUND at a time, and their sha256s are looked up in the registry at once
    (on ``lookup``, since ``wh`` is busy with the COPY). A file with the content of one
    already received (or landed earlier in this run) is a duplicate delivery; one that
    cannot be read is rejected with its reason.
    """
    deliveries: list[Delivery] = []
    received: dict[str, str] = {}
    with (
        wh.transaction(),
        wh.cursor().copy(
            sql.SQL("copy raw.landing_co_notices ({}) from stdin").format(
                sql.SQL(", ").join(map(sql.Identifier, _LANDED))
            )
        ) as cp,
    ):
        for start in range(0, len(candidates), FILES_PER_ROUND):
            files = read_files(candidates[start : start + FILES_PER_ROUND])
            received.update(
                lookup.execute(
                    "select distinct on (sha256) sha256, file_name from ops.co_files where sha256 = any(%s) "
                    "and status <> 'rejected' order by sha256, processed_at",
                    ([d.sha for d, _ in files],),
                ).fetchall()
            )
            for d, data in files:
                deliveries.append(d)
                name = d.path.name
                if d.sha in received:
                    d.duplicate_of = received[d.sha]
                    d.result = FileResult(name, "duplicate_content", message=f"same content as {d.duplicate_of}")
                    continue
                try:
                    if not FILE_NAME.match(name) or file_date(name) is None:
                        raise RowError("the name does not follow CO_YYYYMMDD[_N].csv")
                    parsed = parse_bytes(data)
                except RowError as exc:
                    d.result = FileResult(name, "rejected", message=str(exc))
                    d.bad = [(None, None, f"file rejected: {exc}")]
                    continue
                received[d.sha] = name
                d.bad, d.result.rows_read = parsed.bad, parsed.rows_read
                if parsed.good:
                    cp.write("".join([copy_text(row, name) for row in parsed.good]))
    return deliveries, cp.cursor.rowcount


def worker() -> None:
    """The landing process: ``land`` on connections of its own; the files come in on stdin
    and the result goes out on stdout, as pickles, through pipes only (the result holds
    the unreadable lines, personal data: it is never written to disk)."""
    result_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever else is printed goes to stderr: stdout carries the result
    candidates = pickle.load(sys.stdin.buffer)
    with (
        warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh,
        warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as lookup,
    ):
        result = land(wh, lookup, candidates)
    pickle.dump(result, result_out)
    result_out.flush()


def land_beside_gx(wh: psycopg.Connection, candidates: list[Path]) -> tuple[list[Delivery], int]:
    """Land the run's files in a process of its own while GX starts here.

    The process shares nothing with this one but the configuration in the environment
    and the landing table, which the caller emptied under its lock. The landing commits
    in one transaction: a crash of either process leaves at most landed rows, which the
    next run empties. ``FLORWORK_CO_LAND_IN_PROCESS=1`` lands in this process instead.
    """
    quality.prepare("co__notices", "raw.landing_co_notices")
    if os.environ.get("FLORWORK_CO_LAND_IN_PROCESS") == "1":
        with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as lookup:
            return land(wh, lookup, candidates)
    done = subprocess.run(
        [sys.executable, "-c", "from florwork.extract.co_files import land; land.worker()"],
        input=pickle.dumps(candidates),
        capture_output=True,
        env={
            **os.environ,
            **config.child_environment("warehouse"),
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        },
    )
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise LandingFailed(
            f"the CO landing process failed (exit {done.returncode}): "
            f"{said.splitlines()[-1] if said else 'no message'}\n{said[-3000:]}"
        )
    return pickle.loads(done.stdout)
