"""Poison deliveries: whatever bytes arrive in the CO folder, the other files and days
load, every bad line is quarantined and every bad file registered, each with a reason
(plugins/florwork/contract_files/co_files.md, "What can be wrong with a file")."""

from datetime import datetime, timezone

import psycopg
from conftest import query
from florwork import config, warehouse
from florwork.extract import co_files, databases
from florwork.extract.co_files import parse
from test_co_load import OTHER_CF, row, write


def poison_folder(folder):
    """Every kind of bad file the loader must survive, dated in February 2025. Returns the
    bad files' names and the bad lines' (file, line), each with a fragment of its reason."""
    (folder / "CO_20250204.csv").write_bytes(b"")
    (folder / "CO_20250205.csv").write_bytes(parse.HEADER.encode() + b"\r\n")
    (folder / "CO_20250206_9.csv").write_bytes(bytes(range(256)) * 40 + b"\x00\x00\n\x00")
    write(
        folder,
        "CO_20250207_9.csv",
        [],
        raw_lines=[
            row("N1").encode("latin-1").replace(b"Verde", b"Ve\x00rde"),
            b"\x00",
            row("N2").rsplit(";", 3)[0].encode("latin-1"),
            row("N3", start="30/02/2025").encode("latin-1"),
            row("N4", event="ASSUNTO").encode("latin-1"),
        ],
    )
    (folder / "notes.txt").write_bytes(b"the agency's cover letter\r\n")
    (folder / "CO_20250208.csv.part").write_bytes(b"\x00" * 100)
    bad_files = {
        "CO_20250204.csv": "empty",
        "CO_20250205.csv": "header but no rows",
        "CO_20250206_9.csv": "header is not Latin-1",
        "notes.txt": "name does not follow",
        "CO_20250208.csv.part": "name does not follow",
    }
    bad_lines = {
        ("CO_20250207_9.csv", 2): "0x00",
        ("CO_20250207_9.csv", 3): "0x00",
        ("CO_20250207_9.csv", 4): "expected 18 fields",
        ("CO_20250207_9.csv", 5): "impossible date",
        ("CO_20250207_9.csv", 6): "tipo_evento",
    }
    return bad_files, bad_lines


def assert_accounted_for(bad_files, bad_lines):
    """Every bad file registered as rejected and every bad line quarantined, with its reason."""
    registry = {r[0]: r[1:] for r in query("warehouse", "select file_name, status, message from ops.co_files")}
    for name, reason in bad_files.items():
        assert registry[name][0] == "rejected" and reason in registry[name][1], (name, registry[name])
    assert registry["CO_20250207_9.csv"][0] == "loaded"
    quarantined = {
        (r[0], r[1]): r[2:]
        for r in query(
            "warehouse", "select file_name, line_number, reason, raw_line, raw_bytes from quarantine.co_rows"
        )
    }
    for key, reason in bad_lines.items():
        assert reason in quarantined[key][0], (key, quarantined[key])
    assert {k[0] for k in quarantined if k[1] is None} >= set(bad_files)
    # the line with a NUL is kept exactly as delivered, and shown with U+FFFD
    nul_line = row("N1").encode("latin-1").replace(b"Verde", b"Ve\x00rde")
    assert bytes(quarantined[("CO_20250207_9.csv", 2)][2]) == nul_line
    assert quarantined[("CO_20250207_9.csv", 2)][1] == nul_line.decode("latin-1").replace("\x00", "\ufffd")
    assert query(
        "warehouse",
        "select count(*) from ops.batches where source = 'co' and status = 'done' and "
        "rows_received <> rows_loaded + rows_duplicate + rows_quarantined",
    ) == [(0,)]
    assert query(
        "warehouse",
        "select sum(rows_read), sum(rows_quarantined) from ops.co_files where file_name = any(%s)",
        (["CO_20250207_9.csv", *bad_files],),
    ) == [(5, 5)]


def test_poison_files_stop_nothing(platform):
    folder = platform.co_landing_dir() / "co"
    write(folder, "CO_20250203.csv", [row("G1"), row("G2", cf=OTHER_CF)])
    bad_files, bad_lines = poison_folder(folder)
    write(folder, "CO_20250209.csv", [row("G3")])
    # most lines fail validation (not parsing): rejected whole; one delivery's failures
    # no longer count against the run's other files
    write(folder, "CO_20250210.csv", [row(f"B{i}", cf="RSSMRA80A01H501X") for i in range(25)] + [row("B99")])
    summary = co_files.load_co_files()
    assert summary["loaded"] == 3
    broken = "CO_20250210.csv: 25 of 26 lines fail: the delivery looks broken, so nothing of it was loaded. "
    assert broken + "Most common reasons: codice fiscale fails its check character" in summary["rejected_files"]
    assert {r.split(": ")[0] for r in summary["rejected_files"]} == {*bad_files, "CO_20250210.csv"}
    assert query("warehouse", "select count(*) from raw.co_notices where id_comunicazione like 'B%%'") == [(0,)]
    assert_accounted_for(bad_files, bad_lines)
    assert co_files.load_co_files()["files"] == 0


def test_text_the_warehouse_cannot_store_is_quarantined(platform):
    """A source whose encoding is SQL_ASCII hands out any bytes: a row with bytes that are
    not UTF-8 is quarantined with its reason, the rest of the batch loads."""
    with psycopg.connect(config.embedded_uri("postgres"), autocommit=True) as admin:
        admin.execute('drop database "partner" with (force)')
        admin.execute("create database \"partner\" encoding 'SQL_ASCII' locale 'C' template template0")
    with warehouse.connect("partner_source", autocommit=True) as partner:
        warehouse.create_source_schema(partner, "partner")
        for i, note in enumerate([b"ok", b"Citt\xe0 \\ \t tab", b"also ok"], start=1):
            partner.execute(
                "insert into partner.profilazioni values (%s, 'MMFRDF75C25G846C', 'FLORWORK', '2025-01-10', 'MEDIA', "
                "50, 'TIROCINIO', convert_from(%s, 'SQL_ASCII'), '2025-01-10')",
                (i, note),
            )
    result = databases.extract_table("partner", "profilazioni", datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert (result.received, result.loaded, result.quarantined) == (3, 2, 1)
    assert query("warehouse", "select row_data->>'note', reasons from quarantine.source_rows") == [
        (
            "Citt\\xe0 \\ \t tab",
            [
                "note holds bytes that are not UTF-8 text (the source's encoding is SQL_ASCII): "
                "the warehouse cannot store them as text"
            ],
        )
    ]
    assert sorted(query("warehouse", "select id_profilazione, note from raw.partner_profilazioni")) == [
        (1, "ok"),
        (3, "also ok"),
    ]


def test_mutated_real_files_through_the_landing(platform):
    """Real CO files with random edits (tests/unit/test_co_parser_properties.py) through the
    whole loader: no exception escapes, and every file is registered with every line
    accounted for: received = loaded + duplicate + quarantined, quarantined lines kept."""
    import itertools

    from co_mutations import EDITS, REAL_FILES, mutated
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    folder = platform.co_landing_dir() / "co"
    numbers = itertools.count(2)

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(REAL_FILES), EDITS), min_size=1, max_size=3))
    def load(files):
        names = []
        for original, edits in files:
            names.append(f"CO_20250301_{next(numbers)}.csv")
            (folder / names[-1]).write_bytes(mutated(original, edits))
        co_files.load_co_files()
        registry = query(
            "warehouse",
            "select f.file_name, f.status, f.rows_read, f.rows_loaded + f.rows_duplicate + f.rows_quarantined, "
            "(select count(*) from quarantine.co_rows q where q.file_name = f.file_name "
            "and q.line_number is not null), "
            "f.rows_quarantined, f.message from ops.co_files f where f.file_name = any(%s)",
            (names,),
        )
        assert sorted(r[0] for r in registry) == sorted(names)
        for name, status, read, accounted, kept, quarantined, message in registry:
            assert status in ("loaded", "duplicate_content", "rejected"), name
            if status == "loaded":
                assert read == accounted and kept == quarantined, (name, read, accounted, kept, quarantined)
            elif status == "rejected":
                assert message and query(
                    "warehouse",
                    "select count(*) from quarantine.co_rows where file_name = %s and line_number is null",
                    (name,),
                ) == [(1,)]

    load()
