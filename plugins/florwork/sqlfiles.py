"""SQL programs kept in .sql files beside the modules that run them (as Airflow's
example DAGs keep theirs in ``sql/``): read once, composed with psycopg's ``sql``."""

from __future__ import annotations

from functools import cache
from importlib import resources

from psycopg import sql


@cache
def text(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>``."""
    return resources.files(package).joinpath("sql", name).read_text()


def query(package: str, name: str, **parts: sql.Composable) -> sql.Composable:
    """The file's SQL, its ``{name}`` fields filled with ``parts`` (identifiers, literals)."""
    return sql.SQL(text(package, name)).format(**parts) if parts else sql.SQL(text(package, name))
