"""The connection pool of each PostgreSQL engine is small and set from the environment
(NQ57_DB_POOL_SIZE + NQ57_DB_MAX_OVERFLOW, 4 + 4 by default), so N app processes fit PostgreSQL's
max_connections (deploy/README.md); a wrong value is refused with the variable's name. Building an
engine opens no connection, so no server is needed."""

from __future__ import annotations

import pytest

from data_loaders.store import engine as db

URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_default_pool_is_four_plus_four(monkeypatch):
    for name in ("NQ57_DB_POOL_SIZE", "NQ57_DB_MAX_OVERFLOW", "NQ57_DB_POOL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    engine = db.make_engine(URL)
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (4, 4, 60)


def test_pool_follows_the_environment(monkeypatch):
    monkeypatch.setenv("NQ57_DB_POOL_SIZE", "2")
    monkeypatch.setenv("NQ57_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("NQ57_DB_POOL_TIMEOUT", "5")
    engine = db.make_engine(URL)
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (2, 0, 5)


@pytest.mark.parametrize(("name", "value"), [("NQ57_DB_POOL_SIZE", "0"), ("NQ57_DB_POOL_SIZE", "four"),
                                             ("NQ57_DB_MAX_OVERFLOW", "-1")])
def test_a_wrong_pool_setting_is_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        db.make_engine(URL)


def test_the_read_url_takes_the_same_forms_as_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_READ_URL", raising=False)
    assert db.read_database_url() is None
    monkeypatch.setenv("DATABASE_READ_URL", " postgres://reader@replica:5433/nq57 ")
    assert db.read_database_url() == "postgresql+psycopg://reader@replica:5433/nq57"
