"""The CO loader decides every landed row's fate in SQL, as sets (florwork.extract.co_files.classify).
Here it is checked against the rule it implements, written the plain way: the rows in
delivery order, one at a time, with what has been received and what waits so far.
Random runs over a small pool of ids make the awkward cases common: the same notice
twice in a run, with the same or other content; chains of references within the run,
in and out of order; references to notices received earlier, waiting, or never seen.
"""

import random
from pathlib import Path

import pytest
from florwork import config, sqlfiles, warehouse
from florwork.extract.co_files import classify, land, parse

EVENTS = ("ASSUNZIONE", *parse.EVENTS_WITH_REFERENCE)
CONFLICT = "id_comunicazione {} already received with other content"


def reference(rows, received: dict, waiting: set) -> dict:
    """The rule, row by row: {row id: (outcome, reason)}."""
    known, waiting, fate = dict(received), set(waiting), {}
    for row_id, notice, event, ref, checksum, reason in rows:
        if reason:
            fate[row_id] = ("quarantined", reason)
        elif notice in known:
            fate[row_id] = (
                ("duplicate", None) if known[notice] == checksum else ("quarantined", CONFLICT.format(notice))
            )
        elif notice in waiting:
            fate[row_id] = ("duplicate", None)
        elif event in parse.EVENTS_WITH_REFERENCE and ref not in known:
            fate[row_id] = ("pending", classify.PENDING_REASON)
            waiting.add(notice)
        else:
            fate[row_id] = ("loaded", None)
            known[notice] = checksum
    return fate


def random_run(rng: random.Random):
    pool = [f"N{i}" for i in range(rng.randint(3, 14))]
    received = {n: rng.choice("ab") for n in pool if rng.random() < 0.2}
    waiting = {n for n in pool if n not in received and rng.random() < 0.15}
    rows = []
    for row_id in range(1, rng.randint(1, 60) + 1):
        event = rng.choice(EVENTS)
        ref = None if event == "ASSUNZIONE" else rng.choice([*pool, "ELSEWHERE"])
        reason = (
            rng.choice(["tipo_contratto outside the code list", "codice fiscale fails its check character"])
            if rng.random() < 0.1
            else None
        )
        rows.append((row_id, rng.choice(pool), event, ref, rng.choice("ab"), reason))
    files = [f"CO_2025020{1 + (row_id - 1) // 20}.csv" for row_id, *_ in rows]
    return rows, files, received, waiting


def classify_in_sql(wh, rows, files, received, waiting) -> dict:
    """Land the rows, the earlier notices and the waiting ones, run _classify, read its
    outcomes; all in a transaction rolled back at the end."""
    with wh.transaction(force_rollback=True):
        batch = wh.execute(
            "insert into ops.batches (source, source_object, status) values ('co', 'test', 'running') "
            "returning batch_id"
        ).fetchone()[0]
        for notice, checksum in received.items():
            wh.execute(
                "insert into raw.co_notices (id_comunicazione, tipo_evento, data_invio, cf_lavoratore, "
                "_batch_id, _file_name, _line_number, _row_checksum) "
                "values (%s, 'ASSUNZIONE', '2025-01-01', 'X', %s, 'CO_20250101.csv', 2, %s)",
                (notice, batch, checksum),
            )
        for notice in waiting:
            wh.execute(
                "insert into quarantine.co_rows (batch_id, file_name, line_number, raw_line, reason, is_pending, "
                "parsed) values (%s, 'CO_20250101.csv', 3, 'x', %s, true, jsonb_build_object('id_comunicazione', "
                "%s::text))",
                (batch, classify.PENDING_REASON, notice),
            )
        for (row_id, notice, event, ref, checksum, reason), name in zip(rows, files):
            wh.execute(
                "insert into raw.landing_co_notices (_landing_row_id, id_comunicazione, tipo_evento, data_invio, "
                "id_comunicazione_rif, cf_lavoratore, _batch_id, _file_name, _line_number, _row_checksum, "
                "_cf_valid, _raw_line) values (%s, %s, %s, '2025-02-01', %s, 'X', 0, %s, %s, %s, true, 'x')",
                (row_id, notice, event, ref, name, row_id, checksum),
            )
            if reason:
                wh.execute(
                    "insert into raw.landing_failures (relation, row_id, position, reason) "
                    "values ('raw.landing_co_notices', %s, 0, %s)",
                    (row_id, reason),
                )
        deliveries = []
        for number, name in enumerate(sorted(set(files)), start=1):
            deliveries.append(land.Delivery(Path(name), "", 0, 0.0, land.FileResult(name, "loaded"), batch_id=number))
        classify.classify(wh, deliveries)
        fate = {r[0]: (r[1], r[2]) for r in wh.execute("select row_id, outcome, reason from co_outcomes")}
        counted = {
            d.path.name: (d.result.rows_loaded, d.result.rows_duplicate, d.result.rows_quarantined) for d in deliveries
        }
    return fate, counted


@pytest.fixture
def warehouse_connection(platform):
    warehouse.bootstrap_once()
    with warehouse.connect("warehouse", role=config.component_role("loader"), autocommit=True) as wh:
        wh.execute(sqlfiles.text("florwork.extract.co_files", "landing.sql"))
        yield wh


def test_the_set_based_classification_follows_the_row_by_row_rule(warehouse_connection):
    outcomes_seen = set()
    for seed in range(150):
        rng = random.Random(seed)
        rows, files, received, waiting = random_run(rng)
        expected = reference(rows, received, waiting)
        fate, counted = classify_in_sql(warehouse_connection, rows, files, received, waiting)
        assert fate == expected, f"seed {seed}: rows {rows}, received {received}, waiting {waiting}"
        for name in set(files):
            mine = [expected[r[0]][0] for r, f in zip(rows, files) if f == name]
            assert counted[name] == (
                mine.count("loaded"),
                mine.count("duplicate"),
                mine.count("quarantined") + mine.count("pending"),
            ), f"seed {seed}, {name}"
        outcomes_seen |= {(outcome, reason.split()[0] if reason else None) for outcome, reason in expected.values()}
    # the random runs did reach every kind of fate
    assert outcomes_seen >= {
        ("loaded", None),
        ("duplicate", None),
        ("pending", "refers"),
        ("quarantined", "id_comunicazione"),
        ("quarantined", "tipo_contratto"),
    }


def test_a_chain_within_one_run_loads_in_order_and_waits_out_of_order(warehouse_connection):
    rows = [
        (1, "H1", "ASSUNZIONE", None, "a", None),
        (2, "P1", "PROROGA", "H1", "a", None),  # its hiring loaded just before: loads
        (3, "R1", "RETTIFICA", "P1", "a", None),  # corrects P1, loaded in this run: loads
        (4, "C2", "CESSAZIONE", "H2", "a", None),  # its hiring comes later in the run: waits
        (5, "H2", "ASSUNZIONE", None, "a", None),
        (6, "C2", "CESSAZIONE", "H2", "b", None),  # C2 again, other content: C2 already waits
        (7, "H1", "ASSUNZIONE", None, "b", None),  # H1 again, other content: a conflict
    ]
    files = ["CO_20250201.csv"] * 4 + ["CO_20250202.csv"] * 3
    fate, _ = classify_in_sql(warehouse_connection, rows, files, {}, set())
    assert [fate[i][0] for i in range(1, 8)] == [
        "loaded",
        "loaded",
        "loaded",
        "pending",
        "loaded",
        "duplicate",
        "quarantined",
    ]
    assert fate == reference(rows, {}, set())
