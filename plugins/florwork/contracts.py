"""The source systems' contracts (vendored from the city's specification, unchanged),
and the one definition of every source table and file the platform reads.

The DDL files define the database sources' tables: the simulators create the source
databases from them, the extraction builds its tasks, Assets and landing tables from
them, and the raw layer mirrors their columns (without constraints) so a schema change
in a source is detected by comparing with them. The CO files' columns are read from
their contract's "Columns, in this order" table (contract_files/co_files.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# The database sources, by their contract's schema (the CO files are the file source).
# Each is read through the connection ``<source>_source`` (AIRFLOW_CONN_<SOURCE>_SOURCE).
DATABASE_SOURCES = ("sis", "partner", "ipl")
FILE_SOURCE = "co"
# Sources a city may not have (Bologna's case platform): outside demo mode, without its
# connection the source's DAG says it is not configured and the rest runs without it.
OPTIONAL_SOURCES = ("ipl",)


def conn_id(source: str) -> str:
    """The Airflow connection a database source is read through."""
    return f"{source}_source"


_TABLE = re.compile(r"create table (\w+)\.(\w+)\s*\((.*?)\n\);", re.S | re.I)
_COLUMN = re.compile(r"^\s*(\w+)\s+(.+?)\s*(?:--.*)?$")
_CONSTRAINTS = re.compile(r"\s+(primary key|not null|references\s+\S+|unique).*$", re.I)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool


@dataclass(frozen=True)
class SourceTable:
    source: str  # 'sis' | 'partner'
    name: str
    columns: tuple[Column, ...]
    primary_key: str

    @property
    def qualified(self) -> str:
        return f"{self.source}.{self.name}"

    @property
    def raw_table(self) -> str:
        return f"{self.source}_{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def cf_column(self) -> str | None:
        for name in ("codice_fiscale",):
            if name in self.column_names:
                return name
        return None


@dataclass(frozen=True)
class FileColumn:
    name: str
    type: str  # as the contract's table says: text, code, date, decimal...


# CO_YYYYMMDD.csv, or CO_YYYYMMDD_N.csv for a day re-sent with more rows.
CO_FILE_NAME = re.compile(r"^CO_(\d{8})(?:_(\d+))?\.csv$")
_FILE_COLUMN = re.compile(r"^\| `(\w+)` \| ([^|]+?) \|")


@cache
def co_columns() -> tuple[FileColumn, ...]:
    """The CO files' columns, in their order (the contract's "Columns" table)."""
    text = resources.files("florwork.contract_files").joinpath("co_files.md").read_text()
    section = text.split("## Columns, in this order", 1)[1].split("\n## ", 1)[0]
    columns = []
    for line in section.splitlines():
        match = _FILE_COLUMN.match(line)
        if match:
            columns.append(FileColumn(match.group(1), match.group(2).split(",")[0].split("(")[0].strip()))
    return tuple(columns)


def co_column_names() -> tuple[str, ...]:
    return tuple(c.name for c in co_columns())


def ddl(source: str) -> str:
    return resources.files("florwork.contract_files").joinpath(f"{source}.sql").read_text()


@cache
def tables(source: str) -> tuple[SourceTable, ...]:
    result = []
    for schema, name, body in _TABLE.findall(ddl(source)):
        columns, pk = [], None
        for line in body.splitlines():
            line = line.split("--")[0].rstrip().rstrip(",")
            match = _COLUMN.match(line)
            if not match:
                continue
            col, rest = match.groups()
            if "primary key" in rest.lower():
                pk = col
            coltype = _CONSTRAINTS.sub("", rest).strip()
            columns.append(Column(col, coltype, "not null" in rest.lower() or col == pk))
        result.append(SourceTable(schema, name, tuple(columns), pk))
    return tuple(result)


def table(source: str, name: str) -> SourceTable:
    for t in tables(source):
        if t.name == name:
            return t
    raise KeyError(f"{source}.{name}")


def source_objects(sources: tuple[str, ...] = DATABASE_SOURCES) -> tuple[str, ...]:
    """Everything the extraction loads, as ``ops.extract_state`` names it: every table of
    the database sources given (all by default), and the CO files."""
    return (*(t.qualified for source in sources for t in tables(source)), "co files")
