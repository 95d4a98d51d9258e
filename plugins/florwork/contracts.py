"""The source systems' contracts (vendored from the city's specification, unchanged).

The DDL files are the single definition of the source tables: the simulators create
the source databases from them, and the raw layer mirrors their columns (without
constraints) so a schema change in a source is detected by comparing with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# The database sources, by their contract's schema (the CO files are the file source).
DATABASE_SOURCES = ("sis", "partner")
FILE_SOURCE = "co"

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


def source_objects() -> tuple[str, ...]:
    """Everything the extraction loads, as ``ops.extract_state`` names it: every table of
    every database source, and the CO files."""
    return (*(t.qualified for source in DATABASE_SOURCES for t in tables(source)), "co files")
