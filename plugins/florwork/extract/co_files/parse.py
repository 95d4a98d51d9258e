"""Parsing of a CO file, exactly as its contract says (contract_files/co_files.md):
ISO-8859-1, ``;``, ``"`` quoting, CRLF, dd/mm/yyyy, comma decimals, an empty field null.

A line that cannot be parsed raises RowError with the reason it is quarantined with; a
file that cannot be read at all (no header, a wrong header, nearly every line bad)
raises it too, and is rejected whole.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from stdnum.it import codicefiscale

from florwork import contracts
from florwork.errors import RowError

COLUMNS = contracts.co_column_names()
HEADER = ";".join(COLUMNS)
DATE_COLUMNS = tuple(c.name for c in contracts.co_columns() if c.type == "date")
DECIMAL_COLUMNS = tuple(c.name for c in contracts.co_columns() if c.type == "decimal")
EVENTS_WITH_REFERENCE = ("PROROGA", "TRASFORMAZIONE", "CESSAZIONE", "RETTIFICA", "ANNULLAMENTO")
REQUIRED = {
    "ASSUNZIONE": ("data_inizio", "tipo_contratto"),
    "PROROGA": ("id_comunicazione_rif", "data_fine"),
    "TRASFORMAZIONE": ("id_comunicazione_rif", "tipo_contratto"),
    "CESSAZIONE": ("id_comunicazione_rif", "data_cessazione"),
    "RETTIFICA": ("id_comunicazione_rif",),
    "ANNULLAMENTO": ("id_comunicazione_rif",),
}
FILE_NAME = contracts.CO_FILE_NAME
_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_DECIMAL = re.compile(r"^\d+(,\d+)?$")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class ParsedFile:
    good: list[dict] = field(default_factory=list)
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # line, raw, reason
    rows_read: int = 0


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


def storable(raw_text: str | None) -> tuple[str | None, bytes | None]:
    """A bad line as quarantine keeps it: its text, with each NUL (which PostgreSQL's text
    cannot hold) shown as U+FFFD, and then its exact bytes as well (None when the text is exact)."""
    if raw_text is None or "\x00" not in raw_text:
        return raw_text, None
    return raw_text.replace("\x00", "\ufffd"), raw_text.encode("latin-1")


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
    for column in DECIMAL_COLUMNS:
        row[column] = _parse_decimal(row[column], column)
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
