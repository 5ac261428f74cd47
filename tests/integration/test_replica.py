"""Reads from a PostgreSQL streaming replica (DATABASE_READ_URL), writes to the primary.

Without a replica (PostgreSQL only): a read engine's transactions are read-only, and the shared
figures read through it are still stored in the rollup cache, on the primary. With a replica built
by deploy/replica.sh on port 5433 (root and Debian's pg_createcluster needed, else skipped with the
reason): a change written through the primary is read through the replica once it has caught up,
the figures agree, a write through the replica fails, and `python -m data_loaders status` shows the
lag as data freshness — uploads not visible yet while replay is paused, none once it resumes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data_loaders.cli.status import freshness
from data_loaders.figures import cache, tasks
from data_loaders.seed import bootstrap
from data_loaders.store import engine as db
from data_loaders.store.models import RollupCache
from tests.support.builder import AS_OF, Builder
from tests.support.cli import json_payload, run_cli
from tests.support.databases import drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
REPLICA_SCRIPT = ROOT / "deploy" / "replica.sh"
REPLICA_PORT = 5433

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="a read replica is a PostgreSQL feature: set TEST_DATABASE_URL")


@pytest.fixture
def primary(tmp_path):
    url = fresh_database_url("postgresql", "replica_primary", tmp_path)
    engine = bootstrap.prepare(db.make_engine(url))
    yield engine
    engine.dispose()
    drop_database(url)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_status(primary, read_url: str | None, *args: str):
    """`python -m data_loaders status --json` against `primary` (and DATABASE_READ_URL): exit code, JSON."""
    done = run_cli(_url(primary), "status", "--json", *args, env={"DATABASE_READ_URL": read_url})
    return done.returncode, json_payload(done, ("--json",))


def _tasks(engine, codes: list[str]) -> None:
    builder = Builder(engine)
    upload = builder.upload()
    for code in codes:
        builder.task(code, dt.date(2025, 5, 31), [(dt.date(2025, 4, 1), "Đang thực hiện", 50)], upload_id=upload,
                     agency=f"Sở {codes[0]}")
    builder.commit()


# --- without a replica: the read engine only reads, shared figures are stored on the primary ----------------

def test_the_read_engine_is_read_only_and_shared_figures_are_stored_on_the_primary(primary):
    _tasks(primary, ["R-1", "R-2"])
    reader = db.make_read_engine(_url(primary), primary)
    assert db.primary_for(reader) is primary and db.primary_for(primary) is primary
    with pytest.raises(DBAPIError, match="read-only"), reader.begin() as conn:
        conn.execute(text("delete from rollup_cache"))

    version = db.data_version(reader)
    status = cache.read(tasks.task_status, reader, version, "VN", AS_OF)
    assert status == tasks.task_status("VN", AS_OF, engine=primary) and status["total"] == 2
    with primary.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RollupCache)
                            .where(RollupCache.data_version == version)).scalar_one() == 1
    reader.dispose()


def test_read_engine_for_follows_database_read_url(primary, monkeypatch):
    monkeypatch.delenv("DATABASE_READ_URL", raising=False)
    assert db.read_engine_for(primary) is primary
    monkeypatch.setenv("DATABASE_READ_URL", _url(primary).replace("postgresql+psycopg://", "postgresql://"))
    reader = db.read_engine_for(primary)
    assert reader is not primary and db.primary_for(reader) is primary
    assert db.read_engine_for(primary) is reader  # one engine (one pool) per process
    with reader.connect() as conn:
        assert conn.execute(text("show transaction_read_only")).scalar_one() == "on"


def test_status_without_a_read_url_shows_the_data_version(primary):
    _tasks(primary, ["S-1"])
    code, report = run_status(primary, None)
    assert code == 0
    assert report["data_version"] == db.data_version(primary) > 0 and report["read"] is None


def test_status_fails_when_the_read_url_is_not_a_standby(primary):
    code, report = run_status(primary, _url(primary))
    assert code == 1 and report["read"]["standby"] is False


# --- a real streaming replica on port 5433 -----------------------------------------------------------------

def _replica_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "making a PostgreSQL cluster needs root"
    tools = ("pg_createcluster", "pg_basebackup", "pg_lsclusters", "psql")
    missing = [tool for tool in tools if not shutil.which(tool)]
    if missing:
        return f"Debian's postgresql-common tools are missing: {', '.join(missing)}"
    primary_url = make_url(os.environ["TEST_DATABASE_URL"])
    if primary_url.host not in ("127.0.0.1", "localhost"):
        return "the replica is made on this machine: TEST_DATABASE_URL must name a local server"
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split("\n")
    ports = {line.split()[2] for line in listing if len(line.split()) > 2}
    if str(primary_url.port or 5432) not in ports:
        return "TEST_DATABASE_URL's server is not a cluster of this machine's pg_lsclusters"
    if str(REPLICA_PORT) in ports:
        return f"port {REPLICA_PORT} already has a cluster"
    return None


@pytest.fixture(scope="module")
def replica_port():
    reason = _replica_unavailable()
    if reason:
        pytest.skip(reason)
    primary_url = make_url(os.environ["TEST_DATABASE_URL"])
    env = {**os.environ, "NQ57_PRIMARY_PORT": str(primary_url.port or 5432),
           "NQ57_REPLICATION_USER": primary_url.username or "postgres"}
    try:
        made = subprocess.run(["bash", str(REPLICA_SCRIPT), "create", str(REPLICA_PORT)], env=env,
                              capture_output=True, text=True, timeout=600)
        assert made.returncode == 0, made.stderr
        yield REPLICA_PORT
    finally:
        dropped = subprocess.run(["bash", str(REPLICA_SCRIPT), "drop", str(REPLICA_PORT)], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert dropped.returncode == 0, dropped.stderr


def _replica_engine(primary, port: int):
    url = primary.url.set(port=port).render_as_string(hide_password=False)
    return db.make_read_engine(url, primary)


def _wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.2)


def _database_exists(engine) -> bool:
    try:
        with engine.connect():
            return True
    except DBAPIError:
        return False


def test_writes_on_the_primary_are_read_on_the_replica(primary, replica_port):
    replica = _replica_engine(primary, replica_port)
    try:
        _wait_until(lambda: _database_exists(replica))  # the test's database was created after the copy
        _tasks(primary, ["P-1", "P-2", "P-3"])
        _wait_until(lambda: freshness(primary, replica)["read"]["uploads_behind"] == 0)
        report = freshness(primary, replica)["read"]
        assert report["standby"] is True and report["data_version"] == db.data_version(primary) > 0

        version = db.data_version(replica)
        status = cache.read(tasks.task_status, replica, version, "VN", AS_OF)
        assert status == tasks.task_status("VN", AS_OF, engine=primary) and status["total"] == 3
        with primary.connect() as conn:  # computed on the replica, stored on the primary
            assert conn.execute(select(func.count()).select_from(RollupCache)).scalar_one() == 1
        with pytest.raises(DBAPIError), replica.begin() as conn:
            conn.execute(text("delete from task"))

        # The lag as data freshness: replay paused, a new upload is on the primary only.
        with replica.connect() as conn:
            conn.execute(text("select pg_wal_replay_pause()"))
        try:
            _tasks(primary, ["P-4"])
            code, paused = run_status(primary, _url(replica))
            assert code == 0 and paused["read"]["uploads_behind"] == 1
            assert paused["read"]["data_version"] == version < paused["data_version"]
            assert paused["read"]["lag_bytes"] > 0
            assert tasks.task_status("VN", AS_OF, engine=replica)["total"] == 3
            shown = run_cli(_url(primary), "status", lang="en", env={"DATABASE_READ_URL": _url(replica)}).stdout
            assert "1 imported upload is not visible yet" in shown
        finally:
            with replica.connect() as conn:
                conn.execute(text("select pg_wal_replay_resume()"))
        _wait_until(lambda: freshness(primary, replica)["read"]["uploads_behind"] == 0)
        code, resumed = run_status(primary, _url(replica))
        assert code == 0 and resumed["read"]["uploads_behind"] == 0
        assert resumed["read"]["data_version"] == resumed["data_version"]
        assert tasks.task_status("VN", AS_OF, engine=replica)["total"] == 4
    finally:
        replica.dispose()
