"""A hand-made Bologna dataset that reproduces the tables of the programme's 2018 report
("I numeri"), through the real pipeline (the sources → Airflow → GX → dbt).

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


@pytest.fixture(scope="module")
def seed_tables_run(embedded_server, tmp_path_factory):
    fresh_platform()
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
