"""The source table against its contract: a batch fails, saying what changed, when a
column was added, removed or changed type (nothing is loaded)."""

from __future__ import annotations

import psycopg

from florwork import contracts
from florwork.errors import ContractDrift

# Postgres' information_schema names for the contracts' types.
_TYPE_NAMES = {
    "bigint": "bigint",
    "smallint": "smallint",
    "integer": "integer",
    "text": "text",
    "date": "date",
    "timestamptz": "timestamp with time zone",
    "boolean": "boolean",
}


def _expected_type(coltype: str) -> str:
    base = coltype.split("(")[0].strip().lower()
    if base == "varchar":
        return "character varying"
    if base == "char":
        return "character"
    if base == "numeric":
        return "numeric"
    return _TYPE_NAMES.get(base, base)


def check_source_schema(src: psycopg.Connection, table: contracts.SourceTable) -> None:
    """Fail the batch, saying what changed, when the source table differs from its contract."""
    if src.info.server_version < 140000:  # the row checksum's hash_record_extended
        raise ContractDrift(
            f"the source database of {table.qualified} runs PostgreSQL {src.info.server_version // 10000}: "
            "the extraction needs PostgreSQL 14 or later"
        )
    actual = dict(
        src.execute(
            "select column_name, data_type from information_schema.columns where table_schema = %s and table_name = %s",
            (table.source, table.name),
        ).fetchall()
    )
    if not actual:
        raise ContractDrift(f"source table {table.qualified} does not exist")
    expected = {c.name: _expected_type(c.type) for c in table.columns}
    changes = [f"column {c} removed" for c in expected if c not in actual]
    changes += [f"column {c} added" for c in actual if c not in expected]
    changes += [
        f"column {c} changed type from {expected[c]} to {actual[c]}"
        for c in expected
        if c in actual and actual[c] != expected[c]
    ]
    if changes:
        raise ContractDrift(
            f"source table {table.qualified} no longer matches its contract: "
            + "; ".join(changes)
            + ". Nothing was loaded; update the contract and the raw layer deliberately."
        )
