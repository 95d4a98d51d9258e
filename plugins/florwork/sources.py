"""The source systems on the embedded PostgreSQL, and loading a dataset into them.

In demo mode the SIS and partner databases are created exactly as
``contracts/*.sql`` define them; a dataset (CSV files named ``<source>_<table>.csv``
plus a ``landing/co`` folder) is loaded into them the way the systems would hold it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from psycopg import sql

from florwork import config, contracts, warehouse


def create_sources() -> None:
    """Create the source databases and schemas (embedded mode only)."""
    for source in contracts.DATABASE_SOURCES:
        with warehouse.connect(contracts.conn_id(source), autocommit=True) as conn:
            warehouse.create_source_schema(conn, source)


BUDGET_OFFICE_SEEDS = ("budget_targets.csv", "reinvestment_rules.csv", "theoretical_costs.csv", "piao_targets.csv")


def load_dataset(folder: Path) -> dict:
    """Load a dataset's CSV files into the sources, copy its CO files to the landing folder
    and its budget office seeds (when it has targets) to the state folder's seeds.

    Rows already present (same primary key) are left as they are, so loading twice adds
    nothing.
    """
    counts = {}
    for source in contracts.DATABASE_SOURCES:
        with warehouse.connect(contracts.conn_id(source)) as conn:
            for table in contracts.tables(source):
                path = folder / f"{source}_{table.name}.csv"
                if not path.exists():
                    continue
                target = sql.Identifier(source, table.name)
                conn.execute(sql.SQL("create temp table _incoming (like {}) on commit drop").format(target))
                with (
                    path.open("rb") as handle,
                    conn.cursor().copy("copy _incoming from stdin with (format csv, header true)") as cp,
                ):
                    for chunk in iter(lambda: handle.read(1 << 16), b""):
                        cp.write(chunk)
                inserted = conn.execute(
                    sql.SQL("insert into {} select * from _incoming on conflict ({}) do nothing").format(
                        target, sql.Identifier(table.primary_key)
                    )
                ).rowcount
                conn.commit()
                counts[table.qualified] = inserted
    co = folder / "landing" / "co"
    if co.exists():
        target = config.co_landing_dir() / "co"
        target.mkdir(parents=True, exist_ok=True)
        copied = 0
        for path in sorted(co.iterdir()):
            if not (target / path.name).exists():
                shutil.copy2(path, target / path.name)
                copied += 1
        counts["co files"] = copied
    if (folder / "budget_targets.csv").exists():
        # The dataset's budget office seeds (targets, rules, costs) replace the
        # repository's for the builds of this state folder, as a generated dataset's do.
        seeds = config.state_dir() / "seeds"
        seeds.mkdir(parents=True, exist_ok=True)
        for name in BUDGET_OFFICE_SEEDS:
            if (folder / name).exists():
                shutil.copyfile(folder / name, seeds / name)
                counts[f"seed {name}"] = 1
    return counts
