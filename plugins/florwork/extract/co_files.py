"""Loading of the employment centres' daily CO files (plugins/florwork/contract_files/co_files.md).

Every file in ``<landing>/co`` is registered in ``ops.co_files`` by name, size and
sha256, and loaded once: the same content under another name is recorded as a
duplicate delivery and not loaded again; a re-sent day (``_N``) adds only the notices
not seen before. Each line is parsed exactly as the contract says (ISO-8859-1, ``;``,
``"`` quoting, CRLF, dd/mm/yyyy, comma decimals); a line that cannot be parsed goes to
``quarantine.co_rows`` with its file, line number, raw text and reason, and the rest of
the file loads. A notice referring to a relationship not received yet waits there
(``is_pending``) and is loaded by the first run that has its relationship. A file that
cannot be read at all is rejected whole, and the other files still load.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg
from psycopg import sql
from stdnum.it import codicefiscale

from florwork import config, quality, warehouse
from florwork.extract import batches
from florwork.months import TZ as CUTOFF_TZ

log = logging.getLogger(__name__)

ANALYZE_MIN_ROWS = 10_000

COLUMNS = (
    "id_comunicazione", "tipo_evento", "data_invio", "id_comunicazione_rif", "cf_lavoratore",
    "cf_datore", "denominazione_datore", "ateco", "comune_sede", "tipo_contratto", "data_inizio",
    "data_fine", "data_cessazione", "causa_cessazione", "orario", "ore_settimanali",
    "qualifica_istat", "centro_impiego",
)
HEADER = ";".join(COLUMNS)
DATE_COLUMNS = ("data_invio", "data_inizio", "data_fine", "data_cessazione")
EVENTS_WITH_REFERENCE = ("PROROGA", "TRASFORMAZIONE", "CESSAZIONE", "RETTIFICA", "ANNULLAMENTO")
REQUIRED = {
    "ASSUNZIONE": ("data_inizio", "tipo_contratto"),
    "PROROGA": ("id_comunicazione_rif", "data_fine"),
    "TRASFORMAZIONE": ("id_comunicazione_rif", "tipo_contratto"),
    "CESSAZIONE": ("id_comunicazione_rif", "data_cessazione"),
    "RETTIFICA": ("id_comunicazione_rif",),
    "ANNULLAMENTO": ("id_comunicazione_rif",),
}
FILE_NAME = re.compile(r"^CO_(\d{8})(?:_(\d+))?\.csv$")
_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_DECIMAL = re.compile(r"^\d+(,\d+)?$")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PENDING_REASON = "refers to a notice not received yet: waits for it"


class RowError(ValueError):
    pass


@dataclass
class FileResult:
    file_name: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str | None = None


@dataclass
class ParsedFile:
    good: list[dict] = field(default_factory=list)
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # line, raw, reason
    rows_read: int = 0


def co_folder() -> Path:
    return config.co_landing_dir() / "co"


def sort_key(path: Path):
    match = FILE_NAME.match(path.name)
    if not match:
        return ("9", 0, path.name)
    return (match.group(1), int(match.group(2) or 1), path.name)


def file_date(name: str) -> date | None:
    match = FILE_NAME.match(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 14)
def _date_value(value: str) -> date | str:
    """The date a dd/mm/yyyy text stands for, or why it is not one (cached: a file's
    dates repeat)."""
    if not _DATE.match(value):
        return "is not a dd/mm/yyyy date: {!r}".format(value)
    try:
        return date(int(value[6:]), int(value[3:5]), int(value[:2]))
    except ValueError:
        return f"is an impossible date: {value}"


def _parsed(value: str | None, column: str, parse) -> object:
    """``parse(value)`` (a cached parser returning the value, or why it is not one), None
    for an empty field; raise RowError naming the column."""
    if not value:
        return None
    parsed = parse(value)
    if isinstance(parsed, str):
        raise RowError(f"{column} {parsed}")
    return parsed


def _parse_date(value: str | None, column: str) -> date | None:
    return _parsed(value, column, _date_value)


@functools.lru_cache(maxsize=1 << 12)
def _decimal_value(value: str) -> Decimal | str:
    if not _DECIMAL.match(value):
        return "is not a decimal with a comma: {!r}".format(value)
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        return "is not a decimal: {!r}".format(value)


def _parse_decimal(value: str | None, column: str) -> Decimal | None:
    return _parsed(value, column, _decimal_value)


def decode_line(raw: bytes) -> str:
    """Decode one line as Latin-1 text, refusing control bytes and UTF-8 input."""
    bad = _CONTROL.search(raw)
    if bad:
        raise RowError(f"bytes that are not Latin-1 text (0x{bad.group()[0]:02x} at byte {bad.start() + 1})")
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise RowError("UTF-8 encoded text, not ISO-8859-1")
    return raw.decode("latin-1")


def split_fields(text: str) -> list[str]:
    """The fields of one line (``;``, ``"`` quoting with doubled quotes, strict)."""
    if '"' in text or "\r" in text or not text:
        return next(csv.reader([text], delimiter=";", quotechar='"', strict=True))
    return text.split(";")  # no quoting: what csv.reader returns, without building one a line


@functools.lru_cache(maxsize=1 << 16)
def _cf_is_valid(cf: str) -> bool:
    """python-stdnum's check (omocodic CFs are valid), once per CF: a worker's hiring,
    extensions and termination name the same CF."""
    return codicefiscale.is_valid(cf)


def parse_line(text: str) -> dict:
    """Parse one data line into typed values; raise RowError with the reason."""
    fields = split_fields(text)
    if len(fields) != len(COLUMNS):
        raise RowError(f"expected {len(COLUMNS)} fields, found {len(fields)}")
    row: dict = dict(zip(COLUMNS, [value or None for value in fields]))  # an empty field is null
    for column in DATE_COLUMNS:
        row[column] = _parse_date(row[column], column)
    row["ore_settimanali"] = _parse_decimal(row["ore_settimanali"], "ore_settimanali")
    for column in ("id_comunicazione", "tipo_evento", "data_invio", "cf_lavoratore"):
        if row[column] is None:
            raise RowError(f"{column} is empty")
    for column in REQUIRED.get(row["tipo_evento"], ()):
        if row[column] is None:
            raise RowError(f"{column} is empty, required for {row['tipo_evento']}")
    if row["tipo_evento"] == "ASSUNZIONE" and row["id_comunicazione_rif"] is not None:
        raise RowError("id_comunicazione_rif must be empty for ASSUNZIONE")
    row["_cf_valid"] = _cf_is_valid(row["cf_lavoratore"])
    row["_row_checksum"] = hashlib.md5("\x1f".join(fields).encode("utf-8")).hexdigest()
    return row


def parse_file(path: Path) -> ParsedFile:
    """Parse a whole file; raise RowError when the file itself cannot be read."""
    return parse_bytes(path.read_bytes())


def parse_bytes(data: bytes) -> ParsedFile:
    """Parse a whole file's content; raise RowError when the file itself cannot be read."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise RowError("the file is empty: no header, no rows")
    header = lines[0].rstrip(b"\r")
    try:
        header_text = decode_line(header)
    except RowError as exc:
        raise RowError(f"the header is not Latin-1 text: {exc}") from None
    if header_text.lstrip("\ufeff") != HEADER:
        raise RowError(f"wrong header: expected {HEADER!r}, found {header_text[:200]!r}")
    parsed = ParsedFile()
    for number, raw in enumerate(lines[1:], start=2):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        parsed.rows_read += 1
        raw_text = raw.decode("latin-1")
        try:
            row = parse_line(decode_line(raw))
        except (RowError, csv.Error) as exc:
            parsed.bad.append((number, raw_text, str(exc)))
            continue
        row["_line_number"] = number
        row["_raw_line"] = raw_text
        parsed.good.append(row)
    if parsed.rows_read == 0:
        raise RowError("the file has a header but no rows")
    if parsed.rows_read >= 20 and len(parsed.bad) > 0.9 * parsed.rows_read:
        raise RowError(f"{len(parsed.bad)} of {parsed.rows_read} lines cannot be parsed, e.g. {parsed.bad[0][2]}")
    return parsed


_LANDING_DDL = """
create table if not exists raw.landing_co_notices (
    like raw.co_notices including defaults,
    _cf_valid boolean not null,
    _raw_line text not null,
    _landing_row_id bigserial primary key
)"""
_LANDED = [*COLUMNS, "_batch_id", "_file_name", "_line_number", "_row_checksum", "_cf_valid", "_raw_line"]
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_DATE_POSITIONS = [COLUMNS.index(c) for c in DATE_COLUMNS]
_DECIMAL_POSITION = COLUMNS.index("ore_settimanali")


def copy_text(row: dict, file_name: str) -> str:
    """A parsed row as a line of COPY's text format, in the order of _LANDED (what
    psycopg's write_row would send, without adapting 24 values one by one)."""
    values = [row[c] for c in COLUMNS]
    for position in _DATE_POSITIONS:
        if values[position] is not None:
            values[position] = values[position].isoformat()
    if values[_DECIMAL_POSITION] is not None:
        values[_DECIMAL_POSITION] = str(values[_DECIMAL_POSITION])
    values += ["0", file_name, str(row["_line_number"]), row["_row_checksum"], "t" if row["_cf_valid"] else "f",
               row["_raw_line"]]
    raw = row["_raw_line"]  # every text value is a piece of it (the file name is checked): escape when it needs it
    if "\\" in raw or "\t" in raw or "\r" in raw or "\n" in raw:
        values = [v.translate(_COPY_ESCAPES) if v is not None else None for v in values]
    return "\t".join(v if v is not None else "\\N" for v in values) + "\n"


_COLS = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))


@dataclass
class _Delivery:
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


def _read(paths: list[Path]) -> list[tuple[_Delivery, bytes]]:
    """Read files whole (a day's notices: a few MB at most), each once: its sha256 and its
    parsing use the same bytes."""
    read = []
    for path in paths:
        data = path.read_bytes()
        read.append((_Delivery(path, hashlib.sha256(data).hexdigest(), len(data), path.stat().st_mtime,
                               FileResult(path.name, "loaded")), data))
    return read


def _land(wh: psycopg.Connection, lookup: psycopg.Connection, candidates: list[Path]) -> tuple[list[_Delivery], int]:
    """Read the run's files in order; stream every parsed row into the landing table;
    return the files and how many rows landed.

    One COPY for the whole run: a file costs its rows, not a round trip. Files are read
    FILES_PER_ROUND at a time, and their sha256s are looked up in the registry at once
    (on ``lookup``, since ``wh`` is busy with the COPY). A file with the content of one
    already received (or landed earlier in this run) is a duplicate delivery; one that
    cannot be read is rejected with its reason.
    """
    deliveries: list[_Delivery] = []
    received: dict[str, str] = {}
    with wh.transaction(), wh.cursor().copy(
            sql.SQL("copy raw.landing_co_notices ({}) from stdin").format(
                sql.SQL(", ").join(map(sql.Identifier, _LANDED)))) as cp:
        for start in range(0, len(candidates), FILES_PER_ROUND):
            files = _read(candidates[start:start + FILES_PER_ROUND])
            received.update(lookup.execute(
                "select distinct on (sha256) sha256, file_name from ops.co_files where sha256 = any(%s) "
                "and status <> 'rejected' order by sha256, processed_at",
                ([d.sha for d, _ in files],)).fetchall())
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


def _land_worker() -> None:
    """The landing process: _land on connections of its own; the files come in on stdin
    and the result goes out on stdout, as pickles, through pipes only (the result holds
    the unreadable lines, personal data: it is never written to disk)."""
    import pickle
    import sys

    result_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever else is printed goes to stderr: stdout carries the result
    candidates = pickle.load(sys.stdin.buffer)
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh, \
            warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as lookup:
        result = _land(wh, lookup, candidates)
    pickle.dump(result, result_out)
    result_out.flush()


def _land_beside_gx(wh: psycopg.Connection, candidates: list[Path]) -> tuple[list[_Delivery], int]:
    """Land the run's files while GX starts (its import and checkpoint: 3-5 s of CPU).

    Both are CPU work, so the files are read, parsed and copied by a Python process of
    its own, started for the purpose (it shares nothing with this one but the
    configuration in the environment and the landing table, which the caller emptied
    under its lock), and the two use two cores instead of taking turns on one
    interpreter lock. The landing commits in one transaction as before: a crash of
    either process leaves at most landed rows, which the next run empties. With
    ``FLORWORK_CO_LAND_IN_PROCESS=1`` the landing runs here, beside GX's start-up in a
    thread.
    """
    import pickle
    import subprocess
    import sys

    quality.prepare("co__notices", "raw.landing_co_notices")
    if os.environ.get("FLORWORK_CO_LAND_IN_PROCESS") == "1":
        with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as lookup:
            return _land(wh, lookup, candidates)
    done = subprocess.run(
        [sys.executable, "-c", "from florwork.extract import co_files; co_files._land_worker()"],
        input=pickle.dumps(candidates), capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"the CO landing process failed (exit {done.returncode}): "
                           f"{said.splitlines()[-1] if said else 'no message'}\n{said[-3000:]}")
    return pickle.loads(done.stdout)


def _open_batches(wh: psycopg.Connection, deliveries: list[_Delivery]) -> None:
    """A ledger batch for each file that is not a duplicate delivery (committed at once,
    so a crash leaves a trace)."""
    names = [d.path.name for d in deliveries if d.result.status != "duplicate_content"]
    if not names:
        return
    with wh.transaction():
        ids = dict(wh.execute(
            "insert into ops.batches (source, source_object, status) "
            "select 'co', name, 'running' from unnest(%s::text[]) with ordinality f(name, n) order by n "
            "returning source_object, batch_id", (names,)).fetchall())
    for d in deliveries:
        d.batch_id = ids.get(d.path.name)


CLASSIFY_WORK_MEM = "64MB"
_FILE_BATCHES = """
create temp table co_file_batches on commit drop as
select * from unnest(%s::text[], %s::bigint[]) f(file_name, batch_id)"""
# The fate of every landed row, decided in delivery order (the landing row id: file,
# then line) as sets, in three steps: see _classify. Each is a temporary table with its
# key and statistics, so that every join is planned on real sizes.
_LANDED_ROWS = """
create temp table co_landed on commit drop as
with landed as (
    select l._landing_row_id as row_id, l._file_name as file_name, l.id_comunicazione as notice_id,
           l.tipo_evento as event, l.id_comunicazione_rif as ref, l._row_checksum as checksum,
           array_to_string(f.reasons, '; ') as reasons, k._row_checksum as received_checksum,
           -- a hashed subplan: one pass over the waiting notices, whatever their statistics say
           coalesce(l.id_comunicazione in (select parsed->>'id_comunicazione' from quarantine.co_rows
                                           where is_pending and released_at is null), false) as waiting
    from raw.landing_co_notices l
    left join ({failures}) f (row_id, reasons) on f.row_id = l._landing_row_id
    left join raw.co_notices k on k.id_comunicazione = l.id_comunicazione
)
select landed.*,
       -- a valid row of a notice neither received nor waiting (a new notice): its notice's first such row
       case when reasons is null and received_checksum is null and not waiting
            then first_value(row_id) over new end as first_row,
       case when reasons is null and received_checksum is null and not waiting
            then first_value(checksum) over new end as first_checksum
from landed
window new as (partition by notice_id, reasons is null and received_checksum is null and not waiting
               order by row_id)"""
# The first rows of new notices that load: those needing no relationship from the run
# (none at all, or one already in raw), then, step by step, those whose relationship's
# first row loaded before them.
_LOADED_FIRSTS = """
create temp table co_loaded on commit drop as
with recursive
firsts as (
    select n.row_id, n.event in ({events}) and r.id_comunicazione is null as needs_run_ref, rf.first_row as ref_row
    from co_landed n
    left join raw.co_notices r on r.id_comunicazione = n.ref
    left join co_landed rf on rf.notice_id = n.ref and rf.row_id = rf.first_row
    where n.row_id = n.first_row
),
loaded (row_id) as (
    select row_id from firsts where not needs_run_ref
    union all
    select f.row_id from firsts f join loaded p on p.row_id = f.ref_row
    where f.needs_run_ref and f.ref_row < f.row_id
)
select row_id from loaded"""
_OUTCOMES = """
create temp table co_outcomes on commit drop as
with fate as materialized (
    select l.row_id, l.file_name, l.reasons, l.notice_id,
           case when l.reasons is not null then 'quarantined'
                when l.received_checksum is not null then
                     case when l.received_checksum = l.checksum then 'duplicate' else 'conflict' end
                when l.waiting then 'duplicate'
                when l.row_id = l.first_row then case when this.row_id is not null then 'loaded' else 'pending' end
                when first.row_id is not null then
                     case when l.checksum = l.first_checksum then 'duplicate' else 'conflict' end
                else 'duplicate'  -- the notice's first row waits: so does the notice
           end as outcome
    from co_landed l
    left join co_loaded this on this.row_id = l.row_id
    left join co_loaded first on first.row_id = l.first_row
)
select f.row_id, m.batch_id,
       case when f.outcome = 'conflict' then 'quarantined' else f.outcome end as outcome,
       case f.outcome when 'quarantined' then f.reasons
                      when 'conflict' then format('id_comunicazione %s already received with other content', f.notice_id)
                      when 'pending' then {pending} end as reason
from fate f join co_file_batches m using (file_name)"""


def _classify(wh: psycopg.Connection, deliveries: list[_Delivery]) -> None:
    """Decide the fate of every landed row into the temporary table ``co_outcomes``
    (row id, batch, outcome, reason; dropped at commit), and count it in its file's result.

    In delivery order (file, then line), a row: fails validation (its reasons are in
    raw.landing_failures); repeats a notice already received (a duplicate if the
    content is the same, quarantined if not); repeats one already waiting (a
    duplicate); waits for a relationship not received yet (``PENDING_REASON``); or is
    loaded, and then counts as received for the rows after it. SQL does it as sets, in
    three temporary tables (the run's rows, the first rows that load, the outcomes): a
    notice new to the warehouse is decided by its first valid row, which
    loads unless it needs a relationship that is neither in raw nor a notice loaded
    earlier in the run (a recursive walk along the references, each to an earlier row);
    its later rows are duplicates or conflicts of that first row, or duplicates of a
    waiting one. Nothing per row passes through Python, whatever the run's size.
    """
    files = [d for d in deliveries if d.batch_id is not None]
    wh.execute(_FILE_BATCHES, ([d.path.name for d in files], [d.batch_id for d in files]))
    wh.execute(sql.SQL(_LANDED_ROWS).format(failures=sql.SQL(quality.FAILURES_BY_ROW)), ("raw.landing_co_notices",))
    wh.execute("alter table co_landed add primary key (row_id)")
    wh.execute("create index on co_landed (notice_id) where row_id = first_row")
    wh.execute("analyze co_landed")
    wh.execute(sql.SQL(_LOADED_FIRSTS).format(events=sql.SQL(", ").join(map(sql.Literal, EVENTS_WITH_REFERENCE))))
    wh.execute("alter table co_loaded add primary key (row_id)")
    wh.execute("analyze co_loaded")
    wh.execute(sql.SQL(_OUTCOMES).format(pending=sql.Literal(PENDING_REASON)))
    wh.execute("alter table co_outcomes add primary key (row_id)")
    wh.execute("analyze co_outcomes")
    results = {d.batch_id: d.result for d in files}
    for batch_id, loaded, duplicate, quarantined in wh.execute(
            "select batch_id, count(*) filter (where outcome = 'loaded'), count(*) filter (where outcome = 'duplicate'), "
            "count(*) filter (where outcome in ('quarantined', 'pending')) from co_outcomes group by batch_id"):
        result = results[batch_id]
        result.rows_loaded, result.rows_duplicate, result.rows_quarantined = loaded, duplicate, quarantined


def _publish(wh: psycopg.Connection, deliveries: list[_Delivery]) -> None:
    """Move the run's validated rows to raw and quarantine, close the batches and
    register the files, in one transaction."""
    files = [d for d in deliveries if d.batch_id is not None]
    with wh.transaction():
        # the classification's window and joins sort the run's rows: in memory, not on disk
        wh.execute(f"set local work_mem = '{CLASSIFY_WORK_MEM}'")
        _classify(wh, deliveries)
        for d in files:
            if d.result.status == "loaded":  # a rejected file's line counts no row
                d.result.rows_quarantined += len(d.bad)
        with wh.cursor().copy("copy quarantine.co_rows (batch_id, file_name, line_number, raw_line, reason) "
                              "from stdin") as cp:
            for d in files:
                for line, raw_line, reason in d.bad:
                    cp.write_row([d.batch_id, d.path.name, line, raw_line, reason])
        wh.execute(
            "insert into quarantine.co_rows (batch_id, file_name, line_number, raw_line, reason, is_pending, parsed) "
            "select o.batch_id, l._file_name, l._line_number, l._raw_line, o.reason, o.outcome = 'pending', "
            "case when o.outcome = 'pending' then to_jsonb(l) - '_landing_row_id' - '_raw_line' "
            "|| jsonb_build_object('_batch_id', o.batch_id) end "
            "from co_outcomes o join raw.landing_co_notices l on l._landing_row_id = o.row_id "
            "where o.outcome in ('quarantined', 'pending') order by o.row_id")
        wh.execute(sql.SQL(
            "insert into raw.co_notices ({cols}, _batch_id, _file_name, _line_number, _row_checksum) "
            "select {landed}, o.batch_id, l._file_name, l._line_number, l._row_checksum "
            "from co_outcomes o join raw.landing_co_notices l on l._landing_row_id = o.row_id "
            "where o.outcome = 'loaded' order by o.row_id"
        ).format(cols=_COLS, landed=sql.SQL(", ").join(sql.SQL("l.") + sql.Identifier(c) for c in COLUMNS)))
        if files:
            r = [d.result for d in files]
            wh.execute(
                "update ops.batches b set status = 'done', finished_at = now(), rows_received = v.received, "
                "rows_loaded = v.loaded, rows_duplicate = v.duplicate, rows_quarantined = v.quarantined, "
                "message = v.message "
                "from unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[]) "
                "v(batch_id, received, loaded, duplicate, quarantined, message) where b.batch_id = v.batch_id",
                ([d.batch_id for d in files], [x.rows_read for x in r], [x.rows_loaded for x in r],
                 [x.rows_duplicate for x in r], [x.rows_quarantined for x in r],
                 [f"file rejected: {x.message}" if x.status == "rejected" else None for x in r]))
        r = [d.result for d in deliveries]
        wh.execute(
            "insert into ops.co_files (file_name, size_bytes, sha256, file_date, received_at, processed_at, status, "
            "duplicate_of, batch_id, rows_read, rows_loaded, rows_duplicate, rows_quarantined, message) "
            "select f.name, f.size, f.sha, f.day, to_timestamp(f.mtime), now(), f.status, f.twin, f.batch_id, "
            "f.read, f.loaded, f.duplicate, f.quarantined, f.message "
            "from unnest(%s::text[], %s::bigint[], %s::text[], %s::date[], %s::float8[], %s::text[], %s::text[], "
            "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[]) "
            "f(name, size, sha, day, mtime, status, twin, batch_id, read, loaded, duplicate, quarantined, message)",
            ([d.path.name for d in deliveries], [d.size for d in deliveries], [d.sha for d in deliveries],
             [file_date(d.path.name) for d in deliveries], [d.mtime for d in deliveries], [x.status for x in r],
             [d.duplicate_of for d in deliveries], [d.batch_id for d in deliveries], [x.rows_read for x in r],
             [x.rows_loaded for x in r], [x.rows_duplicate for x in r], [x.rows_quarantined for x in r],
             [x.message for x in r]))
        wh.execute("truncate raw.landing_co_notices")
        quality.clear_failures(wh, "raw.landing_co_notices")
        batches.fault_point("co_before_commit")


_READY = ("select q.quarantine_id, q.parsed from quarantine.co_rows q where q.is_pending and q.released_at is null "
          "and exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione_rif') "
          "and not exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione')")


def release_pending(wh: psycopg.Connection) -> int:
    """Load waiting notices whose relationship has arrived (repeat: chains resolve)."""
    released_total = 0
    batch_id = None
    while True:
        with wh.transaction():
            if batch_id is None:
                ready = wh.execute(f"select exists ({_READY})").fetchone()[0]
                if not ready:
                    break
                batch_id = batches.open_batch(wh, "co", "pending notices")
            released = wh.execute(sql.SQL(
                f"with ready as ({_READY} for update of q), "
                "ins as (insert into raw.co_notices ({cols}, _batch_id, _file_name, _line_number, _row_checksum) "
                "  select {cols}, %(batch)s, n._file_name, n._line_number, n._row_checksum "
                "  from ready, jsonb_populate_record(null::raw.co_notices, ready.parsed) n order by ready.quarantine_id), "
                "upd as (update quarantine.co_rows q set released_batch_id = %(batch)s, released_at = now() "
                "  from ready where q.quarantine_id = ready.quarantine_id returning 1) "
                "select count(*) from upd"
            ).format(cols=_COLS), {"batch": batch_id}).fetchone()[0]
        if not released:
            break
        released_total += released
    if batch_id is not None:
        with wh.transaction():
            batches.close_batch(wh, batch_id, rows_received=0, rows_loaded=0, rows_duplicate=0,
                                rows_quarantined=0, rows_released=released_total)
    return released_total


def load_co_files(cutoff: date | None = None) -> dict:
    """Load every new CO file produced before ``cutoff`` (all files when None).

    The run's files land together (one COPY), are validated together (one GX
    validation) and are published together (one transaction): the cost is per row, not
    per file, and a crash leaves the run's files unregistered, to be loaded whole by the
    next run.
    """
    folder = co_folder()
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        with batches.exclusive(wh, "co files"):
            wh.execute(_LANDING_DDL)
            batches.abandon_stale(wh, source="co")
            wh.execute("truncate raw.landing_co_notices")  # what a crashed run left, under the lock
            seen = {r[0] for r in wh.execute("select file_name from ops.co_files").fetchall()}
            candidates = [
                p for p in (sorted((p for p in folder.glob("*") if p.is_file()), key=sort_key) if folder.exists() else [])
                if p.name not in seen and not p.name.startswith(".")
                and not (cutoff is not None and file_date(p.name) is not None and file_date(p.name) >= cutoff)
            ]
            deliveries: list[_Delivery] = []
            landed = 0
            if candidates:
                deliveries, landed = _land_beside_gx(wh, candidates)
                # statistics of the columns the publishing joins on (all of them took 0.6 s at 200 k rows)
                wh.execute("analyze raw.landing_co_notices (_landing_row_id, _file_name, id_comunicazione, "
                           "id_comunicazione_rif)")
            try:
                _open_batches(wh, deliveries)
                batches.fault_point("co_after_landing")
                if landed:
                    quality.validate_landing("co__notices", "raw.landing_co_notices",
                                             [d.batch_id for d in deliveries if d.batch_id], key_column="_landing_row_id",
                                             rows=landed)
                if deliveries:
                    _publish(wh, deliveries)
            except Exception as exc:
                opened = [d.batch_id for d in deliveries if d.batch_id is not None]
                if opened:
                    with wh.transaction():
                        wh.execute("update ops.batches set status = 'failed', finished_at = now(), message = %s "
                                   "where batch_id = any(%s) and status = 'running'", (str(exc), opened))
                wh.execute("truncate raw.landing_co_notices")
                raise
            results = [d.result for d in deliveries]
            # Fresh statistics after a large load, before the release of waiting notices
            # joins raw: planned on the statistics of a raw table autovacuum saw empty, that
            # join scanned all of raw for every waiting notice (minutes at 200 k rows). The
            # warehouse build plans on them too.
            if sum(r.rows_loaded for r in results) >= ANALYZE_MIN_ROWS:
                wh.execute("analyze raw.co_notices")
            released = release_pending(wh)
            if released >= ANALYZE_MIN_ROWS:
                wh.execute("analyze raw.co_notices")
            if cutoff is not None:
                wh.execute(
                    "insert into ops.extract_state (source_object, high_water_mark) "
                    "values ('co files', %s) on conflict (source_object) do update "
                    "set high_water_mark = greatest(ops.extract_state.high_water_mark, excluded.high_water_mark), "
                    "updated_at = now()",
                    (datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=CUTOFF_TZ),),
                )
    rejected = [r for r in results if r.status == "rejected"]
    for r in rejected:
        log.error("CO file %s REJECTED: %s", r.file_name, r.message)
    summary = {
        "files": len(results),
        "loaded": sum(r.rows_loaded for r in results),
        "duplicate": sum(r.rows_duplicate for r in results),
        "quarantined": sum(r.rows_quarantined for r in results),
        "released": released,
        "rejected_files": [f"{r.file_name}: {r.message}" for r in rejected],
        "duplicate_files": [r.file_name for r in results if r.status == "duplicate_content"],
    }
    log.info("CO files: %s", summary)
    return summary
