import pytest
from florwork import config, months


def test_uri_json_form_with_socket_host():
    uri = config.normalise_uri(
        '{"conn_type": "postgres", "host": "/run/pg", "login": "etl", "password": "p@ss;w", '
        '"schema": "warehouse", "port": 5433}'
    )
    parts = config.uri_parts(uri)
    assert (parts.host, parts.port, parts.user, parts.password, parts.dbname) == (
        "/run/pg",
        5433,
        "etl",
        "p@ss;w",
        "warehouse",
    )


def test_uri_forms_airflow_accepts():
    assert config.normalise_uri("postgres://u:p@db:5432/wh").startswith("postgresql://u:p@db:5432/wh")
    socket = config.uri_parts("postgresql://u@/wh?host=%2Fvar%2Frun%2Fpostgresql")
    assert socket.host == "/var/run/postgresql" and socket.dbname == "wh"
    with pytest.raises(config.ConfigError):
        config.normalise_uri("mysql://u@db/x")


def test_sqlalchemy_url_keeps_socket_dir():
    url = config.sqlalchemy_url("postgresql://u@/wh?host=/tmp/sock&port=5544")
    assert url == "postgresql+psycopg://u@/wh?host=/tmp/sock&port=5544"


def test_redact_hides_password():
    assert "secret" not in config.redact("postgresql://u:secret@h/db")


def test_key_required_outside_demo(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://u@h/db")
    monkeypatch.delenv("FLORWORK_EMBEDDED", raising=False)
    monkeypatch.delenv("AIRFLOW_VAR_PSEUDONYMISATION_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="AIRFLOW_VAR_PSEUDONYMISATION_KEY is not set"):
        config.pseudonymisation_key()
    monkeypatch.setenv("AIRFLOW_VAR_PSEUDONYMISATION_KEY", config.DEMO_PSEUDONYMISATION_KEY)
    with pytest.raises(config.ConfigError, match="demo key"):
        config.pseudonymisation_key()
    monkeypatch.setenv("AIRFLOW_VAR_PSEUDONYMISATION_KEY", "a-real-secret-of-enough-length")
    assert config.pseudonymisation_key() == "a-real-secret-of-enough-length"


def test_missing_source_connection_is_named(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://u@h/db")
    monkeypatch.delenv("FLORWORK_EMBEDDED", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_SIS_SOURCE", raising=False)
    with pytest.raises(config.ConfigError, match="AIRFLOW_CONN_SIS_SOURCE"):
        config.connection_uri("sis_source")


@pytest.mark.parametrize("value", ["2025-13", "2025-1", "25-01", "2025/01", "", "2025-00"])
def test_malformed_months_are_refused(value):
    with pytest.raises(months.BadMonth, match="YYYY-MM"):
        months.parse_month(value)


def test_month_cutoff_is_midnight_in_rome():
    cutoff = months.month_cutoff(months.parse_month("2025-03"))
    assert cutoff.isoformat() == "2025-04-01T00:00:00+02:00"
    assert months.last_complete_month(cutoff) == months.parse_month("2025-03")
    assert months.previous_month(months.parse_month("2025-01")) == months.parse_month("2024-12")


def test_an_optional_source_is_read_only_when_its_connection_is_set(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://u@h/db")
    monkeypatch.delenv("FLORWORK_EMBEDDED", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_IPL_SOURCE", raising=False)
    assert config.configured_sources() == ("sis", "partner")
    assert config.source_configured("sis")  # a source every city has: its missing connection is an error
    monkeypatch.setenv("AIRFLOW_CONN_IPL_SOURCE", "postgresql://u@h/ipl")
    assert config.configured_sources() == ("sis", "partner", "ipl")
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE")
    monkeypatch.delenv("AIRFLOW_CONN_IPL_SOURCE")
    assert config.source_configured("ipl")  # demo mode: the embedded ipl database
