"""Engine, sessions and schema migrations. The engine is created lazily, never at import time.

Two engines at most: `get_engine()` on `DATABASE_URL` (the primary: every write, the data version
an upload moves) and `get_read_engine()` on `DATABASE_READ_URL` when it is set (a PostgreSQL
streaming replica the views read their figures from; else the primary again). Each PostgreSQL
engine keeps a small pool, `NQ57_DB_POOL_SIZE` + `NQ57_DB_MAX_OVERFLOW` connections (default 4 + 4),
so N app processes stay within the server's `max_connections` (deploy/README.md has the arithmetic).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import NamedTuple

from alembic import command
from alembic.config import Config
from sqlalchemy import Dialect, Engine, Integer, TextualSelect, column, create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from data_loaders.store.models import ApprovalStep, AuditEntry, Plan, ReferenceRevision, Setting, Target, Upload

# the audit actions of a catalogue change (identity/indicators.py), which move the data version
CATALOGUE_ACTIONS = ("indicator_added", "indicator_retired", "indicator_deleted")

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_DIR / "var" / "nq57.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


POOL_SIZE_DEFAULT = 4
MAX_OVERFLOW_DEFAULT = 4
POOL_TIMEOUT_DEFAULT = 60  # seconds a script run waits for a free connection before failing


def _driver_url(url: str) -> str:
    # Accept the common postgres:// and postgresql:// forms; the driver is psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url() -> str:
    """`DATABASE_URL` (a SQLAlchemy URL) if set, else the embedded SQLite file under the project."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return _driver_url(url)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def read_database_url() -> str | None:
    """`DATABASE_READ_URL` (a read-only streaming replica of the primary) if set, else None."""
    url = os.environ.get("DATABASE_READ_URL", "").strip()
    return _driver_url(url) if url else None


def _env_count(name: str, default: int, least: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = least - 1
    if value < least:
        raise ValueError(f"{name} must be a whole number of at least {least}, not {raw!r}")
    return value


def pool_settings() -> dict[str, int]:
    """The connection pool of one PostgreSQL engine: at most pool_size + max_overflow connections."""
    return {"pool_size": _env_count("NQ57_DB_POOL_SIZE", POOL_SIZE_DEFAULT, least=1),
            "max_overflow": _env_count("NQ57_DB_MAX_OVERFLOW", MAX_OVERFLOW_DEFAULT),
            "pool_timeout": _env_count("NQ57_DB_POOL_TIMEOUT", POOL_TIMEOUT_DEFAULT, least=1)}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool_settings())


@functools.cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(database_url())


# A read engine -> the primary its writes go to (figures.cache stores shared figures there).
_PRIMARY_OF: dict[Engine, Engine] = {}


def make_read_engine(url: str, primary: Engine) -> Engine:
    """An engine that only reads (on PostgreSQL every transaction is READ ONLY, as on a standby,
    so a write that took the wrong engine fails here too); `primary_for` maps it back."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    _PRIMARY_OF[engine] = primary
    return engine


@functools.cache
def _read_engine_for(url: str, primary: Engine) -> Engine:
    return make_read_engine(url, primary)


def read_engine_for(primary: Engine) -> Engine:
    """Where the views read the figures of `primary`: the replica `DATABASE_READ_URL` names, else
    `primary` itself."""
    read_url = read_database_url()
    return primary if read_url is None else _read_engine_for(read_url, primary)


def get_read_engine() -> Engine:
    """The read engine of `get_engine()`'s database (see `read_engine_for`)."""
    return read_engine_for(get_engine())


def primary_for(engine: Engine) -> Engine:
    """The engine writes go to: the primary behind a read engine, else the engine itself."""
    return _PRIMARY_OF.get(engine, engine)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine | None = None) -> None:
    """Bring the schema to the latest migration. Safe to call on every start."""
    engine = engine or get_engine()
    command.upgrade(alembic_config(engine), "head")


class Versions(NamedTuple):
    """What a script run keys its caches on, read in one query (`versions`)."""

    data: int  # the data version: what every figure's cache is keyed on
    units: int  # the administrative units' revision: what depends on the units only
    decisions: int  # the latest approval step (0 before any): what the counting line is keyed on besides the data


def versions(engine: Engine | None = None) -> Versions:
    """What the UI caches are keyed on, so every app process behind a load balancer sees a change at
    once: the id of the latest upload that changed data (rejected or unchanged uploads change no
    figure, so they keep the caches), plus the plan catalogue's revision, plus the changes people made
    to targets, plus the latest audit entry of an indicator catalogue change, plus the revision of the
    administrative units. Every part only grows
    (target rows are never deleted: a change adds a row, ends one, or both; the published target seeded
    by the migration is row 0 and counts nothing), so the sum changes whenever any part does. Negative
    when the figures count approved submissions only (see below). Returned with the units' own revision
    (the second part), which keys what depends on the administrative units only, and the latest approval
    step (in the default mode a decision moves no figure, only the line on what the figures count): one
    query for the three."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        version, approvals, mode, units_revision = conn.execute(_versions_statement(engine.dialect)).one()
    if mode == "approved":  # as stored by store/settings.py (a validated choice)
        return Versions(-(1 + version + approvals), units_revision, approvals)
    return Versions(version, units_revision, approvals)


_VERSIONS_STATEMENTS: dict[str, TextualSelect] = {}


def _versions_statement(dialect: Dialect) -> TextualSelect:
    """The `versions` query as SQL text with its constants inline, compiled once per dialect: every script run
    of every viewer reads it, and building and compiling the expression each time (its IN lists expanded per
    execution) cost a tenth of a cached national overview view's CPU."""
    statement = _VERSIONS_STATEMENTS.get(dialect.name)
    if statement is None:
        # a withdrawal changes figures too: its history row moves the version like an import
        uploads = select(func.coalesce(func.max(Upload.id), 0)).where(
            Upload.status.in_(("imported", "withdrawal"))).scalar_subquery()
        plans = select(func.coalesce(func.max(Plan.revision), 0)).scalar_subquery()
        targets = select(func.coalesce(func.max(Target.id), 0) + func.count(Target.ended_at)).scalar_subquery()
        # An indicator added, retired or deleted changes templates, imports and figures as an upload does:
        # its audit entry (written with the change) moves the version too.
        catalogue = (
            select(func.coalesce(func.max(AuditEntry.id), 0))
            .where(AuditEntry.action.in_(CATALOGUE_ACTIONS), AuditEntry.outcome == "ok")
            .scalar_subquery())
        # Units added, renamed or moved (by the reference sync, a script or a manual fix): counted by triggers
        # on admin_unit (migration 0025), as figures name units and sum communes into their provinces.
        units = select(func.coalesce(func.max(ReferenceRevision.revision), 0)).where(
            ReferenceRevision.name == "admin_unit").scalar_subquery()
        # What the figures count (setting figures_counted, figures/sources.py): in approved-only mode the
        # version is negative, -(1 + the parts above + the latest approval step), so an approval, a return
        # or an unlock moves it, and no cache entry of one mode is ever read in the other.
        steps = select(func.coalesce(func.max(ApprovalStep.id), 0)).scalar_subquery()
        counted = select(Setting.value).where(Setting.key == "figures_counted").scalar_subquery()
        query = select((uploads + plans + targets + catalogue + units).label("version"), steps.label("approvals"),
                       counted.label("mode"), units.label("units_revision"))
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        statement = text(sql).columns(column("version", Integer), column("approvals", Integer),
                                      column("mode", Setting.value.type), column("units_revision", Integer))
        _VERSIONS_STATEMENTS[dialect.name] = statement
    return statement


def data_version(engine: Engine | None = None) -> int:
    """What the figures' caches are keyed on (`versions`)."""
    return versions(engine)[0]
