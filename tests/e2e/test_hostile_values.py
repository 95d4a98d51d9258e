"""Hostile values are stored as data and do no harm (SQL is built only from parameters
and psycopg's sql composition)."""

from datetime import datetime, timezone

from conftest import EXAMPLE, query
from florwork import sources, warehouse
from florwork.extract import co_files, databases
from florwork.extract.co_files import parse

SQL_IN_CF = "'; drop table raw.co_notices; --"


def header_and(*lines: str) -> bytes:
    return "\r\n".join([parse.HEADER, *lines, ""]).encode("latin-1")


def test_hostile_file_names_and_fields(platform):
    folder = platform.co_landing_dir() / "co"
    good = (
        "X1;ASSUNZIONE;06/02/2025;;MMFRDF75C25G846C;04512340481;Ditta;81.30.00;048017;A.02.00;05/02/2025;;;;"
        "TP;;8.1.4.2;CPI"
    )
    hostile_cf = good.replace("X1;", "X2;").replace("MMFRDF75C25G846C", '"' + SQL_IN_CF.replace('"', '""') + '"')
    hostile_name = good.replace("X1;", "X3;").replace("Ditta", '"Robert\'); drop table ops.co_files;--"')
    (folder / "CO_20250206.csv").write_bytes(header_and(good, hostile_cf, hostile_name))
    (folder / "CO_2025'0207;drop table raw.co_notices.csv").write_bytes(header_and(good.replace("X1;", "X4;")))
    (folder / 'CO_20250208".csv').write_bytes(header_and(good.replace("X1;", "X5;")))

    summary = co_files.load_co_files()
    assert summary["files"] == 3 and len(summary["rejected_files"]) == 2
    registry = dict(query("warehouse", "select file_name, status from ops.co_files"))
    assert registry["CO_2025'0207;drop table raw.co_notices.csv"] == "rejected"
    assert registry['CO_20250208".csv'] == "rejected"
    assert query("warehouse", "select cf_lavoratore from raw.co_notices where id_comunicazione = 'X2'") == []
    assert query(
        "warehouse",
        "select raw_line like %s, reason from quarantine.co_rows where raw_line like '%%X2;%%'",
        ("%drop table raw.co_notices%",),
    ) == [(True, "codice fiscale fails its check character")]
    assert query("warehouse", "select denominazione_datore from raw.co_notices where id_comunicazione = 'X3'") == [
        ("Robert'); drop table ops.co_files;--",)
    ]
    assert query("warehouse", "select count(*) from raw.co_notices") == [(2,)]


def test_hostile_source_values(platform):
    sources.load_dataset(EXAMPLE)
    with warehouse.connect("sis_source", autocommit=True) as sis:
        sis.execute(
            "insert into sis.segnalazioni values (9001, 1001, %s, 1, 'SST_Q1', '2025-01-05', null, null, '2025-01-05')",
            ("FLOR'AT; drop table raw.sis_segnalazioni; --",),
        )
        sis.execute(
            "update sis.assistiti set cognome = %s, aggiornato_il = '2025-01-06' where id_assistito = 1002",
            ("O'Brien\"); delete from ops.batches; --",),
        )
    databases.extract_source("sis", datetime(2025, 2, 1, tzinfo=timezone.utc))
    quarantined = query("warehouse", "select row_data->>'programma', reasons from quarantine.source_rows")
    assert quarantined == [("FLOR'AT; drop table raw.sis_segnalazioni; --", ["programma not an upper-case code"])]
    assert query(
        "warehouse",
        "select cognome from raw.sis_assistiti where id_assistito = 1002 order by aggiornato_il desc limit 1",
    ) == [("O'Brien\"); delete from ops.batches; --",)]
    assert query("warehouse", "select count(*) > 0 from ops.batches") == [(True,)]
