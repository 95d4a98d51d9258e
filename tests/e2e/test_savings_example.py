"""The worked example of docs/method.md §5 through the real pipeline: sources → Airflow (dag.test)
→ Great Expectations → dbt build → marts, month by month, compared column by column
with the figures computed independently in ../shared/examples/savings."""

import csv
import json
import re

import psycopg
import pytest
from conftest import EXAMPLE, fresh_platform, open_in_chromium, query
from florwork import budget, months, runner, sources, transform

THROUGH = months.parse_month("2025-12")


def expected_rows():
    with (EXAMPLE / "expected_budget_monthly.csv").open() as handle:
        return list(csv.DictReader(handle))


def published(table: str) -> list[dict]:
    cols = list(expected_rows()[0])
    rows = query("warehouse", f"select {', '.join(cols)} from {table} order by programme, month")
    return [dict(zip(cols, map(str, row))) for row in rows]


@pytest.fixture(scope="module")
def example_run(embedded_server, tmp_path_factory):
    platform = fresh_platform()
    sources.load_dataset(EXAMPLE)
    sources.load_dataset(EXAMPLE.parent / "partner")  # the same five people in the partner's platform
    log = tmp_path_factory.mktemp("logs") / "run.log"
    ran = runner.run(THROUGH, progress=print, log_path=log)
    AFTER_THE_RUN["parse kept"] = transform.parse_key() in transform._parsed
    return platform, ran, log


AFTER_THE_RUN: dict = {}


def test_every_month_runs_once_in_order(example_run):
    _, ran, _ = example_run
    assert [r.month.isoformat() for r in ran] == [f"2025-{m:02d}-01" for m in range(1, 13)]
    assert query("warehouse", "select count(*) from ops.pipeline_months where status = 'done'") == [(12,)]


def test_budget_monthly_equals_the_worked_example(example_run):
    assert published("marts.budget_monthly") == expected_rows()


def test_each_run_published_the_example_figures(example_run):
    # Every input of the example arrives in the month it is about, so each monthly run
    # published, with the data known then, the same figures.
    assert published("marts.budget_runs") == expected_rows()
    assert query("warehouse", "select count(*) from marts.budget_runs where supersedes_run_id is not null") == [(0,)]
    assert query(
        "warehouse",
        "select distinct rule_version, code_version <> '', "
        "data_cutoff = (month + interval '1 month')::timestamp at time zone 'Europe/Rome' "
        "from marts.budget_runs",
    ) == [("2024-1", True, True)]


def test_the_example_runs_on_its_own_seeds(example_run):
    """The example's targets and rule, not the repository's seeds: a city editing
    dbt_project/seeds changes nothing here."""
    import hashlib

    platform, _, _ = example_run
    assert platform.seeds_dir() == platform.state_dir() / "seeds"  # copied there by load_dataset
    (fingerprints,) = {row[0] for row in query("warehouse", "select seed_fingerprints::text from marts.budget_runs")}
    recorded = json.loads(fingerprints)
    for name in ("budget_targets.csv", "reinvestment_rules.csv"):
        assert recorded[name] == hashlib.sha256((EXAMPLE / name).read_bytes()).hexdigest(), name


def test_the_clean_example_warns_nothing(example_run):
    """The tests at severity warn stand for dirt in real deliveries; the example has none,
    so any row they find is a broken relationship in the models."""
    builds = query("warehouse", "select test_warnings from ops.warehouse_builds where outcome = 'built'")
    assert builds and all(warnings == {} for (warnings,) in builds), builds


def test_the_monthly_builds_leave_the_unit_tests_out(example_run):
    """They run on their own: tests/rules/test_dbt_rules.py (`make test-rules`)."""
    platform, _, _ = example_run
    target = platform.state_dir() / "dbt" / "target"
    built = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    assert [u for u in built if u.startswith("model.")] and not [u for u in built if u.startswith("unit_test.")]
    manifest = json.loads((target / "manifest.json").read_text())
    assert len(manifest["unit_tests"]) > 20, "the unit tests are part of the project"


def test_the_monthly_builds_reuse_dbts_parse(example_run):
    """The twelve builds ran in one process: from the second on, dbt's parsed project was
    kept (transform._runner) instead of being read and checked again."""
    assert AFTER_THE_RUN["parse kept"]


def test_the_method_written_plainly_gives_the_example(example_run):
    """tests/reference_savings.py, which checks the marts built from dirty generated data
    (test_generated_pipeline.py), gives the worked example's independent figures."""
    import reference_savings
    from florwork import config, warehouse

    with warehouse.connect("sis_source") as sis, warehouse.connect("warehouse") as wh:
        _, budget_months = reference_savings.compute(sis, wh, config.seeds_dir(), THROUGH)
    computed = [
        [programme, str(month), *("" if value is None else str(value) for value in row[:9]), row[9]]
        for (programme, month), row in sorted(budget_months.items())
    ]
    columns = ("programme", "month", *budget.FIGURES[3:-1])  # the figures the reference computes
    assert computed == [[row[c] for c in columns] for row in expected_rows()]


def test_co_resolution_of_the_example(example_run):
    # Carla's internship is not employment and her cancelled hiring is gone; Elena's
    # hiring carries its corrected start; Bruno's relationship ends at its termination.
    rel = query(
        "warehouse",
        "select count(*) filter (where is_employment), count(*) filter (where is_internship) "
        "from intermediate.int_employment_relationships_resolved",
    )
    assert rel == [(4, 1)]
    assert query(
        "warehouse",
        "select start_date::text, end_date::text from intermediate.int_employment_relationships_resolved "
        "where relationship_id in ('CO900009', 'CO900002') order by relationship_id",
    ) == [("2025-03-20", "2025-08-10"), ("2025-06-16", "2025-12-31")]


def test_every_batch_reconciles(example_run):
    assert query(
        "warehouse",
        "select count(*) from ops.batches where status = 'done' "
        "and rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]
    assert query("warehouse", "select count(*) from raw.co_notices") == [(10,)]


def test_report_of_the_last_run(example_run):
    """Italian by default: Italian numbers ("0,5152", "2.685,00 €" style) and months, the
    reinvestment worded as a ceiling, the PIAO indicator, a CSV and a PDF beside it."""
    platform, _, _ = example_run
    folder = platform.reports_dir() / "2025-12"
    page = (folder / "budget_2025-12.html").read_text()
    assert '<html lang="it">' in page and 'id="chart-r-' in page and 'id="chart-savings-' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id repeats on the page (each programme's charts need their own)"
    assert "0,5152" in page and "dicembre 2025" in page and "fino a" in page and "Indicatore PIAO" in page
    assert "SPEC" not in page and "marts." not in page  # written for the budget office, not engineers
    assert "https://" not in page and "http://" not in page  # nothing from a CDN
    assert (folder / "budget_2025-12.csv").read_text().count("\n") == 13
    assert (folder / "budget_2025-12.pdf").read_bytes().startswith(b"%PDF")


def test_running_again_duplicates_nothing(example_run):
    _, _, log = example_run
    before = query("warehouse", "select count(*) from marts.budget_runs")
    raw_before = query(
        "warehouse",
        "select count(*), md5(string_agg(_row_checksum, ',' order by _row_checksum)) from raw.sis_erogazioni",
    )
    assert runner.run(THROUGH, progress=print, log_path=log) == []
    assert query("warehouse", "select count(*) from marts.budget_runs") == before
    assert (
        query(
            "warehouse",
            "select count(*), md5(string_agg(_row_checksum, ',' order by _row_checksum)) from raw.sis_erogazioni",
        )
        == raw_before
    )
    again = budget.publish(THROUGH, budget.latest_build()["data_cutoff"])
    assert [r["status"] for r in again] == ["unchanged"]
    assert query("warehouse", "select count(*) from marts.budget_runs") == before


def test_published_rows_are_append_only(example_run):
    platform, _, _ = example_run
    with psycopg.connect(platform.connection_uri("warehouse"), autocommit=True) as wh:
        for statement in (
            "update marts.budget_runs set r_ytd = 9 where month = '2025-12-01'",
            "delete from marts.budget_runs where month = '2025-12-01'",
            "truncate marts.budget_runs",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                wh.execute(statement)
    assert published("marts.budget_runs") == expected_rows()


def test_changed_figures_supersede_the_published_ones(example_run):
    platform, _, _ = example_run
    # Late data changes December's recomputed figures (simulated on the mart itself).
    with psycopg.connect(platform.connection_uri("warehouse"), autocommit=True) as wh:
        wh.execute(
            "update marts.budget_monthly set realised_savings_eur = 900, realised_savings_ytd_eur = 10300, "
            "r_ytd = 0.5202, reinvest_efficiency_eur = 300, not_reinvested_eur = 10000 "
            "where month = '2025-12-01'"
        )
    first = query("warehouse", "select run_id from marts.budget_runs where month = '2025-12-01'")[0][0]
    rows = budget.publish(THROUGH, budget.latest_build()["data_cutoff"])
    assert rows[0]["status"] == "superseding" and rows[0]["supersedes_run_id"] == first
    latest = query(
        "warehouse",
        "select run_id, r_ytd::text, supersedes_run_id from marts.budget_runs_latest where month = '2025-12-01'",
    )
    assert latest == [(rows[0]["run_id"], "0.5202", first)]
    assert query("warehouse", "select count(*) from marts.budget_runs where month = '2025-12-01'") == [(2,)]


def test_no_personal_data_outside_raw_and_quarantine(example_run):
    """Scan every table and view outside raw and quarantine for a CF, name or birth date."""
    with (EXAMPLE / "sis_assistiti.csv").open() as handle:
        people = list(csv.DictReader(handle))
    needles = (
        {p["codice_fiscale"] for p in people}
        | {p["cognome"] for p in people}
        | {p["nome"] for p in people}
        | {p["data_nascita"] for p in people}
    )
    relations = query(
        "warehouse",
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in ('raw', 'quarantine', 'pg_catalog', 'information_schema')",
    )
    assert len(relations) > 20
    found = []
    for schema, table in relations:
        text = query("warehouse", f'select coalesce(string_agg(t::text, chr(10)), \'\') from "{schema}"."{table}" t')[
            0
        ][0]
        found += [f"{schema}.{table}: {n}" for n in needles if n in text]
    assert found == []


def test_the_same_cf_gets_one_person_key(example_run):
    """SIS, the CO files and the partner's platform name the five people by CF: one key each."""
    keys = query(
        "warehouse",
        """
        select p.person_key, count(distinct n.notice_id) > 0, count(distinct a.assessment_id) > 0
        from staging.stg_social_services__people p
        left join staging.stg_employment_centres__notices n using (person_key)
        left join staging.stg_partner__assessments a using (person_key)
        group by p.person_key""",
    )
    assert len(keys) == 5 and all(in_co and in_partner for _, in_co, in_partner in keys)


def test_a_bi_login_reads_every_mart_and_nothing_else(example_run):
    platform, _, _ = example_run
    admin = platform.connection_uri("warehouse")
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("drop role if exists bi_test_user")
        wh.execute("create role bi_test_user login")
        wh.execute("grant bi_reader to bi_test_user")
        relations = wh.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema')"
        ).fetchall()
    marts = [r for r in relations if r[0] == "marts"]
    others = [r for r in relations if r[0] != "marts"]
    assert {
        "budget_monthly",
        "budget_runs",
        "budget_runs_latest",
        "fct_journeys",
        "fct_participant_months",
        "programme_funnel",
    } <= {t for _, t in marts}
    assert {s for s, _ in others} >= {"raw", "quarantine", "ops", "staging", "intermediate", "reference"}
    bi_uri = admin.replace("postgresql://postgres@", "postgresql://bi_test_user@")
    with psycopg.connect(bi_uri, autocommit=True) as bi:
        for schema, table in marts:
            bi.execute(f'select * from "{schema}"."{table}" limit 1').fetchall()
        for schema, table in others:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(f'select * from "{schema}"."{table}" limit 1')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select ops.person_key('MMFRDF75C25G846C')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("insert into marts.budget_runs (programme) values ('x')")
    # A mart created later is readable too (default privileges).
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("set role florwork_transformer")
        wh.execute("create table marts.future_mart as select 1 as x")
    with psycopg.connect(bi_uri, autocommit=True) as bi:
        assert bi.execute("select x from marts.future_mart").fetchall() == [(1,)]
    with psycopg.connect(admin, autocommit=True) as wh:
        wh.execute("drop table marts.future_mart")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_report_renders_in_a_real_browser_and_as_pdf(example_run, tmp_path, monkeypatch, lang):
    """In both languages: the page opens in Chromium without a console error, its charts
    have axes with values (R: a point a month; savings: two bars a month), and the PDF of
    the same page carries the same figures (its text extracted)."""
    import pypdf
    from florwork import report

    platform, _, _ = example_run
    monkeypatch.setenv("FLORWORK_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("FLORWORK_REPORT_LANGUAGE", lang)
    page = report.render(THROUGH)
    dom = open_in_chromium(page, tmp_path, lang)
    assert f'<html lang="{lang}">' in dom
    assert dom.count('<circle class="point"') == 12
    assert dom.count('<rect class="bar') == 24
    assert dom.count('class="axis y"') == 2 and dom.count('class="axis x"') == 2
    assert dom.count('<text class="tick"') >= 2 * (12 + 3)  # twelve months and at least three values a chart
    assert 'class="threshold"' in dom
    months_r = [row["r_ytd"] for row in expected_rows()]
    formatted = [r.replace(".", ",") if lang == "it" else r for r in months_r]
    assert all(f in dom for f in formatted)

    text = "".join(p.extract_text() for p in pypdf.PdfReader(page.with_suffix(".pdf")).pages)
    assert all(f in text for f in formatted), "the PDF shows every month's R"
    december = query(
        "warehouse", "select reinvest_efficiency_eur from marts.budget_runs_latest where month = '2025-12-01'"
    )[0][0]
    efficiency = report.Formats(lang).eur(december)
    # Chromium's DOM writes a no-break space as &nbsp;
    assert efficiency.replace("\xa0", "&nbsp;") in dom
    assert efficiency.replace("\xa0", " ") in text.replace("\xa0", " ")
    title = "Risparmi teorici e reinvestimento" if lang == "it" else "Theoretical savings and reinvestment"
    assert title in text
