"""The extraction refuses a source older than PostgreSQL 14 before reading anything."""

from types import SimpleNamespace

import pytest
from florwork import contracts, errors
from florwork.extract.databases import schema


class _Source:
    """A source connection that only knows its server version: the check must not query."""

    def __init__(self, version: int):
        self.info = SimpleNamespace(server_version=version)

    def execute(self, *args, **kwargs):
        raise AssertionError("the version check comes before any query")


def test_a_source_older_than_postgresql_14_fails_the_batch_saying_why():
    with pytest.raises(errors.BatchFailed, match="runs PostgreSQL 13: the extraction needs PostgreSQL 14 or later"):
        schema.check_source_schema(_Source(130011), contracts.table("sis", "erogazioni"))


def test_a_source_on_postgresql_14_goes_on_to_the_contract_check():
    with pytest.raises(AssertionError, match="before any query"):
        schema.check_source_schema(_Source(140000), contracts.table("sis", "erogazioni"))
