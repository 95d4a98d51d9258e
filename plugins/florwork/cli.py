"""The `florwork` command: set up, run and inspect the platform.

florwork up                      start the embedded PostgreSQL (demo mode) and bootstrap
florwork down                    stop the embedded PostgreSQL
florwork generate --scale S --seed N --through YYYY-MM
                                 fill the source systems with a synthetic population
florwork load-demo               load the worked example of docs/method.md §5 into the source systems
florwork run --through YYYY-MM   run the DAGs for every month not yet run, in order (one run at a
                                 time: waits for another, or exits with --no-wait)
florwork status                  months run, last figures, reconciliation, reports
florwork budget [--year YYYY]    print the budget table from marts.budget_monthly
florwork demo                    up + generate the demo scale + run through its last month
florwork airflow ARGS...         any airflow command with the platform's settings
florwork rekey --yes             change the pseudonymisation key on purpose, rebuild the warehouse
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from datetime import datetime
from pathlib import Path

from florwork import config, months

DEMO_DATASET = Path(__file__).parent / "demo" / "savings_example"
# The worked example of docs/method.md §5 with a few partner rows for the same five people.
DEMO_EXTRA = Path(__file__).parent / "demo" / "partner"


def _err(message: str) -> int:
    print(f"florwork: error: {message}", file=sys.stderr)
    return 1


def cmd_up(args) -> int:
    from florwork import airflow_env, embedded, sources, warehouse

    if config.uses_embedded():
        state = embedded.up()
        print(f"Embedded PostgreSQL on {state['host']}:{state['port']} (data in {state['pgdata']})")
        import psycopg

        with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
            for database in (*config.EMBEDDED_DATABASES.values(), config.AIRFLOW_DATABASE):
                if warehouse.create_database(admin, database):
                    print(f"  created database {database}")
        sources.create_sources()
        config.co_landing_dir().joinpath("co").mkdir(parents=True, exist_ok=True)
    with warehouse.connect("warehouse") as wh:
        warehouse.bootstrap(wh)
    airflow_env.migrate()
    from florwork import dag_defaults, runner

    runner.create_pools()
    print(f"Warehouse ready; Airflow metadata migrated (AIRFLOW_HOME={airflow_env.configure()['AIRFLOW_HOME']})")
    print(
        "Airflow pools capping the queries on each source: "
        + ", ".join(f"{name} ({pool['slots']} slots)" for name, pool in dag_defaults.pools().items())
    )
    print(f"CO landing folder: {config.co_landing_dir() / 'co'}")
    return 0


def cmd_down(args) -> int:
    from florwork import embedded

    if not config.uses_embedded():
        return _err("AIRFLOW_CONN_WAREHOUSE is set: the platform does not own that server, so it does not stop it")
    print("Embedded PostgreSQL stopped." if embedded.down() else "Embedded PostgreSQL was not running.")
    return 0


def cmd_load_demo(args) -> int:
    from florwork import sources

    if not config.uses_embedded() and not args.force:
        return _err(
            "refusing to load demo data into real sources (AIRFLOW_CONN_WAREHOUSE is set); "
            "use --force for a test system"
        )
    counts = sources.load_dataset(Path(args.dataset))
    if Path(args.dataset) == DEMO_DATASET:
        counts.update(sources.load_dataset(DEMO_EXTRA))
    print(f"(the dataset's budget targets and rules, if it has them, are in {config.state_dir() / 'seeds'})")
    for name, count in counts.items():
        print(f"  {name}: {count} new")
    return 0


def cmd_run(args, print_table: bool = True, before_month=None) -> int:
    from florwork import airflow_env

    through = months.parse_month(args.through)
    if config.uses_embedded():
        from florwork import embedded

        if not embedded.is_running():
            return _err("the embedded PostgreSQL is not running: run `.venv/bin/florwork up` first")
    config.pseudonymisation_key()  # refuse early outside demo mode without a key
    airflow_env.configure()
    from florwork import runner

    log_path = None
    if not args.verbose:
        log_dir = config.state_dir() / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    results = runner.run(
        through,
        progress=lambda line: print(line, flush=True),
        log_path=log_path,
        before_month=before_month,
        wait=not getattr(args, "no_wait", False),
    )
    if results:
        print(f"Ran {len(results)} month(s) in {sum(r.seconds for r in results):.1f} s")
    if print_table:
        print_budget(through.year)
    return 0


DEMO_SEED = 42
DEMO_THROUGH = "2025-12"


def cmd_generate(args) -> int:
    from florwork.generate import write

    if not config.uses_embedded() and not args.force:
        return _err(
            "refusing to generate synthetic data into real sources (AIRFLOW_CONN_WAREHOUSE is set); "
            "use --force for a test system"
        )
    dirt = {} if not args.clean else {k: 0.0 for k in write.DIRT_DEFAULTS}
    if args.dirt:
        import json

        dirt.update(json.loads(args.dirt))
    print(f"Generating the {args.scale} scale (seed {args.seed}) through {args.through}:")
    state = write.generate(
        args.scale, args.seed, months.parse_month(args.through), dirt, progress=lambda line: print(line, flush=True)
    )
    if state.get("unchanged"):
        return 0
    for name, count in state["rows_written"].items():
        print(f"  {name}: {count:,} rows written" if name != "co files" else f"  {name}: {count:,} new files")
    print(f"  in {state['seconds']} s; budget targets and rules in {write.seeds_dir()}")
    return 0


def cmd_demo(args) -> int:
    """Set everything up and run the demo scale month by month through its last month.

    The sources fill up as the real systems do: before each month is run, the
    generator adds what happened in it (new rows, changed rows, new CO files).
    """
    from florwork.generate.simulate import SCALES

    if not config.uses_embedded():
        return _err("`florwork demo` runs on the embedded PostgreSQL only; unset AIRFLOW_CONN_WAREHOUSE")
    cmd_up(args)
    args.scale, args.seed, args.clean, args.dirt, args.force = "demo", DEMO_SEED, False, None, False

    def generate_month(month) -> None:
        args.through = f"{month:%Y-%m}"
        if cmd_generate(args):
            raise RuntimeError(f"generating {month:%Y-%m} failed")

    generate_month(SCALES["demo"].target_months[0])  # writes the demo's seeds first
    args.through = DEMO_THROUGH
    return cmd_run(args, before_month=generate_month)


def print_budget(year: int | None = None) -> None:
    from florwork import warehouse

    with warehouse.connect("warehouse", autocommit=True) as wh:
        exists = wh.execute("select to_regclass('marts.budget_monthly')").fetchone()[0]
        if not exists:
            print("No budget yet: run `florwork run --through YYYY-MM`.")
            return
        if year is None:
            year = wh.execute("select max(budget_year) from marts.budget_monthly").fetchone()[0]
        rows = wh.execute(
            "select programme, month, realised_savings_eur, expected_savings_eur, realised_savings_ytd_eur, "
            "expected_savings_ytd_eur, r_ytd, tier, reinvest_efficiency_eur, reinvest_innovation_eur, "
            "not_reinvested_eur from marts.budget_monthly where budget_year = %s order by programme, month",
            (year,),
        ).fetchall()
    header = (
        "programme",
        "month",
        "realised",
        "expected",
        "realised YTD",
        "expected YTD",
        "R YTD",
        "tier",
        "efficiency",
        "innovation",
        "not reinvested",
    )
    table = [header] + [
        (
            r[0],
            f"{r[1]:%Y-%m}",
            *(f"{v:,.2f}" for v in r[2:6]),
            "-" if r[6] is None else f"{r[6]:.4f}",
            r[7] or "-",
            *(f"{v:,.2f}" for v in r[8:11]),
        )
        for r in rows
    ]
    print(f"\nBudget {year} (marts.budget_monthly, euros):")
    _print_table(table, left=2)
    reports = sorted(config.reports_dir().glob("*/budget_*.html"))
    if reports:
        print(f"\nReport of the latest run: {reports[-1]}")
    print_programme()


def _print_table(table: list[tuple], left: int = 1) -> None:
    """Rows under a header, aligned: the first ``left`` columns to the left, numbers right."""
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        cells = (str(v).rjust(w) if j >= left else str(v).ljust(w) for j, (v, w) in enumerate(zip(row, widths)))
        print("  " + "  ".join(cells))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def print_programme() -> None:
    """Bologna's Insieme per il lavoro as its marts publish it (when the city runs it)."""
    from florwork import warehouse

    if not config.source_configured("ipl"):
        return
    with warehouse.connect("warehouse", autocommit=True) as wh:
        if not wh.execute("select to_regclass('marts.ipl_results')").fetchone()[0]:
            return
        years = wh.execute(
            "select year, people_applied, people_in_target, people_hired, people_in_internship, "
            "people_self_employed, spent_eur, cost_per_person_into_work_eur from marts.ipl_results order by year"
        ).fetchall()
        board = wh.execute(
            "select joining_channel, companies_active, companies_left, openings, people_hired "
            "from marts.ipl_company_board order by companies_active desc, joining_channel"
        ).fetchall()
        funnel = wh.execute(
            "select project_type, submitted, waiting, under_evaluation, not_eligible, approved_or_funded, "
            "jobs_created from marts.ipl_projects_funnel order by project_type"
        ).fetchall()
        known = wh.execute(
            "select count(*), count(*) filter (where known_to_social_services) from marts.ipl_journeys"
        ).fetchone()
    if not years:
        return

    def money(value) -> str:
        return "-" if value is None else f"{value:,.2f}"

    print(f"\nInsieme per il lavoro (Bologna): {known[0]:,} people applied, {known[1]:,} known to social services")
    _print_table(
        [("year", "applied", "in target", "hired", "internship", "self-employed", "spent", "per person into work")]
        + [(*r[:6], money(r[6]), money(r[7])) for r in years]
    )
    print("\n  The board of companies (marts.ipl_company_board):")
    _print_table([("joining channel", "active", "left", "openings", "people hired")] + board)
    print("\n  Projects (marts.ipl_projects_funnel):")
    _print_table([("type", "submitted", "waiting", "evaluation", "not eligible", "approved", "jobs")] + funnel)
    pages = sorted(config.reports_dir().glob("*/insieme_per_il_lavoro.html"))
    if pages:
        print(f"\nThe programme's page: {pages[-1]}")


def _section(title: str, lines: list[str], empty: str) -> None:
    print(title)
    for line in lines or [empty]:
        print(f"  {line}")


def cmd_status(args) -> int:
    from florwork import freshness, platform_lock, warehouse

    with warehouse.connect("warehouse", autocommit=True) as wh:
        warehouse.bootstrap_once()
        done = wh.execute(
            "select month, status, finished_at, message from ops.pipeline_months order by month"
        ).fetchall()
        _section(
            "Months run:",
            [
                f"{month:%Y-%m}  {status:<8} {finished or ''} {message or ''}"
                for month, status, finished, message in done
            ],
            "none yet",
        )
        rows = wh.execute(
            "select source_object, count(*), sum(rows_received), sum(rows_loaded), sum(rows_duplicate), "
            "sum(rows_quarantined), sum(coalesce(rows_released, 0)), "
            "bool_and(rows_received = rows_loaded + rows_duplicate + rows_quarantined) "
            "from ops.batches where status = 'done' and source <> 'co' group by source_object "
            "union all select 'co files', count(*), sum(rows_received), sum(rows_loaded), sum(rows_duplicate), "
            "sum(rows_quarantined), sum(coalesce(rows_released, 0)), "
            "bool_and(rows_received = rows_loaded + rows_duplicate + rows_quarantined) "
            "from ops.batches where status = 'done' and source = 'co' order by 1"
        ).fetchall()
        lines = []
        for name, n, *counts, ok in rows:
            rec, loaded, dup, quar, released = (c or 0 for c in counts)
            lines.append(
                f"{name:<22} batches {n:>4}  received {rec:>8}  loaded {loaded:>8}  "
                f"duplicate {dup:>6}  quarantined {quar:>5}  released {released:>4}  "
                f"{'OK' if ok or ok is None else 'MISMATCH'}"
            )
        _section("\nReconciliation (rows received = loaded + duplicate + quarantined), per source:", lines, "none yet")
        not_loaded = wh.execute(
            "select what, source_object, items, reason from ops.not_loaded "
            "order by what <> 'batch failed', what <> 'file rejected', what, source_object, reason"
        ).fetchall()
        _section(
            "\nNot loaded (ops.not_loaded; the rows are in quarantine.source_rows and quarantine.co_rows):",
            [f"{what:<28} {name:<28} {items:>6}  {reason}" for what, name, items, reason in not_loaded],
            "nothing",
        )
        _section(
            "\nSource freshness at the latest build (ops.source_freshness; thresholds: FLORWORK_FRESHNESS):",
            [f"{f.status:<11} {f.describe()}" for f in freshness.latest(wh)],
            "not checked yet",
        )
        warned = wh.execute(
            "select test_warnings from ops.warehouse_builds where test_warnings is not null "
            "order by build_id desc limit 1"
        ).fetchone()
        _section(
            "\ndbt tests at severity warn that found rows in the latest build (why each warns: its meta.warn_because):",
            [f"{name:<60} {rows:>6} rows" for name, rows in sorted((warned[0] if warned else {}).items())],
            "none" if warned else "no build yet",
        )
        holders = platform_lock.holders(wh)
        if holders:
            print(f"\nRunning now: {platform_lock.describe(holders)}")
        latest = wh.execute(
            "select programme, month, r_ytd, tier, realised_savings_ytd_eur, expected_savings_ytd_eur, "
            "published_at, run_id "
            "from marts.budget_runs_latest order by month desc, programme limit 5"
        ).fetchall()
        without_pdf = [
            m
            for (m,) in wh.execute(
                "select distinct month from marts.budget_runs_latest where report_pdf_missing is not null order by 1"
            )
        ]
    print("\nLatest published figures (marts.budget_runs_latest):")
    for p, m, r, tier, s, e, at, run_id in latest:
        print(
            f"  {p} {m:%Y-%m}: R {r if r is not None else '-'} tier {tier or '-'} (S {s}, E {e}) "
            f"run {run_id} at {at:%Y-%m-%d %H:%M}"
        )
    if not latest:
        print("  none yet")
    reports = sorted(config.reports_dir().glob("*/budget_*.html"))
    print(f"\nReports: {config.reports_dir()}" + (f" (latest: {reports[-1]})" if reports else " (none yet)"))
    from florwork import quality, report, transform

    cannot = report.pdf_unavailable()
    if cannot:
        print(f"PDF: this machine cannot write it ({cannot}); the HTML and CSV are written")
    if without_pdf:
        print(f"Published without PDF: {', '.join(f'{m:%Y-%m}' for m in without_pdf)}")
    if cannot or without_pdf:
        print(f"To get the PDF: {report.PDF_HOW_TO}")

    site = transform.docs_site()
    print(f"Data dictionary (dbt's docs site): {site if site.exists() else 'after the first build'}")
    docs = quality.data_docs_index()
    print(f"Validation results: ops.validation_results; GX data docs: {docs if docs.exists() else 'none yet'}")
    return 0


def cmd_budget(args) -> int:
    print_budget(args.year)
    return 0


def cmd_rekey(args) -> int:
    """Change the pseudonymisation key on purpose: every person_key changes."""
    from florwork import airflow_env, budget, transform, warehouse

    if not args.yes:
        return _err(
            "re-keying changes every person_key in staging and the marts; "
            "BI extracts keyed on the old values stop matching. Run again with --yes to proceed."
        )
    key = config.pseudonymisation_key()
    with warehouse.connect("warehouse") as wh:
        warehouse.bootstrap_schema(wh)
        warehouse.install_key(wh, key, rekey=True)
    build = budget.latest_build()
    if build:
        airflow_env.configure()
        transform.run_dbt("build", build["through_month"])
        print(f"Key changed; warehouse rebuilt through {build['through_month']:%Y-%m} with the new person_key.")
    else:
        print("Key changed; nothing was built yet.")
    return 0


def cmd_airflow(args) -> int:
    """Run an `airflow` command with the platform's settings (e.g. `standalone`)."""
    import os

    from florwork import airflow_env

    airflow_env.migrate()
    binary = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    if args.airflow_args[:1] == ["standalone"]:
        os.environ.setdefault("AIRFLOW__API__PORT", "8080")
        os.environ.setdefault("AIRFLOW__API__BASE_URL", f"http://localhost:{os.environ['AIRFLOW__API__PORT']}")
        os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
        print(f"Airflow UI on {os.environ['AIRFLOW__API__BASE_URL']} (login details are printed by Airflow below)")
    os.execv(binary, [binary, *args.airflow_args])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="florwork", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show the platform's own log")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the embedded PostgreSQL and bootstrap").set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the embedded PostgreSQL").set_defaults(func=cmd_down)
    demo = sub.add_parser("load-demo", help="load the demo dataset into the source systems")
    demo.add_argument("--dataset", default=str(DEMO_DATASET))
    demo.add_argument("--force", action="store_true")
    demo.set_defaults(func=cmd_load_demo)
    sub.add_parser("demo", help="up, generate the demo scale, run it through its last month").set_defaults(
        func=cmd_demo
    )
    gen = sub.add_parser("generate", help="fill the source systems with a synthetic population")
    gen.add_argument("--scale", choices=["demo", "city", "region"], default="demo")
    gen.add_argument("--seed", type=int, default=DEMO_SEED)
    gen.add_argument("--through", required=True, metavar="YYYY-MM")
    gen.add_argument("--clean", action="store_true", help="no dirt at all")
    gen.add_argument("--dirt", help="JSON rates overriding the defaults, e.g. '{\"co_bad_cf\": 0.05}'")
    gen.add_argument("--force", action="store_true")
    gen.set_defaults(func=cmd_generate)
    run = sub.add_parser("run", help="run the pipeline for every month not yet run")
    run.add_argument("--through", required=True, metavar="YYYY-MM")
    run.add_argument(
        "--no-wait", action="store_true", help="exit (status 75) instead of waiting when another run holds the platform"
    )
    run.set_defaults(func=cmd_run)
    airflow = sub.add_parser("airflow", help="run an airflow command with the platform's settings")
    airflow.add_argument("airflow_args", nargs=argparse.REMAINDER)
    airflow.set_defaults(func=cmd_airflow)
    rekey = sub.add_parser("rekey", help="change the pseudonymisation key on purpose and rebuild")
    rekey.add_argument("--yes", action="store_true")
    rekey.set_defaults(func=cmd_rekey)
    sub.add_parser("status", help="months run, reconciliation, latest figures").set_defaults(func=cmd_status)
    budget = sub.add_parser("budget", help="print the budget table")
    budget.add_argument("--year", type=int)
    budget.set_defaults(func=cmd_budget)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # platformdirs (through pgserver) warns when XDG_RUNTIME_DIR is unset, as on CI.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from florwork.errors import FlorworkError, PlatformBusy

    try:
        return args.func(args)
    except PlatformBusy as exc:  # nothing failed: try again later (sysexits' EX_TEMPFAIL)
        _err(str(exc))
        return 75
    except FlorworkError as exc:  # the message says what failed and what to do
        return _err(str(exc))


if __name__ == "__main__":
    sys.exit(main())
