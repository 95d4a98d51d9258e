"""CO files: every case of plugins/florwork/contract_files/co_files.md "What can be wrong", the registry,
re-sent days, duplicate deliveries, notices waiting for their relationship."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query
from florwork import sqlfiles
from florwork.extract import co_files
from florwork.extract.co_files import classify, land, parse
from florwork.extract.co_files import load as co_load

ROOT = Path(__file__).resolve().parents[2]

GOOD_CF = "MMFRDF75C25G846C"
OTHER_CF = "RNFMTR97D66H982S"


def row(
    notice_id,
    event="ASSUNZIONE",
    sent="06/02/2025",
    ref="",
    cf=GOOD_CF,
    contract="A.02.00",
    start="05/02/2025",
    end="31/12/2025",
    stop="",
    cause="",
    employer="Società Città Verde",
    hours="",
):
    values = [
        notice_id,
        event,
        sent,
        ref,
        cf,
        "04512340481",
        employer,
        "81.30.00",
        "048017",
        contract,
        start,
        end,
        stop,
        cause,
        "PT" if hours else "TP",
        hours,
        "8.1.4.2",
        "CPI_FIRENZE",
    ]
    return ";".join(values)


def write(folder, name, lines, raw_lines=()):
    body = "\r\n".join([parse.HEADER, *lines]).encode("latin-1")
    for raw in raw_lines:
        body += b"\r\n" + raw
    (folder / name).write_bytes(body + b"\r\n")


@pytest.mark.parametrize("landing", ["in its own process", "in process"])
def test_dirty_deliveries(platform, landing, monkeypatch):
    if landing == "in process":
        monkeypatch.setenv("FLORWORK_CO_LAND_IN_PROCESS", "1")
    folder = platform.co_landing_dir() / "co"
    write(
        folder,
        "CO_20250206.csv",
        [
            row("A1", hours="20,5"),  # good, Latin-1 name
            row("A2", cf="RSSMRA80A01H501X"),  # bad CF (check character)
            row("A3", start="31/02/2025"),  # impossible date
            row("A4", contract="Z.99.00"),  # code outside the list
            row("A5").rsplit(";", 2)[0],  # wrong number of fields
            row("P1", event="PROROGA", sent="07/02/2025", ref="H9", end="30/06/2026"),  # relationship not seen
            row("A6", employer='"Pulizie ""Oltrarno""; Soc. Coop."'),  # quoting rules
        ],
        raw_lines=[row("A7", employer="Caf\xe9").encode("latin-1").replace(b"Caf\xe9", b"Caf\x81")],
    )
    # the same day re-sent with one more notice, and a duplicate delivery of the first file
    write(folder, "CO_20250206_2.csv", [row("A1", hours="20,5"), row("A8", cf=OTHER_CF)])
    (folder / "CO_20250207.csv").write_bytes((folder / "CO_20250206.csv").read_bytes())
    write(
        folder,
        "CO_20250210.csv",
        [
            row("A1", hours="30,0"),  # same id, other content
            row("H9", sent="10/02/2025", start="01/02/2025", end="31/03/2026", cf=OTHER_CF),  # P1's hiring arrives
        ],
    )
    (folder / "CO_20250211.csv").write_bytes(b"id;tipo;data\r\n1;2;3\r\n")  # unreadable: wrong header

    summary = co_files.load_co_files()
    assert summary["rejected_files"] == [
        f"CO_20250211.csv: wrong header: expected {parse.HEADER!r}, found 'id;tipo;data'"
    ]
    assert summary["duplicate_files"] == ["CO_20250207.csv"]
    assert summary["released"] == 1

    registry = {
        r[0]: r[1:]
        for r in query(
            "warehouse",
            "select file_name, status, rows_read, rows_loaded, rows_duplicate, rows_quarantined, duplicate_of "
            "from ops.co_files",
        )
    }
    assert registry["CO_20250206.csv"] == ("loaded", 8, 2, 0, 6, None)
    assert registry["CO_20250206_2.csv"] == ("loaded", 2, 1, 1, 0, None)
    assert registry["CO_20250207.csv"] == ("duplicate_content", 0, 0, 0, 0, "CO_20250206.csv")
    assert registry["CO_20250210.csv"] == ("loaded", 2, 1, 0, 1, None)
    assert registry["CO_20250211.csv"][0] == "rejected"

    reasons = {
        (r[0], r[1]): r[2] for r in query("warehouse", "select file_name, line_number, reason from quarantine.co_rows")
    }
    assert reasons[("CO_20250206.csv", 3)] == "codice fiscale fails its check character"
    assert reasons[("CO_20250206.csv", 4)] == "data_inizio is an impossible date: 31/02/2025"
    assert reasons[("CO_20250206.csv", 5)] == "tipo_contratto outside the code list"
    assert reasons[("CO_20250206.csv", 6)] == "expected 18 fields, found 16"
    assert reasons[("CO_20250206.csv", 7)] == classify.PENDING_REASON
    assert reasons[("CO_20250206.csv", 9)].startswith("bytes that are not Latin-1 text")
    assert reasons[("CO_20250210.csv", 2)] == "id_comunicazione A1 already received with other content"
    assert reasons[("CO_20250211.csv", None)].startswith("file rejected: wrong header")
    raw_line = query(
        "warehouse", "select raw_line from quarantine.co_rows where file_name = 'CO_20250206.csv' and line_number = 4"
    )[0][0]
    assert raw_line.startswith("A3;ASSUNZIONE;06/02/2025")

    loaded = dict(query("warehouse", "select id_comunicazione, denominazione_datore from raw.co_notices"))
    assert sorted(loaded) == ["A1", "A6", "A8", "H9", "P1"]
    assert loaded["A1"] == "Società Città Verde"  # Latin-1 round trip
    assert loaded["A6"] == 'Pulizie "Oltrarno"; Soc. Coop.'
    assert query("warehouse", "select ore_settimanali::text from raw.co_notices where id_comunicazione = 'A1'") == [
        ("20.50",)
    ]
    assert query("warehouse", "select count(*) from quarantine.co_rows where is_pending and released_at is null") == [
        (0,)
    ]

    # Every row of every file is accounted for.
    assert query(
        "warehouse",
        "select count(*) from ops.batches where status = 'done' and "
        "rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]

    # Nothing is loaded twice, whatever the files are called.
    again = co_files.load_co_files()
    assert again["files"] == 0
    assert query("warehouse", "select count(*) from raw.co_notices") == [(5,)]


def test_files_after_the_cutoff_wait(platform):
    from datetime import date

    folder = platform.co_landing_dir() / "co"
    write(folder, "CO_20250131.csv", [row("B1", sent="31/01/2025")])
    write(folder, "CO_20250201.csv", [row("B2", sent="01/02/2025")])
    assert co_files.load_co_files(date(2025, 2, 1))["files"] == 1
    assert co_files.load_co_files(date(2025, 3, 1))["files"] == 1
    assert query("warehouse", "select count(*) from raw.co_notices") == [(2,)]


def test_a_large_load_leaves_fresh_statistics(platform, monkeypatch):
    """The loader analyzes raw.co_notices after a large load (the warehouse build may follow at once)."""
    monkeypatch.setattr(co_load, "ANALYZE_MIN_ROWS", 1)
    write(platform.co_landing_dir() / "co", "CO_20250206.csv", [row("A1")])
    assert co_files.load_co_files()["loaded"] == 1
    assert query(
        "warehouse", "select last_analyze is not null from pg_stat_user_tables where relid = 'raw.co_notices'::regclass"
    ) == [(True,)]


@pytest.mark.parametrize("fault", ["co_after_landing", "co_before_commit"])
def test_a_crash_mid_run_leaves_nothing_half_loaded(platform, fault):
    """Kill the loader after landing and just before its commit: nothing is registered,
    loaded or quarantined; the next run loads the files as if the crash never happened."""
    folder = platform.co_landing_dir() / "co"
    write(
        folder,
        "CO_20250206.csv",
        [
            row("A1"),
            row("A2", cf="RSSMRA80A01H501X"),
            row("P1", event="PROROGA", sent="07/02/2025", ref="H9", end="30/06/2026"),
        ],
    )
    write(folder, "CO_20250210.csv", [row("H9", sent="10/02/2025", cf=OTHER_CF), row("A3", start="31/02/2025")])
    (folder / "CO_20250211.csv").write_bytes((folder / "CO_20250206.csv").read_bytes())
    script = (
        "import sys; sys.path.insert(0, 'plugins'); from florwork.extract import co_files; co_files.load_co_files()"
    )
    crashed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "FLORWORK_FAULT": fault}, capture_output=True
    )
    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    for table in ("raw.co_notices", "ops.co_files", "quarantine.co_rows"):
        assert query("warehouse", f"select count(*) from {table}") == [(0,)], table

    summary = co_files.load_co_files()
    assert (summary["files"], summary["loaded"], summary["quarantined"], summary["released"]) == (3, 2, 3, 1)
    assert summary["duplicate_files"] == ["CO_20250211.csv"]
    assert sorted(r[0] for r in query("warehouse", "select id_comunicazione from raw.co_notices")) == ["A1", "H9", "P1"]
    assert query("warehouse", "select count(*) from raw.landing_co_notices") == [(0,)]
    statuses = [
        r[0]
        for r in query("warehouse", "select status from ops.batches where source_object like 'CO_%' order by batch_id")
    ]
    assert statuses == ["abandoned", "abandoned", "done", "done"]
    assert query(
        "warehouse",
        "select count(*) from ops.batches where status = 'done' and "
        "rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]


def test_the_landing_text_is_what_psycopg_would_send(platform):
    """The loader formats landed rows as COPY text itself: the same rows as psycopg's
    write_row, on values that need escaping (backslashes, tabs, CRs, Latin-1)."""
    from florwork import warehouse
    from psycopg import sql

    lines = [
        row("T1", hours="20,5"),
        row("T2", employer="Back\\slash \\N and\ttab"),
        row(
            "T3", employer='"Quoted\r inside; ""here"""', event="CESSAZIONE", ref="T1", stop="28/02/2025", cause="ALTRO"
        ),
        row("T4", employer="Caffè Città", start="29/02/2024", end=""),
    ]
    parsed = [parse.parse_line(text) | {"_line_number": n, "_raw_line": text} for n, text in enumerate(lines, 2)]
    columns = sql.SQL(", ").join(map(sql.Identifier, land._LANDED))
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse") as wh:
        wh.execute(
            "create temp table by_psycopg (like raw.co_notices including defaults, _cf_valid boolean, _raw_line text)"
        )
        wh.execute("create temp table by_loader (like by_psycopg including defaults)")
        with wh.cursor().copy(sql.SQL("copy by_psycopg ({}) from stdin").format(columns)) as cp:
            for r in parsed:
                cp.write_row(
                    [
                        *(r[c] for c in parse.COLUMNS),
                        0,
                        "CO_20250206.csv",
                        r["_line_number"],
                        r["_row_checksum"],
                        r["_cf_valid"],
                        r["_raw_line"],
                    ]
                )
        with wh.cursor().copy(sql.SQL("copy by_loader ({}) from stdin").format(columns)) as cp:
            cp.write("".join(land.copy_text(r, "CO_20250206.csv") for r in parsed))
        mine = wh.execute("select * from by_loader order by id_comunicazione").fetchall()
        assert mine == wh.execute("select * from by_psycopg order by id_comunicazione").fetchall()
        assert [r[6] for r in mine] == [
            "Società Città Verde",
            "Back\\slash \\N and\ttab",
            'Quoted\r inside; "here"',
            "Caffè Città",
        ]


def test_a_failed_landing_process_says_why_and_lands_nothing(platform):
    from florwork import config, warehouse

    folder = platform.co_landing_dir() / "co"
    write(folder, "CO_20250206.csv", [row("A1")])
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        wh.execute(sqlfiles.text("florwork.extract.co_files", "landing.sql"))
        with pytest.raises(
            RuntimeError, match=r"the CO landing process failed \(exit 1\): FileNotFoundError: .*CO_20250207.csv"
        ):
            land.land_beside_gx(wh, [folder / "CO_20250206.csv", folder / "CO_20250207.csv"])
    assert query("warehouse", "select count(*) from raw.landing_co_notices") == [(0,)]
    assert co_files.load_co_files()["loaded"] == 1  # the next run loads the file
