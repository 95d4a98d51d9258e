"""Hand-made datasets that reproduce the tables each programme published, through the
real pipeline (the sources → Airflow → GX → dbt), in one run: Bologna's 2018 report ("I
numeri") and Florence's hub's own funnel.

Florence's hub reported 56 people met and profiled, 7 in the soft-skills lab, 12 in the
on-the-job lab and 10 "avviate al lavoro in aziende attraverso tirocinio". The dataset:
56 people referred to the first edition, taken in charge and profiled; people 1-7 in the
soft-skills lab, 5-16 in the on-the-job lab (5, 6 and 7 after the soft-skills one), 12-21
in an internship in a company (12-16 after the on-the-job lab). A person counts in every
pathway entered; no CO notice, so nobody is hired and the 10 go into companies through
their internship; the 35 in no pathway are waiting.

The board, worked out by hand: 26 companies joined the board directly (one of them a sole
trader, whose name must not be published), 1 through a non-signatory body, 5 through
Legacoop, 5 Confcooperative, 1 CNA, 9 Confindustria and 1 Confcommercio: 48 active at the
end of December 2025. Two more board companies left during 2025 and one Confindustria
company joins only in January 2026: none of the three is active, so ``companies_active``
is the report's table, ``companies_joined`` counts the two that left (BOARD 28) but not
the one that joins later (CONFINDUSTRIA 9).

The projects funnel: 25 self-employment projects, 7 waiting, 6 under evaluation, 6 not
eligible and 6 approved or funded (4 funded at 5,000.00 each with 2 jobs each: 8 jobs and
20,000.00; 2 approved, not funded yet); 12 social projects, none waiting, 6 under
evaluation, 5 not eligible and 1 funded (12,000.00, 2 jobs). Each project counts once in
``submitted`` and once in the column of its state: 7 + 6 + 6 + 6 = 25, 0 + 6 + 5 + 1 = 12.
"""

from __future__ import annotations

import pytest
from conftest import fresh_platform, query
from florwork import months, runner, warehouse

THROUGH = months.parse_month("2025-12")
UPDATED = "2025-12-15 10:00:00+00"
BOARD = {
    "BOARD": 26,
    "NON_PARTNER": 1,
    "LEGACOOP": 5,
    "CONFCOOPERATIVE": 5,
    "CNA": 1,
    "CONFINDUSTRIA": 9,
    "CONFCOMMERCIO": 1,
}
SOLE_TRADER = ("NBSSDD66D01L361J", "Neri Ada")


def companies() -> list[tuple]:
    rows, number = [], 0
    for channel, active in BOARD.items():
        for _ in range(active):
            number += 1
            cf, name = SOLE_TRADER if number == 1 else (f"{number:011d}", f"Azienda {number} S.r.l.")
            rows.append((number, cf, name, "56.10.11", "037006", channel, "2024-03-01", None, UPDATED))
    for left in ("2025-04-30", "2025-09-15"):
        number += 1
        rows.append(
            (number, f"{number:011d}", f"Azienda {number} S.r.l.", None, None, "BOARD", "2024-01-10", left, UPDATED)
        )
    number += 1
    rows.append(
        (number, f"{number:011d}", "Azienda futura S.p.A.", None, None, "CONFINDUSTRIA", "2026-01-15", None, UPDATED)
    )
    return rows


def projects() -> list[tuple]:
    states = {
        "AUTOIMPIEGO": [
            ("IN_ATTESA", 7),
            ("IN_VALUTAZIONE", 6),
            ("NON_IDONEO", 6),
            ("FINANZIATO", 4),
            ("APPROVATO", 2),
        ],
        "SOCIALE": [("IN_VALUTAZIONE", 6), ("NON_IDONEO", 5), ("FINANZIATO", 1)],
    }
    rows, number = [], 0
    for kind, counts in states.items():
        for state, count in counts:
            for _ in range(count):
                number += 1
                funded = state == "FINANZIATO"
                amount = ("5000.00" if kind == "AUTOIMPIEGO" else "12000.00") if funded else None
                rows.append(
                    (
                        number,
                        kind,
                        f"Progetto {number}",
                        None,
                        "2025-03-01",
                        state,
                        "2025-06-01",
                        "15000.00",
                        amount,
                        2 if funded else None,
                        UPDATED,
                    )
                )
    return rows


HUB = {"soft_skills": range(1, 8), "on_the_job": range(5, 17), "internship": range(12, 22), "profiled": 56}
HOST = ("06123450481", "Officine Fiorentine S.r.l.")


def hub_people() -> list[tuple]:
    """56 people in SIS with valid codici fiscali, living in Florence."""
    from stdnum.it import codicefiscale

    rows = []
    for n in range(1, HUB["profiled"] + 1):
        stem = f"BNCLRA{80 + n % 20:02d}{'ABCDEHLMPRST'[n % 12]}{n % 28 + 1:02d}D612"
        cf = stem + codicefiscale.calc_check_digit(stem)
        rows.append(
            (
                n,
                cf,
                "Bianchi",
                "Lara",
                "1985-05-05",
                "F",
                "ITA",
                "LICENZA_MEDIA",
                "048017",
                n % 5 + 1,
                "SVANTAGGIATO_381",
                UPDATED,
            )
        )
    return rows


def load_hub(sis, partner) -> None:
    people = hub_people()
    cf = {row[0]: row[1] for row in people}
    with sis.cursor().copy("copy sis.assistiti from stdin") as cp:
        for row in people:
            cp.write_row(row)
    with sis.cursor().copy("copy sis.segnalazioni from stdin") as cp:
        for n in cf:
            cp.write_row((n, n, "FLORATWORK", 1, "SST_Q1", "2025-02-03", "PRESO_IN_CARICO", "2025-02-17", UPDATED))
    with partner.cursor().copy("copy partner.profilazioni from stdin") as cp:
        for n in cf:
            cp.write_row((n, cf[n], "FLORATWORK", "2025-03-03", "MEDIA", 50, "NESSUNO", None, UPDATED))
    with partner.cursor().copy("copy partner.aziende from stdin") as cp:
        cp.write_row((*HOST, "25.62.00", "048017", False, "CONFINDUSTRIA", "2024-09-01", UPDATED))
    pathways = [
        *((n, "LAB_SOFT_SKILLS", "Cooperativa Il Cenacolo", None, "2025-04-01") for n in HUB["soft_skills"]),
        *((n, "LAB_ON_THE_JOB", "Cooperativa Il Cenacolo", None, "2025-06-02") for n in HUB["on_the_job"]),
        *((n, "TIROCINIO_EXTRACURRICOLARE", HOST[1], HOST[0], "2025-09-01") for n in HUB["internship"]),
    ]
    with partner.cursor().copy("copy partner.percorsi from stdin") as cp:
        for pid, (n, kind, runner_name, host, start) in enumerate(pathways, start=1):
            cp.write_row(
                (pid, cf[n], "FLORATWORK", kind, runner_name, host, start, "2026-03-31", None, None, 120, None, UPDATED)
            )


@pytest.fixture(scope="module")
def seed_tables_run(embedded_server, tmp_path_factory):
    fresh_platform()
    with warehouse.connect("sis_source") as sis, warehouse.connect("partner_source") as partner:
        load_hub(sis, partner)
        sis.commit()
        partner.commit()
    with warehouse.connect("ipl_source") as ipl:
        with ipl.cursor().copy("copy ipl.aziende from stdin") as cp:
            for row in companies():
                cp.write_row(row)
        with ipl.cursor().copy("copy ipl.progetti from stdin") as cp:
            for row in projects():
                cp.write_row(row)
        ipl.commit()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLORWORK_START_MONTH", "2025-12")
        runner.run(THROUGH, progress=print, log_path=tmp_path_factory.mktemp("logs") / "run.log")


def test_the_board_of_48_active_companies(seed_tables_run):
    board = {
        r[0]: r[1:]
        for r in query(
            "warehouse",
            "select joining_channel, companies_active, companies_joined, companies_left from marts.ipl_company_board",
        )
    }
    assert {channel: row[0] for channel, row in board.items()} == BOARD
    assert sum(row[0] for row in board.values()) == 48
    assert board["BOARD"] == (26, 28, 2) and board["CONFINDUSTRIA"] == (9, 9, 0)
    names = query(
        "warehouse", "select count(*) from staging.stg_ipl__companies where company_name = %s", (SOLE_TRADER[1],)
    )
    assert names == [(0,)]


def test_the_projects_funnel(seed_tables_run):
    funnel = query(
        "warehouse",
        "select project_type, submitted, waiting, under_evaluation, not_eligible, "
        "approved_or_funded, jobs_created, amount_funded_eur::text "
        "from marts.ipl_projects_funnel order by project_type",
    )
    assert funnel == [("AUTOIMPIEGO", 25, 7, 6, 6, 6, 8, "20000.00"), ("SOCIALE", 12, 0, 6, 5, 1, 2, "12000.00")]


def test_florence_hub_funnel_as_the_hub_reports_it(seed_tables_run):
    funnel = query(
        "warehouse",
        "select edition, people_referred, people_taken_in_charge, people_assessed, people_in_soft_skills_lab, "
        "people_in_on_the_job_lab, people_in_internship, people_hired, people_into_companies, people_withdrawn, "
        "people_waiting from marts.programme_funnel where programme = 'FLORATWORK'",
    )
    assert funnel == [(1, 56, 56, 56, 7, 12, 10, 0, 10, 0, 35)]
