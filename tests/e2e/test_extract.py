"""Extraction of the database sources: quarantine, idempotence, versions, faults."""

import os
import subprocess
import sys
from datetime import datetime, timezone

import psycopg
import pytest
from conftest import EXAMPLE, ROOT, query
from florwork import errors, sources, warehouse
from florwork.extract import batches, databases
from florwork.extract.databases import relay

CUT_1 = datetime(2025, 2, 1, tzinfo=timezone.utc)
CUT_2 = datetime(2025, 3, 1, tzinfo=timezone.utc)


def add_dirt():
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute(
            "insert into sis.assistiti values (2001, 'RSSMRA80A01H501X', 'Bianchi', 'Luca', '1980-01-01', 'M', "
            "'ITA', 'DIPLOMA', '048017', 1, 'NEET', '2025-01-10'), "
            "(2002, 'MMFRDF75C25G846C', 'Verdi', 'Ada', '1985-05-05', 'X', 'ITA', null, '048017', 9, 'NEET', "
            "'2025-01-10')"
        )
        sis.execute(
            "insert into sis.erogazioni values "
            "(60001, 1001, 'CONTRIBUTO_ECONOMICO', '2025-01-01', -5, 'PAGATO', '2025-01-15'), "
            "(60002, 1001, 'CONTRIBUTO_ECONOMICO', '2025-01-01', 10, 'SOSPESO', '2025-01-15'), "
            # committed late: inside the safety overlap of the first cutoff
            "(60003, 1001, 'BUONI_SPESA', '2025-01-01', 25, 'PAGATO', '2025-01-31 23:40:00+00')"
        )


def reconciled() -> bool:
    return query(
        "warehouse",
        "select bool_and(rows_received = rows_loaded + rows_duplicate + rows_quarantined) "
        "from ops.batches where status = 'done'",
    )[0][0]


def raw_fingerprint(table: str):
    return query(
        "warehouse", f"select count(*), md5(string_agg(_row_checksum, ',' order by _row_checksum)) from raw.{table}"
    )


def test_bad_rows_are_quarantined_with_reasons_and_reruns_add_nothing(platform):
    sources.load_dataset(EXAMPLE)
    add_dirt()
    first = {r["source_object"]: r for r in databases.extract_source("sis", CUT_1)}
    assert first["sis.assistiti"]["received"] == 7 and first["sis.assistiti"]["quarantined"] == 2
    reasons = dict(
        query(
            "warehouse",
            "select source_key, array_to_string(reasons, '; ') from quarantine.source_rows "
            "where source_object = 'sis.assistiti'",
        )
    )
    assert reasons["2001"] == "codice fiscale fails its check character"
    assert "sesso not M or F" in reasons["2002"] and "quartiere outside 1..5" in reasons["2002"]
    payments = dict(
        query(
            "warehouse",
            "select source_key, array_to_string(reasons, '; ') from quarantine.source_rows "
            "where source_object = 'sis.erogazioni'",
        )
    )
    assert payments == {"60001": "importo negative or implausible", "60002": "stato outside the code list"}
    assert query("warehouse", "select count(*) from raw.sis_assistiti where id_assistito in (2001, 2002)") == [(0,)]
    assert reconciled()
    results = query("warehouse", "select suite_name, success from ops.validation_results order by validation_id")
    assert ("sis__assistiti", False) in results
    from florwork import quality

    docs = quality.build_data_docs()  # GX's data docs, browsable (the DAGs' last task)
    assert docs == quality.data_docs_index() and "sis__assistiti" in docs.read_text()
    pages = list((docs.parent / "validations").rglob("*.html"))
    assert pages

    # The same cutoff again: nothing to do. A later cutoff re-reads the overlap:
    # the late row comes again as a duplicate, nothing is added twice.
    before = raw_fingerprint("sis_erogazioni")
    assert databases.extract_table("sis", "erogazioni", CUT_1).batch_id is None
    second = databases.extract_table("sis", "erogazioni", CUT_2)
    assert second.duplicate >= 1
    assert query("warehouse", "select count(*) from raw.sis_erogazioni where id_erogazione = 60003") == [(1,)]
    assert query("warehouse", "select count(*) from quarantine.source_rows") == [(4,)]
    assert reconciled()

    # A changed row is a new version; the old one stays.
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute(
            "update sis.erogazioni set stato = 'ANNULLATO', aggiornato_il = '2025-03-10' where id_erogazione = 50010"
        )
    databases.extract_table("sis", "erogazioni", datetime(2025, 4, 1, tzinfo=timezone.utc))
    assert query(
        "warehouse", "select stato from raw.sis_erogazioni where id_erogazione = 50010 order by aggiornato_il"
    ) == [("PAGATO",), ("ANNULLATO",)]
    assert raw_fingerprint("sis_erogazioni") != before


def test_every_bad_row_is_quarantined_not_only_the_first_twenty(platform):
    """GX lists at most 20 failing rows per expectation; the 21st must not reach raw."""
    sources.load_dataset(EXAMPLE)
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute(
            "update sis.erogazioni set stato = 'SOSPESO' where id_erogazione in "
            "(select id_erogazione from sis.erogazioni where aggiornato_il < %s order by 1 limit 25)",
            (CUT_1,),
        )
    result = databases.extract_table("sis", "erogazioni", CUT_1)
    assert (result.received, result.quarantined, result.loaded) == (50, 25, 25)
    assert query("warehouse", "select count(*) from raw.sis_erogazioni where stato = 'SOSPESO'") == [(0,)]
    assert query(
        "warehouse", "select count(*) from quarantine.source_rows where reasons = '{stato outside the code list}'"
    ) == [(25,)]
    assert query("warehouse", "select count(*) from raw.landing_failures") == [(0,)]
    assert reconciled()


def test_a_failed_load_fails_the_dag_run_and_the_data_docs_show_it(platform, tmp_path):
    """The data docs task runs whatever the loads' outcome; the watcher still fails the run."""
    from florwork import airflow_env, months, quality, runner

    sources.load_dataset(EXAMPLE)
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute("update sis.erogazioni set stato = 'SOSPESO'")  # a broken delivery: every row bad
    warehouse.bootstrap_once()
    airflow_env.migrate()
    dags = runner._load_dags()
    log = tmp_path / "run.log"
    with pytest.raises(
        runner.RunFailed,
        match=r"extract_social_services failed: extract_erogazioni \(failed\)\n"
        r"  sis.erogazioni: sis__erogazioni: \d+ of \d+ rows fail validation: the delivery looks broken",
    ):
        runner.run_month(dags, months.parse_month("2025-01"), print, log)
    assert query(
        "warehouse",
        "select distinct status, message like '%delivery looks broken%' from ops.batches "
        "where source_object = 'sis.erogazioni'",
    ) == [("failed", True)]
    assert query("warehouse", "select count(*) from raw.sis_erogazioni") == [(0,)]
    assert query("warehouse", "select count(*) from raw.sis_assistiti") != [(0,)]  # the other tables loaded
    failed = query("warehouse", "select distinct suite_name from ops.validation_results where not success")
    assert failed == [("sis__erogazioni",)]
    assert "sis__erogazioni" in quality.data_docs_index().read_text()


def test_a_first_load_becomes_a_partition_and_later_loads_skip_its_versions(platform):
    """A first load is written once (attached as a partition of raw); the next load, which
    re-reads the overlap, adds none of the versions that partition holds."""
    sources.load_dataset(EXAMPLE)
    add_dirt()
    first = databases.extract_table("sis", "erogazioni", CUT_1)
    assert (first.received, first.loaded, first.quarantined) == (53, 51, 2)
    partitions = query(
        "warehouse",
        "select c.relname, pg_get_expr(c.relpartbound, c.oid) from pg_inherits i "
        "join pg_class c on c.oid = i.inhrelid "
        "where i.inhparent = 'raw.sis_erogazioni'::regclass order by 1",
    )
    assert partitions == [
        (f"sis_erogazioni__b{first.batch_id}", f"FOR VALUES IN ('{first.batch_id}')"),
        ("sis_erogazioni__main", "FOR VALUES IN ('0')"),
    ]
    assert query("warehouse", f"select count(*) from raw.sis_erogazioni__b{first.batch_id}") == [(51,)]
    # its indexes (versions; extraction times) are those built while GX validated, adopted by the attach
    assert query(
        "warehouse",
        f"select indexname from pg_indexes where tablename = 'sis_erogazioni__b{first.batch_id}' order by 1",
    ) == [(f"sis_erogazioni__b{first.batch_id}_extracted",), (f"sis_erogazioni__b{first.batch_id}_version",)]
    assert query("warehouse", "select count(*) from pg_tables where tablename like 'landing_sis_erogazioni_first'") == [
        (0,)
    ]
    second = databases.extract_table("sis", "erogazioni", CUT_2)  # re-reads the overlap
    assert second.duplicate >= 1
    assert query(
        "warehouse", "select count(*) = count(distinct (id_erogazione, _row_checksum)) from raw.sis_erogazioni"
    ) == [(True,)]
    assert query("warehouse", "select count(*) from raw.sis_erogazioni__main") == [(second.loaded,)]
    # the version index of every partition is unique
    assert query(
        "warehouse",
        "select bool_and(indexdef like 'CREATE UNIQUE INDEX%') from pg_indexes "
        "where tablename like 'sis_erogazioni__%' and indexdef not like '%USING brin%'",
    ) == [(True,)]
    # analyzed by the loader, for the warehouse build that may follow at once
    assert query(
        "warehouse",
        "select last_analyze is not null from pg_stat_user_tables "
        f"where relid = 'raw.sis_erogazioni__b{first.batch_id}'::regclass",
    ) == [(True,)]
    assert reconciled()


def test_a_raw_table_of_the_earlier_layout_becomes_the_main_partition(platform):
    """A deployment whose raw tables predate the partitions keeps its rows: the table
    becomes the main partition at the next bootstrap."""
    sources.load_dataset(EXAMPLE)
    databases.extract_table("sis", "erogazioni", CUT_1)
    with warehouse.connect("warehouse", autocommit=True) as wh:  # rebuild the earlier layout by hand
        wh.execute("create table raw.old_layout (like raw.sis_erogazioni including defaults)")
        wh.execute("insert into raw.old_layout select * from raw.sis_erogazioni")
        wh.execute("alter table raw.old_layout drop column _segment")
        wh.execute("drop table raw.sis_erogazioni cascade")
        wh.execute("alter table raw.old_layout rename to sis_erogazioni")
        wh.execute("create unique index sis_erogazioni_version on raw.sis_erogazioni (id_erogazione, _row_checksum)")
        before = wh.execute("select count(*) from raw.sis_erogazioni").fetchone()[0]
    warehouse.forget_bootstrap()
    warehouse.bootstrap_once()
    assert query(
        "warehouse", "select c.relkind::text from pg_class c where c.oid = 'raw.sis_erogazioni'::regclass"
    ) == [("p",)]
    assert query("warehouse", "select count(*) from raw.sis_erogazioni__main") == [(before,)]
    second = databases.extract_table("sis", "erogazioni", CUT_2)
    assert second.loaded > 0 and reconciled()


def test_checksums_of_the_earlier_md5_scheme_are_recomputed_once(platform):
    """Raw rows and quarantined rows stored with md5(row::text) checksums get the current
    checksum at the next bootstrap, so the next load re-reading them adds nothing; the same
    values stored twice under two md5s (read in two time zones) keep both rows."""
    sources.load_dataset(EXAMPLE)
    add_dirt()
    databases.extract_table("sis", "erogazioni", CUT_1)
    checksums = "select id_erogazione, _row_checksum from raw.sis_erogazioni order by 1, 2"
    quarantined = "select source_key, row_checksum from quarantine.source_rows order by 1"
    current, current_quarantine = query("warehouse", checksums), query("warehouse", quarantined)
    assert all(c.lstrip("-").isdigit() for _, c in current)  # the 64-bit hash, as text
    cols = "id_erogazione, id_assistito, tipo_prestazione, mese_competenza, importo, stato, aggiornato_il"
    with warehouse.connect("warehouse", autocommit=True) as wh:  # what the md5 scheme stored
        wh.execute(f"update raw.sis_erogazioni set _row_checksum = md5(row({cols})::text)")
        wh.execute(
            f"insert into raw.sis_erogazioni ({cols}, _batch_id, _source_table, _segment, _row_checksum) "
            f"select {cols}, _batch_id, _source_table, _segment, 'md5-read-in-another-time-zone' "
            "from raw.sis_erogazioni where id_erogazione = %s",
            (current[0][0],),
        )
        wh.execute("update quarantine.source_rows q set row_checksum = md5(q.row_data::text)")
        wh.execute("delete from ops.migrations")
    assert query("warehouse", checksums) != current
    warehouse.forget_bootstrap()
    warehouse.bootstrap_once()
    migrated = query("warehouse", checksums)
    assert [r for r in migrated if r[1] != "md5-read-in-another-time-zone"] == current
    assert [r for r in migrated if r[1] == "md5-read-in-another-time-zone"] == [
        (current[0][0], "md5-read-in-another-time-zone")
    ]
    assert query("warehouse", quarantined) == current_quarantine
    before = raw_fingerprint("sis_erogazioni")
    again = databases.extract_table("sis", "erogazioni", CUT_2)  # re-reads the overlap
    assert again.duplicate >= 1 and again.quarantined == 0
    assert query("warehouse", "select count(*) from quarantine.source_rows") == [(len(current_quarantine),)]
    assert raw_fingerprint("sis_erogazioni")[0][0] == before[0][0] + again.loaded
    assert query("warehouse", "select count(*) from ops.migrations") == [(1,)]


def test_an_id_repeated_within_one_extraction_stops_the_batch(platform):
    sources.load_dataset(EXAMPLE)
    with warehouse.connect("sis_source", autocommit=True) as sis:  # a source table without its key
        sis.execute("alter table sis.erogazioni drop constraint erogazioni_pkey")
        sis.execute(
            "insert into sis.erogazioni select * from sis.erogazioni where id_erogazione = "
            "(select min(id_erogazione) from sis.erogazioni where aggiornato_il < %s)",
            (CUT_1,),
        )
    with pytest.raises(errors.BatchFailed, match="id_erogazione repeated within one extraction"):
        databases.extract_table("sis", "erogazioni", CUT_1)
    assert query("warehouse", "select count(*) from raw.sis_erogazioni") == [(0,)]


def test_a_schema_change_fails_the_batch_and_loads_nothing(platform):
    sources.load_dataset(EXAMPLE)
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute("alter table sis.erogazioni add column iban text, alter column importo type text")
    with pytest.raises(
        errors.BatchFailed,
        match="column iban added.*importo changed type from numeric to text|"
        "importo changed type from numeric to text.*column iban added",
    ):
        databases.extract_table("sis", "erogazioni", CUT_1)
    assert query("warehouse", "select count(*) from raw.sis_erogazioni") == [(0,)]
    assert query("warehouse", "select status from ops.batches") == [("failed",)]
    assert query("warehouse", "select count(*) from ops.extract_state") == [(0,)]


def test_two_runs_cannot_load_at_once(platform):
    sources.load_dataset(EXAMPLE)
    databases.extract_table("sis", "assistiti", CUT_1)  # bootstrap
    with warehouse.connect("warehouse", autocommit=True) as other:
        with batches.exclusive(other, "sis.erogazioni"):
            with pytest.raises(errors.ConcurrentRun, match="another run is loading sis.erogazioni"):
                databases.extract_table("sis", "erogazioni", CUT_1)


def test_an_unreachable_source_says_so(platform, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SIS_SOURCE", "postgresql://nobody@127.0.0.1:1/sis")
    with pytest.raises(warehouse.DatabaseUnreachable, match="cannot reach the sis_source database"):
        databases.extract_table("sis", "erogazioni", CUT_1)


@pytest.mark.parametrize("fault", ["after_landing", "before_commit"])
def test_a_crash_mid_batch_leaves_nothing_half_loaded(platform, fault):
    sources.load_dataset(EXAMPLE)
    script = (
        "import sys; sys.path.insert(0, 'plugins');"
        "from datetime import datetime, timezone; from florwork.extract import databases;"
        "databases.extract_table('sis', 'erogazioni', datetime(2025, 2, 1, tzinfo=timezone.utc))"
    )
    env = {**os.environ, "FLORWORK_FAULT": fault}
    crashed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True)
    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    assert query("warehouse", "select count(*) from raw.sis_erogazioni") == [(0,)]
    assert query("warehouse", "select count(*) from ops.extract_state") == [(0,)]

    # The next run abandons the crashed batch and loads from the last committed mark.
    expected = query("sis_source", "select count(*) from sis.erogazioni where aggiornato_il < %s", (CUT_1,))[0][0]
    result = databases.extract_table("sis", "erogazioni", CUT_1)
    assert result.loaded == expected == 50
    assert query("warehouse", "select status from ops.batches order by batch_id") == [("abandoned",), ("done",)]
    assert query("warehouse", "select count(*) from raw.landing_sis_erogazioni") == [(0,)]
    with psycopg.connect(platform.connection_uri("warehouse")) as wh:
        assert wh.execute("select count(*), count(distinct id_erogazione) from raw.sis_erogazioni").fetchone() == (
            50,
            50,
        )


def test_gx_keeps_validation_results_for_its_retention_period(platform, monkeypatch):
    """Results older than the retention are removed from GX's store with their pages at
    the next data docs build; ops.validation_results keeps them."""
    from florwork import quality

    sources.load_dataset(EXAMPLE)
    databases.extract_source("sis", CUT_1)
    site = quality.build_data_docs().parent / "validations"
    stored = len(quality._context().validation_results_store.list_keys())
    assert query("warehouse", "select count(*) from ops.validation_results") == [(3,)]
    assert stored >= 3 and len(list(site.rglob("*.html"))) == stored
    assert "validations/sis__assistiti" in quality.data_docs_index().read_text()
    # Nothing new since: nothing is rendered again. A new result: its page and the index.
    rendered_at = quality.data_docs_index().stat().st_mtime_ns
    quality.build_data_docs()
    assert quality.data_docs_index().stat().st_mtime_ns == rendered_at
    databases.extract_source("sis", CUT_2)
    stored = len(quality._context().validation_results_store.list_keys())
    quality.build_data_docs()
    assert quality.data_docs_index().stat().st_mtime_ns > rendered_at
    assert len(list(site.rglob("*.html"))) == stored
    kept = query("warehouse", "select count(*) from ops.validation_results")
    assert kept[0][0] > 3
    monkeypatch.setenv("FLORWORK_GX_RETENTION_DAYS", "1")
    quality.build_data_docs()  # everything is younger than a day: nothing goes
    assert len(quality._context().validation_results_store.list_keys()) == stored
    monkeypatch.setenv("FLORWORK_GX_RETENTION_DAYS", "-1")  # everything is older than "tomorrow"
    quality.build_data_docs()
    assert quality._context().validation_results_store.list_keys() == []
    assert list(site.rglob("*.html")) == []
    assert "validations/sis__" not in quality.data_docs_index().read_text()  # the suites stay listed
    assert query("warehouse", "select count(*) from ops.validation_results") == kept


def test_the_relay_reads_copy_output_whole_and_raises_the_source_errors(platform):
    """copy_out_blocks (libpq-level reads) gives what psycopg's Copy gives, in blocks of
    about 1 MB, and raises the source's error, mid-stream or before it, leaving the
    connection usable."""
    from psycopg import sql

    query = sql.SQL("copy (select x, repeat('é', x % 50) from generate_series(1, 200000) x) to stdout")
    with warehouse.connect("sis_source", autocommit=True) as src:
        blocks = list(relay.copy_out_blocks(src, query))
        with src.cursor().copy(query) as out:
            expected = b"".join(bytes(chunk) for chunk in out)
        assert len(blocks) > 1 and all(len(b) >= relay.RELAY_BLOCK for b in blocks[:-1])
        assert b"".join(blocks) == expected
        with pytest.raises(psycopg.errors.DivisionByZero):
            for _ in relay.copy_out_blocks(
                src, sql.SQL("copy (select 1 / (200000 - x) from generate_series(1, 300000) x) to stdout")
            ):
                pass
        with pytest.raises(psycopg.errors.UndefinedTable):
            list(relay.copy_out_blocks(src, sql.SQL("copy (select * from no_such_table) to stdout")))
        assert src.execute("select 1").fetchone() == (1,)
