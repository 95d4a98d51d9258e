"""Airflow Assets of the platform, defined once and imported by producers and consumers.

Two kinds: a table Asset for each raw table an extraction task writes (lineage: what a
task changed), and one Asset per extraction DAG, emitted when every table of the DAG's
run has loaded. The warehouse build is scheduled on the latter, so it runs once per
completed extraction round, not once per table.

Table Asset URIs are identifiers, not connection strings: the host part is the logical
name of the warehouse connection, so the same URIs hold on a laptop and in production.
"""

from __future__ import annotations

from airflow.sdk import Asset

from florwork import contracts

_BASE = "postgres://warehouse:5432/warehouse"


def _table(schema: str, table: str) -> Asset:
    return Asset(name=f"{schema}.{table}", uri=f"{_BASE}/{schema}/{table}")


def raw_table(table: contracts.SourceTable) -> Asset:
    return _table("raw", table.raw_table)


RAW_CO_NOTICES = _table("raw", "co_notices")
MARTS = _table("marts", "budget_monthly")
BUDGET_RUNS = _table("marts", "budget_runs")

# One per extraction DAG: "this source is loaded through the run's cutoff".
EXTRACTED = {
    source: Asset(name=f"extracted_{source}", uri=f"x-florwork://extractions/{source}")
    for source in (*contracts.DATABASE_SOURCES, contracts.FILE_SOURCE)
}
