"""The florwork command as a user meets it: clear errors, non-zero exits."""

import os
import subprocess
import sys

from conftest import ROOT, query
from florwork import contracts, warehouse

FLORWORK = [sys.executable, "-m", "florwork.cli"]


def florwork(*args, **env):
    inherited = dict(os.environ)
    if "AIRFLOW_CONN_WAREHOUSE" in env:  # outside demo mode: nothing of the suite's embedded set-up
        inherited = {
            k: v for k, v in inherited.items() if not k.startswith("AIRFLOW_CONN_") and k != "FLORWORK_EMBEDDED"
        }
    environment = {**inherited, "PYTHONPATH": str(ROOT / "plugins"), **env}
    return subprocess.run([*FLORWORK, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_malformed_month(embedded_server):
    result = florwork("run", "--through", "2025-13")
    assert result.returncode == 1
    assert "'2025-13' is not a month: use YYYY-MM" in result.stderr


def test_unreachable_database():
    result = florwork(
        "status",
        AIRFLOW_CONN_WAREHOUSE="postgresql://florwork@127.0.0.1:1/warehouse",
        AIRFLOW_VAR_PSEUDONYMISATION_KEY="a-secret-key-for-the-test",
    )
    assert result.returncode == 1
    assert "cannot reach the warehouse database at postgresql://florwork@127.0.0.1:1/warehouse" in result.stderr


def test_outside_demo_the_key_is_required():
    result = florwork(
        "run",
        "--through",
        "2025-01",
        AIRFLOW_CONN_WAREHOUSE="postgresql://u@127.0.0.1:1/w",
        AIRFLOW_CONN_SIS_SOURCE="postgresql://u@127.0.0.1:1/s",
        AIRFLOW_CONN_PARTNER_SOURCE="postgresql://u@127.0.0.1:1/p",
    )
    assert result.returncode == 1
    assert "AIRFLOW_VAR_PSEUDONYMISATION_KEY is not set" in result.stderr


def test_a_changed_key_is_refused_until_rekey(platform):
    assert florwork("status").returncode == 0
    changed = florwork("status", AIRFLOW_VAR_PSEUDONYMISATION_KEY="another-key-entirely-0123")
    assert changed.returncode == 1 and "florwork rekey --yes" in changed.stderr
    assert florwork("rekey", AIRFLOW_VAR_PSEUDONYMISATION_KEY="another-key-entirely-0123").returncode == 1
    rekeyed = florwork("rekey", "--yes", AIRFLOW_VAR_PSEUDONYMISATION_KEY="another-key-entirely-0123")
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert florwork("status", AIRFLOW_VAR_PSEUDONYMISATION_KEY="another-key-entirely-0123").returncode == 0


def test_person_key_is_hmac_sha256_of_the_cf(platform):
    import hashlib
    import hmac

    from florwork import config

    with warehouse.connect("warehouse") as wh:
        warehouse.bootstrap(wh)
    got = query("warehouse", "select ops.person_key(' mmfrdf75c25g846c ')")[0][0]
    expected = hmac.new(config.pseudonymisation_key().encode(), b"MMFRDF75C25G846C", hashlib.sha256).hexdigest()
    assert got == expected


def test_source_databases_match_the_contracts(platform):
    for conn_id, source in (("sis_source", "sis"), ("partner_source", "partner")):
        for table in contracts.tables(source):
            rows = query(
                conn_id,
                "select column_name, is_nullable from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                (source, table.name),
            )
            assert rows == [(c.name, "NO" if c.not_null else "YES") for c in table.columns]
