"""The monthly budget run: publish a month's figures to marts.budget_runs, append-only.

The figures are computed once, by dbt, in ``marts.budget_monthly``; this module only
copies the month's rows into the append-only ledger, with the run's provenance (data
cutoff, rule version, code version), when they differ from what was last published.
"""

from __future__ import annotations

import csv
import logging
import os
import subprocess
from datetime import date
from functools import cache

from psycopg.types.json import Jsonb

from florwork import __version__, config, months, transform, warehouse
from florwork.errors import NoTargets

log = logging.getLogger(__name__)

FIGURES = (
    "programme",
    "budget_year",
    "month",
    "realised_savings_eur",
    "expected_savings_eur",
    "realised_savings_ytd_eur",
    "expected_savings_ytd_eur",
    "r_ytd",
    "tier",
    "reinvest_efficiency_eur",
    "reinvest_innovation_eur",
    "not_reinvested_eur",
    "rule_version",
    "participants_with_savings",
)
COMPARED = FIGURES[3:]


def target_months() -> set[date]:
    """The months with a budget target in ``budget_targets.csv``, the file dbt loads."""
    path = transform.seed_sources()["budget_targets.csv"]
    with path.open() as handle:
        return {date.fromisoformat(row["month"]) for row in csv.DictReader(handle)}


def first_budget_month() -> date:
    """The first month with a budget target (``FLORWORK_START_MONTH`` overrides it): where
    `florwork run` starts and the budget DAG's schedule begins."""
    if os.environ.get("FLORWORK_START_MONTH"):
        return months.parse_month(os.environ["FLORWORK_START_MONTH"])
    targets = target_months()
    if not targets:
        raise NoTargets(
            f"{transform.seed_sources()['budget_targets.csv']} has no budget target: "
            "nothing tells which month to start from"
        )
    return min(targets)


@cache
def code_version() -> str:
    try:
        sha = subprocess.run(
            ["git", "-C", str(config.project_root()), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        return f"{__version__}+{sha}"
    except (OSError, subprocess.SubprocessError):
        return __version__


def latest_build() -> dict | None:
    """The latest successful warehouse build: its data cutoff and month."""
    with warehouse.connect("warehouse", autocommit=True) as wh:
        row = wh.execute(
            "select data_cutoff, through_month from ops.warehouse_builds order by build_id desc limit 1"
        ).fetchone()
    return {"data_cutoff": row[0], "through_month": row[1]} if row else None


def publish(month: date, data_cutoff, airflow_run_id: str | None = None, pdf_missing: str | None = None) -> list[dict]:
    """Append the month's figures to marts.budget_runs where they changed; return them.
    ``pdf_missing`` says why the report will have no PDF (recorded with the run)."""
    # A month with no rule in force never gets here: the dbt test
    # rule_in_force_for_every_budget_month stops the warehouse build first.
    published = []
    seeds = Jsonb(transform.seed_fingerprints())
    with warehouse.connect("warehouse", role=config.component_role("transformer")) as wh:
        wh.execute("select pg_advisory_xact_lock(hashtext('florwork.publish_budget'))")
        columns = ", ".join(FIGURES)
        rows = wh.execute(
            f"select {columns} from marts.budget_monthly where month = %s order by programme", (month,)
        ).fetchall()
        for row in rows:
            figures = dict(zip(FIGURES, row))
            latest = wh.execute(
                f"select run_id, {', '.join(COMPARED)} from marts.budget_runs "
                "where programme = %s and month = %s order by run_id desc limit 1",
                (figures["programme"], month),
            ).fetchone()
            if latest and tuple(latest[1:]) == tuple(figures[c] for c in COMPARED):
                published.append({**figures, "run_id": latest[0], "status": "unchanged"})
                continue
            run_id = wh.execute(
                f"insert into marts.budget_runs ({columns}, supersedes_run_id, data_cutoff, code_version, "
                f"airflow_run_id, seed_fingerprints, report_pdf_missing) "
                f"values ({', '.join(['%s'] * len(FIGURES))}, %s, %s, %s, %s, %s, %s) returning run_id",
                (*row, latest[0] if latest else None, data_cutoff, code_version(), airflow_run_id, seeds, pdf_missing),
            ).fetchone()[0]
            published.append(
                {
                    **figures,
                    "run_id": run_id,
                    "status": "superseding" if latest else "published",
                    "supersedes_run_id": latest[0] if latest else None,
                }
            )
            if figures["r_ytd"] is None:
                log.warning(
                    "%s %s: R is null because the expected savings year to date are 0", figures["programme"], month
                )
        wh.commit()
    if not rows:
        log.warning("no budget target for %s: nothing to publish", month)
    return published
