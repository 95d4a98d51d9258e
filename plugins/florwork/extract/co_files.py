"""Loading of the employment centres' daily CO files (contracts/co_files.md).

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
import hashlib
import json
import logging
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


def _parse_date(value: str, column: str) -> date | None:
    if value == "":
        return None
    if not _DATE.match(value):
        raise RowError(f"{column} is not a dd/mm/yyyy date: {value!r}")
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise RowError(f"{column} is an impossible date: {value}") from None


def _parse_decimal(value: str, column: str) -> Decimal | None:
    if value == "":
        return None
    if not _DECIMAL.match(value):
        raise RowError(f"{column} is not a decimal with a comma: {value!r}")
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise RowError(f"{column} is not a decimal: {value!r}") from None


def decode_line(raw: bytes) -> str:
    """Decode one line as Latin-1 text, refusing control bytes and UTF-8 input."""
    bad = _CONTROL.search(raw)
    if bad:
        raise RowError(f"bytes that are not Latin-1 text (0x{bad.group()[0]:02x} at byte {bad.start() + 1})")
    if any(b > 0x7F for b in raw):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise RowError("UTF-8 encoded text, not ISO-8859-1")
    return raw.decode("latin-1")


def parse_line(text: str) -> dict:
    """Parse one data line into typed values; raise RowError with the reason."""
    fields = next(csv.reader([text], delimiter=";", quotechar='"', strict=True))
    if len(fields) != len(COLUMNS):
        raise RowError(f"expected {len(COLUMNS)} fields, found {len(fields)}")
    row: dict = dict(zip(COLUMNS, fields))
    for column in DATE_COLUMNS:
        row[column] = _parse_date(row[column], column)
    row["ore_settimanali"] = _parse_decimal(row["ore_settimanali"], "ore_settimanali")
    for column in COLUMNS:
        if row[column] == "":
            row[column] = None
    for column in ("id_comunicazione", "tipo_evento", "data_invio", "cf_lavoratore"):
        if row[column] is None:
            raise RowError(f"{column} is empty")
    for column in REQUIRED.get(row["tipo_evento"], ()):
        if row[column] is None:
            raise RowError(f"{column} is empty, required for {row['tipo_evento']}")
    if row["tipo_evento"] == "ASSUNZIONE" and row["id_comunicazione_rif"] is not None:
        raise RowError("id_comunicazione_rif must be empty for ASSUNZIONE")
    row["_cf_valid"] = codicefiscale.is_valid(row["cf_lavoratore"])
    row["_row_checksum"] = hashlib.md5("\x1f".join(fields).encode("utf-8")).hexdigest()
    return row


def parse_file(path: Path) -> ParsedFile:
    """Parse a whole file; raise RowError when the file itself cannot be read."""
    data = path.read_bytes()
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _land(wh: psycopg.Connection, rows: list[dict], batch_id: int, file_name: str) -> None:
    cols = [*COLUMNS, "_batch_id", "_file_name", "_line_number", "_row_checksum", "_cf_valid", "_raw_line"]
    with wh.cursor().copy(
        sql.SQL("copy raw.landing_co_notices ({}) from stdin").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
    ) as cp:
        for row in rows:
            cp.write_row([*(row[c] for c in COLUMNS), batch_id, file_name, row["_line_number"],
                          row["_row_checksum"], row["_cf_valid"], row["_raw_line"]])


def _quarantine(wh, batch_id, file_name, line, raw_line, reason, pending=False, parsed=None):
    wh.execute(
        "insert into quarantine.co_rows (batch_id, file_name, line_number, raw_line, reason, is_pending, parsed) "
        "values (%s, %s, %s, %s, %s, %s, %s)",
        (batch_id, file_name, line, raw_line, reason, pending, json.dumps(parsed, default=str) if parsed else None),
    )


_INSERT_RAW = sql.SQL(
    "insert into raw.co_notices ({cols}, _batch_id, _file_name, _line_number, _row_checksum) "
    "select {cols}, _batch_id, _file_name, _line_number, _row_checksum from raw.landing_co_notices "
    "where _landing_row_id = any(%s)"
).format(cols=sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))


def _publish_file(wh: psycopg.Connection, path: Path, parsed: ParsedFile, batch_id: int,
                  failures: dict[int, list[str]]) -> FileResult:
    """Move one validated file from landing to raw and quarantine, in one transaction."""
    name = path.name
    loaded = duplicate = quarantined = 0
    with wh.transaction():
        for line, raw_line, reason in parsed.bad:
            _quarantine(wh, batch_id, name, line, raw_line, reason)
            quarantined += 1
        rows = wh.execute(
            "select _landing_row_id, id_comunicazione, tipo_evento, id_comunicazione_rif, _row_checksum, "
            "_line_number, _raw_line, to_jsonb(l) - '_landing_row_id' - '_raw_line' "
            "from raw.landing_co_notices l where _batch_id = %s order by _line_number",
            (batch_id,),
        ).fetchall()
        ids = [r[1] for r in rows] + [r[3] for r in rows if r[3]]
        known = dict(wh.execute(
            "select id_comunicazione, _row_checksum from raw.co_notices where id_comunicazione = any(%s)", (ids,)
        ).fetchall())
        pending_ids = {r[0] for r in wh.execute(
            "select parsed->>'id_comunicazione' from quarantine.co_rows "
            "where is_pending and released_at is null and parsed->>'id_comunicazione' = any(%s)", (ids,)
        ).fetchall()}
        accepted: list[int] = []
        for row_id, notice_id, event, ref, checksum, line, raw_line, payload in rows:
            if row_id in failures:
                _quarantine(wh, batch_id, name, line, raw_line, "; ".join(failures[row_id]))
                quarantined += 1
            elif notice_id in known:
                if known[notice_id] == checksum:
                    duplicate += 1
                else:
                    _quarantine(wh, batch_id, name, line, raw_line,
                                f"id_comunicazione {notice_id} already received with other content")
                    quarantined += 1
            elif notice_id in pending_ids:
                duplicate += 1  # the same notice already waits in quarantine
            elif event in EVENTS_WITH_REFERENCE and ref not in known:
                _quarantine(wh, batch_id, name, line, raw_line, PENDING_REASON, pending=True, parsed=payload)
                pending_ids.add(notice_id)
                quarantined += 1
            else:
                accepted.append(row_id)
                known[notice_id] = checksum
                loaded += 1
        if accepted:
            wh.execute(_INSERT_RAW, (accepted,))
        wh.execute("delete from raw.landing_co_notices where _batch_id = %s", (batch_id,))
        batches.close_batch(wh, batch_id, rows_received=parsed.rows_read, rows_loaded=loaded,
                            rows_duplicate=duplicate, rows_quarantined=quarantined)
        result = FileResult(name, "loaded", parsed.rows_read, loaded, duplicate, quarantined)
        _register(wh, path, result, batch_id)
    return result


def _register(wh, path: Path, result: FileResult, batch_id: int | None, duplicate_of: str | None = None,
              sha: str | None = None) -> None:
    stat = path.stat()
    wh.execute(
        "insert into ops.co_files (file_name, size_bytes, sha256, file_date, received_at, processed_at, status, "
        "duplicate_of, batch_id, rows_read, rows_loaded, rows_duplicate, rows_quarantined, message) "
        "values (%s, %s, %s, %s, to_timestamp(%s), now(), %s, %s, %s, %s, %s, %s, %s, %s)",
        (path.name, stat.st_size, sha or _sha256(path), file_date(path.name), stat.st_mtime, result.status,
         duplicate_of, batch_id, result.rows_read, result.rows_loaded, result.rows_duplicate,
         result.rows_quarantined, result.message),
    )


def release_pending(wh: psycopg.Connection) -> int:
    """Load waiting notices whose relationship has arrived (repeat: chains resolve)."""
    released_total = 0
    batch_id = None
    while True:
        with wh.transaction():
            ready = wh.execute(
                "select q.quarantine_id, q.parsed from quarantine.co_rows q "
                "where q.is_pending and q.released_at is null "
                "and exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione_rif') "
                "and not exists (select from raw.co_notices r where r.id_comunicazione = q.parsed->>'id_comunicazione') "
                "order by q.quarantine_id"
            ).fetchall()
            if not ready:
                break
            if batch_id is None:
                batch_id = batches.open_batch(wh, "co", "pending notices")
            for quarantine_id, parsed in ready:
                wh.execute(
                    sql.SQL(
                        "insert into raw.co_notices ({cols}, _batch_id, _file_name, _line_number, _row_checksum) "
                        "select {cols}, %s, _file_name, _line_number, _row_checksum "
                        "from jsonb_populate_record(null::raw.co_notices, %s::jsonb)"
                    ).format(cols=sql.SQL(", ").join(map(sql.Identifier, COLUMNS))),
                    (batch_id, json.dumps(parsed)),
                )
                wh.execute(
                    "update quarantine.co_rows set released_batch_id = %s, released_at = now() where quarantine_id = %s",
                    (batch_id, quarantine_id),
                )
            released_total += len(ready)
    if batch_id is not None:
        with wh.transaction():
            batches.close_batch(wh, batch_id, rows_received=0, rows_loaded=0, rows_duplicate=0,
                                rows_quarantined=0, rows_released=released_total)
    return released_total


def load_co_files(cutoff: date | None = None) -> dict:
    """Load every new CO file produced before ``cutoff`` (all files when None)."""
    folder = co_folder()
    results: list[FileResult] = []
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        with batches.exclusive(wh, "co files"):
            wh.execute(_LANDING_DDL)
            stale = batches.abandon_stale(wh, source="co")
            if stale:
                wh.execute("delete from raw.landing_co_notices where _batch_id = any(%s)", (stale,))
            seen = {r[0] for r in wh.execute("select file_name from ops.co_files").fetchall()}
            files = sorted((p for p in folder.glob("*") if p.is_file()), key=sort_key) if folder.exists() else []
            if any(p.name not in seen for p in files):  # GX's start-up overlaps reading the files
                quality.prepare("co__notices", "raw.landing_co_notices")
            landed: list[tuple[Path, ParsedFile, int]] = []
            shas: dict[str, str] = {}
            try:
                for path in files:
                    if path.name in seen or path.name.startswith("."):
                        continue
                    day = file_date(path.name)
                    if cutoff is not None and day is not None and day >= cutoff:
                        continue
                    outcome = _land_file(wh, path, shas)
                    if isinstance(outcome, FileResult):
                        results.append(outcome)
                    else:
                        landed.append(outcome)
                # One validation for every file of the run (GX's cost is per validation).
                failures: dict[int, list[str]] = {}
                if landed:
                    quality.validate_landing("co__notices", "raw.landing_co_notices", [b for _, _, b in landed],
                                             key_column="_landing_row_id")
                    failures = quality.failures(wh, "raw.landing_co_notices")
                for path, parsed, batch_id in landed:
                    results.append(_publish_file(wh, path, parsed, batch_id, failures))
                quality.clear_failures(wh, "raw.landing_co_notices")
            except Exception as exc:
                for _, _, batch_id in landed:
                    if wh.execute("select status from ops.batches where batch_id = %s", (batch_id,)).fetchone()[0] == "running":
                        batches.fail_batch(wh, batch_id, str(exc))
                wh.execute("delete from raw.landing_co_notices where _batch_id = any(%s)", ([b for _, _, b in landed],))
                raise
            released = release_pending(wh)
            if sum(r.rows_loaded for r in results) + released >= ANALYZE_MIN_ROWS:
                wh.execute("analyze raw.co_notices")  # fresh statistics for the warehouse build
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


def _land_file(wh: psycopg.Connection, path: Path, shas: dict[str, str]):
    """Register a duplicate or rejected file (a FileResult), or land its rows (path, parsed, batch)."""
    sha = _sha256(path)
    twin = shas.get(sha) or (wh.execute(
        "select file_name from ops.co_files where sha256 = %s and status <> 'rejected' limit 1", (sha,)
    ).fetchone() or [None])[0]
    if twin:
        result = FileResult(path.name, "duplicate_content", message=f"same content as {twin}")
        with wh.transaction():
            _register(wh, path, result, None, duplicate_of=twin, sha=sha)
        return result
    batch_id = batches.open_batch(wh, "co", path.name)
    if not FILE_NAME.match(path.name) or file_date(path.name) is None:
        return _reject(wh, path, batch_id, sha, "the name does not follow CO_YYYYMMDD[_N].csv")
    try:
        parsed = parse_file(path)
    except RowError as exc:
        return _reject(wh, path, batch_id, sha, str(exc))
    with wh.transaction():
        _land(wh, parsed.good, batch_id, path.name)
    shas[sha] = path.name
    parsed.good = []  # landed: keep only what the publication needs
    return path, parsed, batch_id


def _reject(wh, path: Path, batch_id: int, sha: str, reason: str) -> FileResult:
    result = FileResult(path.name, "rejected", message=reason)
    with wh.transaction():
        _quarantine(wh, batch_id, path.name, None, None, f"file rejected: {reason}")
        batches.close_batch(wh, batch_id, rows_received=0, rows_loaded=0, rows_duplicate=0,
                            rows_quarantined=0, message=f"file rejected: {reason}")
        _register(wh, path, result, batch_id, sha=sha)
    return result
