"""Database fixtures: every database test runs on SQLite, and on PostgreSQL too when
TEST_DATABASE_URL is set (as .ci/run does). Each fixture gets its own database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from data_loaders.store.engine import make_engine
from data_loaders.store.models import RollupCache
from tests.support.databases import BACKENDS, TEMPLATES, drop_database


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_url(request, tmp_path_factory):
    """A database holding the sample data, shared by the read-only tests of a session."""
    url = TEMPLATES.copy("sample", request.param, "seeded", tmp_path_factory.mktemp("db"))
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def seeded_engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def pytest_sessionfinish(session, exitstatus):
    TEMPLATES.drop()


def _empty_database(request, tmp_dir):
    """A generator for the fixtures below: a copy of the migrated empty database of the fixture's
    backend (made once a session), named for the test or module that asked for it; dropped afterwards."""
    name = f"empty_{request.node.name[:20]}".lower().replace("[", "_").replace("]", "").replace("-", "_")
    url = TEMPLATES.copy("empty", request.param, name.replace(".", "_"), tmp_dir)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path):
    """A migrated database with the reference data (units, indicators) and nothing uploaded."""
    yield from _empty_database(request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_empty_engine(request, tmp_path_factory):
    """The same, shared by a module's tests that only read what a module fixture wrote in it."""
    yield from _empty_database(request, tmp_path_factory.mktemp("module_db"))


@pytest.fixture(scope="module")
def app_database(seeded_url):
    """Point the app (AppTest runs it in this process) at the seeded database, with the caches of
    an earlier backend dropped."""
    from tests.support.pages import app_runs_on

    with app_runs_on(seeded_url):
        yield seeded_url


@pytest.fixture
def fresh_cache(seeded_engine):
    """The seeded database with the shared rollup cache emptied before and after."""
    with seeded_engine.begin() as conn:
        conn.execute(delete(RollupCache))
    yield seeded_engine
    with seeded_engine.begin() as conn:
        conn.execute(delete(RollupCache))


@pytest.fixture(scope="session")
def chromium():
    """The one Chromium of the run (tests/support/browser_support.py); skipped or failed with a reason when missing."""
    from tests.support.browser_support import launched_chromium

    yield from launched_chromium()
