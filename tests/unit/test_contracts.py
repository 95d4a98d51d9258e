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
