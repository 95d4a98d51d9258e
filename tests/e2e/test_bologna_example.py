"""Bologna's worked example (plugins/florwork/demo/bologna, docs/method.md §8) through the
real pipeline: the sources → Airflow (dag.test: the four extraction DAGs, the build, the
budget run) → Great Expectations → dbt build → the ipl_* marts, compared with the figures
worked out by hand in expected/*.csv. Nine applicants: the README there tells each story
(a duplicate flagged and one not, a re-interview that changes the outcome, a hiring
before the first interview that does not count, a company that left, a reversed expense,
a sole trader on the board, a mistyped CF)."""

from __future__ import annotations

import csv

import pytest
from conftest import ROOT, fresh_platform, open_in_chromium, query
from florwork import months, runner, sources

EXAMPLE = ROOT / "plugins" / "florwork" / "demo" / "bologna"
THROUGH = months.parse_month("2025-12")
MARTS = sorted(p.stem for p in (EXAMPLE / "expected").glob("*.csv"))


def expected(mart: str) -> list[dict]:
    with (EXAMPLE / "expected" / f"{mart}.csv").open() as handle:
        return list(csv.DictReader(handle))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture(scope="module")
def bologna_run(embedded_server, tmp_path_factory, monkeypatch_module):
    fresh_platform()
    loaded = sources.load_dataset(EXAMPLE)
    # one month is enough: every row of the example is dated in 2025, and December's run
    # extracts everything up to the end of December and builds through it
    monkeypatch_module.setenv("FLORWORK_START_MONTH", "2025-12")
    runner.run(THROUGH, progress=print, log_path=tmp_path_factory.mktemp("logs") / "run.log")
    return loaded


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def names_by_person_key() -> dict[str, str]:
    """The example names each applicant; the marts carry person_key: match on the CF."""
    with (EXAMPLE / "ipl_candidature.csv").open() as handle:
        cfs = {row["codice_fiscale"]: row["nome"] for row in csv.DictReader(handle)}
    keys = dict(query("warehouse", "select ops.person_key(cf), cf from unnest(%s::text[]) cf", (list(cfs),)))
    return {key: cfs[cf] for key, cf in keys.items()}


@pytest.mark.parametrize("mart", MARTS)
def test_every_published_figure_equals_the_worked_example(bologna_run, mart):
    rows = expected(mart)
    columns = [c for c in rows[0] if c != "applicant"]
    if mart == "ipl_journeys":
        names = names_by_person_key()
        published = query("warehouse", f"select person_key, {', '.join(columns)} from marts.{mart}")
        got = [{"applicant": names[row[0]], **dict(zip(columns, map(_text, row[1:])))} for row in published]
        columns = ["applicant", *columns]
    else:
        published = query("warehouse", f"select {', '.join(columns)} from marts.{mart}")
        got = [dict(zip(columns, map(_text, row))) for row in published]
    if mart == "ipl_applicants_by_group":
        # the example works out the gender breakdown; the other dimensions are checked below
        got = [r for r in got if r["dimension"] == "gender"]
    key = sorted(columns)
    assert sorted(got, key=lambda r: [r[k] for k in key]) == sorted(rows, key=lambda r: [r[k] for k in key])


def test_the_mistyped_cf_is_quarantined_and_nobody_is_lost(bologna_run):
    received = query(
        "warehouse",
        "select sum(rows_received), sum(rows_loaded), sum(rows_quarantined), "
        "sum(rows_duplicate) from ops.batches where source_object = 'ipl.candidature'",
    )
    assert received == [(12, 11, 1, 0)]
    (reasons,) = query(
        "warehouse", "select reasons from quarantine.source_rows where source_object = 'ipl.candidature'"
    )
    assert reasons == (["codice fiscale fails its check character"],)


def test_every_applicant_dimension_is_suppressed_complementarily(bologna_run):
    """Nine people: no cell of any dimension may be published under 5, and no breakdown
    may have exactly one suppressed cell."""
    rows = query("warehouse", "select dimension, group_value, people, suppressed from marts.ipl_applicants_by_group")
    assert {r[0] for r in rows} == {"age_band", "gender", "education", "municipality", "referring_body"}
    for dimension in {r[0] for r in rows}:
        cells = [r for r in rows if r[0] == dimension]
        assert all(r[2] is None or r[2] >= 5 for r in cells), cells
        assert sum(1 for r in cells if r[2] is None) != 1, cells


def test_no_applicant_name_birth_date_note_or_sole_trader_name_leaves_raw(bologna_run):
    with (EXAMPLE / "ipl_candidature.csv").open() as handle:
        applicants = list(csv.DictReader(handle))
    secrets = (
        {a["codice_fiscale"] for a in applicants}
        | {a["cognome"] for a in applicants}
        | {a["note"] for a in applicants if a["note"]}
    )
    with (EXAMPLE / "ipl_aziende.csv").open() as handle:
        secrets |= {c["denominazione"] for c in csv.DictReader(handle) if len(c["cf_azienda"]) == 16}
    columns = query(
        "warehouse",
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts', 'marts_restricted') "
        "and data_type in ('text', 'character varying', 'character')",
    )
    found = []
    for schema, table, column in columns:
        hits = query(
            "warehouse", f'select count(*) from "{schema}"."{table}" where "{column}" = any(%s)', (sorted(secrets),)
        )
        if hits[0][0]:
            found.append(f"{schema}.{table}.{column}")
    assert not found
    birth = query(
        "warehouse",
        "select count(*) from information_schema.columns where table_schema in "
        "('staging', 'intermediate', 'marts') and column_name in ('data_nascita', 'birth_date')",
    )
    assert birth == [(0,)]


def test_bi_reader_reads_the_bologna_marts(bologna_run):
    granted = query(
        "warehouse",
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relname like 'ipl%' and c.relkind in ('r', 'v') "
        "and has_table_privilege('bi_reader', c.oid, 'select')",
    )
    assert sorted(r[0] for r in granted) == MARTS


def test_a_second_run_changes_nothing(bologna_run, tmp_path):
    """December run again (its record removed, as an operator would to rerun it): every
    DAG runs, nothing new is loaded, and the marts are the same."""
    before = {m: query("warehouse", f"select * from marts.{m} order by 1, 2") for m in MARTS}
    loads = query("warehouse", "select count(*) from ops.batches where source = 'ipl' and rows_loaded > 0")
    query("warehouse", "delete from ops.pipeline_months where month = %s returning month", (THROUGH,))
    assert [r.month for r in runner.run(THROUGH, progress=print, log_path=tmp_path / "again.log")] == [THROUGH]
    assert {m: query("warehouse", f"select * from marts.{m} order by 1, 2") for m in MARTS} == before
    assert query("warehouse", "select count(*) from ops.batches where source = 'ipl' and rows_loaded > 0") == loads


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_programme_page_shows_the_figures_in_a_real_browser(bologna_run, tmp_path, monkeypatch, lang):
    """The page the run wrote beside December's budget report, rendered again in each
    language and opened in headless Chromium: the headline, the charts, the suppressed
    profile, the board, the projects funnel and the fund, and a CSV of every figure."""
    from florwork import config, ipl_report

    folder = config.reports_dir() / "2025-12"
    assert (folder / "insieme_per_il_lavoro.html").exists()  # written by the run (transform_warehouse)
    monkeypatch.setenv("FLORWORK_REPORT_LANGUAGE", lang)
    page = ipl_report.render(THROUGH)
    dom = open_in_chromium(page, tmp_path, f"ipl-{lang}").replace("&nbsp;", " ").replace("\u00a0", " ")
    assert f'<html lang="{lang}">' in dom
    headline = {
        "it": "9 persone candidate, 5 in target, 2 assunte dopo il primo colloquio, 1 in autoimpiego.",
        "en": "9 people applied, 5 in target, 2 hired after their first interview, 1 self-employed.",
    }[lang]
    assert headline in dom
    charts = ("chart-applications", "chart-applications-by-body", "chart-interviews", "chart-board", "chart-fund")
    for chart in charts:
        assert f'id="{chart}"' in dom
    # the months' applications by channel and by body, outcomes, active channels, fund lines
    assert dom.count("<rect ") >= 10 + 10 + 5 + 2 + 2
    body_chart = dom[
        dom.index('id="chart-applications-by-body"') : dom.index("</svg>", dom.index('id="chart-applications-by-body"'))
    ]
    assert "CARITAS_PARROCCHIE" in body_chart and "SERVIZI_SOCIALI" in body_chart  # the segments' tooltips
    assert dom.count('class="suppressed"') >= 4  # the gender breakdown: both cells and their shares
    board = dom[dom.index('id="board"') :]
    assert "CONFINDUSTRIA" in board and "LEGACOOP" in board
    projects = dom[dom.index('id="projects"') :]
    assert ("10.000,00" if lang == "it" else "10,000.00") in projects
    fund = dom[dom.index('id="fund"') :]
    assert ("49.550,00" if lang == "it" else "49,550.00") in fund
    rows = list(csv.DictReader((folder / "insieme_per_il_lavoro_2025-12.csv").open()))
    assert {r["section"] for r in rows} == set(ipl_report.TABLES)
    funded = [r for r in rows if r["section"] == "projects" and r["keys"] == "project_type=AUTOIMPIEGO"]
    assert {r["measure"]: r["value"] for r in funded}["amount_funded_eur"] == "10000.00"
    suppressed = [r for r in rows if r["section"] == "profile" and r["keys"].startswith("dimension=gender")]
    assert {r["value"] for r in suppressed if r["measure"] == "people"} == {""}
