"""The vendored contracts are the city's, unchanged, and parse into the tables they define."""

from pathlib import Path

import pytest
from florwork import contracts

SHARED = Path(__file__).resolve().parents[3] / "shared" / "contracts"
VENDORED = Path(contracts.__file__).parent / "contract_files"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared specification folder is not beside this clone")
@pytest.mark.parametrize("name", ["sis.sql", "partner.sql", "co_files.md"])
def test_vendored_contracts_equal_the_shared_ones(name):
    assert (VENDORED / name).read_bytes() == (SHARED / name).read_bytes()


def test_contract_tables_parse():
    sis = {t.name: t for t in contracts.tables("sis")}
    assert list(sis) == ["assistiti", "segnalazioni", "erogazioni"]
    assert sis["erogazioni"].primary_key == "id_erogazione"
    assert ("importo", "numeric(12,2)") in [(c.name, c.type) for c in sis["erogazioni"].columns]
    partner = {t.name: t for t in contracts.tables("partner")}
    assert partner["aziende"].primary_key == "cf_azienda"
    assert partner["profilazioni"].cf_column == "codice_fiscale"
    assert all(t.column_names[-1] == "aggiornato_il" for t in (*sis.values(), *partner.values()))


def test_dbt_declares_every_contract_table_as_a_source_once():
    """dbt's sources are the contracts' tables (plus the CO notices), each declared once
    with the column its freshness and the person-incremental watermark read."""
    import yaml

    declared = []
    for path in sorted(
        (Path(contracts.__file__).parents[2] / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml")
    ):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source["schema"] == "raw" and source.get("loaded_at_field"), path
            declared += [t["name"] for t in source["tables"]]
    expected = [t.raw_table for s in contracts.DATABASE_SOURCES for t in contracts.tables(s)] + ["co_notices"]
    assert sorted(declared) == sorted(expected)


def test_co_columns_come_from_the_contract():
    names = contracts.co_column_names()
    assert len(names) == 18 and names[0] == "id_comunicazione" and names[-1] == "centro_impiego"
    assert {c.name for c in contracts.co_columns() if c.type == "date"} == {
        "data_invio",
        "data_inizio",
        "data_fine",
        "data_cessazione",
    }
