"""Engine, sessions and schema migrations. The engine is created lazily, never at import time."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from data_loaders.store.models import Upload

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_DIR / "var" / "nq57.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    """`DATABASE_URL` (a SQLAlchemy URL) if set, else the embedded SQLite file under the project."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Accept the common postgres:// and postgresql:// forms; the driver is psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


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
    return create_engine(url, pool_pre_ping=True)


@functools.cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(database_url())


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


def data_version(engine: Engine | None = None) -> int:
    """The id of the latest upload that changed data: what the UI caches are keyed on, so every
    app process behind a load balancer sees a new upload at once (rejected or unchanged uploads
    change no figure, so they keep the caches)."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        return conn.execute(
            select(func.coalesce(func.max(Upload.id), 0)).where(Upload.status == "imported")
        ).scalar_one()
