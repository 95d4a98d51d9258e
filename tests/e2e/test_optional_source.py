"""A city without Bologna's programme: outside demo mode, with AIRFLOW_CONN_IPL_SOURCE
unset, the ipl extraction tasks say the source is not configured and load nothing, and
the warehouse's data cutoff is that of the other sources (docs/architecture.md, "The
second programme")."""

from __future__ import annotations

from types import SimpleNamespace

from conftest import EXAMPLE, query
from florwork import config, contracts, months, pipeline, sources
from florwork.extract import co_files, databases

JANUARY = months.parse_month("2025-01")


def test_without_its_connection_the_optional_source_is_skipped_and_the_rest_runs(platform, monkeypatch, caplog):
    sources.load_dataset(EXAMPLE)
    # outside demo mode: every connection set by hand, except Bologna's
    for conn_id in ("warehouse", *(contracts.conn_id(s) for s in ("sis", "partner"))):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", config.embedded_uri(config.EMBEDDED_DATABASES[conn_id]))
    monkeypatch.delenv("AIRFLOW_CONN_IPL_SOURCE", raising=False)
    monkeypatch.delenv("FLORWORK_EMBEDDED", raising=False)
    monkeypatch.setenv("AIRFLOW_VAR_PSEUDONYMISATION_KEY", "a-key-for-this-test-only-of-enough-length")
    assert not config.uses_embedded() and config.configured_sources() == ("sis", "partner")

    cutoff = months.month_cutoff(JANUARY)
    for source in ("sis", "partner"):
        databases.extract_source(source, cutoff)
    co_files.load_co_files(months.next_month(JANUARY))
    context = {"dag_run": SimpleNamespace(conf={"month": "2025-01"}, run_type="manual")}
    with caplog.at_level("WARNING"):
        skipped = [pipeline.extract_table("ipl", t.name, context) for t in contracts.tables("ipl")]
    assert all(r["skipped"] == "AIRFLOW_CONN_IPL_SOURCE is not set" for r in skipped)
    assert "ipl is not configured (AIRFLOW_CONN_IPL_SOURCE is not set)" in caplog.text
    assert query("warehouse", "select count(*) from ops.batches where source = 'ipl'") == [(0,)]
    # the build is not held back by the source the city does not have
    assert pipeline.data_cutoff() == cutoff
