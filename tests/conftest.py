"""Database fixtures: every database test runs on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set (as .ci/run does). Each fixture gets its own database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from data_loaders.seed import bootstrap  # noqa: E402
from data_loaders.store.engine import make_engine  # noqa: E402

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def fresh_database_url(backend: str, name: str, tmp_dir: Path) -> str:
    """A new, empty database named for the fixture that asked for it."""
    if backend == "sqlite":
        path = tmp_dir / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    database = f"nq57_test_{name}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return base.set(database=database).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL test database (SQLite files go with pytest's temporary directories)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_url(request, tmp_path_factory):
    """A database holding the sample data, shared by the read-only tests of a session."""
    url = fresh_database_url(request.param, "seeded", tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    bootstrap.load_sample(engine)
    engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def seeded_engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path):
    """A migrated database with the reference data (units, indicators) and nothing uploaded."""
    url = fresh_database_url(request.param, f"empty_{request.node.name[:20]}".lower().replace("[", "_").replace("]", "").replace("-", "_"), tmp_path)
    engine = bootstrap.prepare(make_engine(url))
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def app_database(seeded_url):
    """Point the app (AppTest runs it in this process) at the seeded database, with the caches of
    an earlier backend dropped."""
    import streamlit as st

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", seeded_url)
        st.cache_data.clear()
        st.cache_resource.clear()
        yield seeded_url
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.fixture(scope="session")
def chromium():
    """The one Chromium of the run (tests/browser_support.py); skipped or failed with a reason when missing."""
    from tests.support.browser_support import launched_chromium

    yield from launched_chromium()
