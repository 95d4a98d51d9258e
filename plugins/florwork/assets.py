"""Airflow Assets of the platform, defined once and imported by producers and consumers.

Asset URIs are identifiers, not connection strings: the host part is the logical name
of the warehouse connection, so the same URIs hold on a laptop and in production.
"""

from __future__ import annotations

from airflow.sdk import Asset

_BASE = "postgres://warehouse:5432/warehouse"


def _table(schema: str, table: str) -> Asset:
    return Asset(name=f"{schema}.{table}", uri=f"{_BASE}/{schema}/{table}")


RAW_SIS = [_table("raw", f"sis_{t}") for t in ("assistiti", "segnalazioni", "erogazioni")]
RAW_PARTNER = [_table("raw", f"partner_{t}") for t in ("profilazioni", "percorsi", "aziende")]
RAW_CO_NOTICES = _table("raw", "co_notices")
MARTS = _table("marts", "budget_monthly")
BUDGET_RUNS = _table("marts", "budget_runs")

RAW_ASSETS = [*RAW_SIS, *RAW_PARTNER, RAW_CO_NOTICES]


def raw_asset(raw_table: str) -> Asset:
    for asset in RAW_ASSETS:
        if asset.name == f"raw.{raw_table}":
            return asset
    raise KeyError(raw_table)
