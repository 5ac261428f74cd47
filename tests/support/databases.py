"""One fresh database per fixture: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.

A migrated empty database, or one holding the sample, is a copy of one made once per backend and
session (`TEMPLATES`): migrating takes seconds and loading the sample more, a copy a few milliseconds
(SQLite's backup API) or about a second (PostgreSQL's `CREATE DATABASE … TEMPLATE`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def fresh_database_url(backend: str, name: str, tmp_dir: Path, template: str | None = None) -> str:
    """A new database named for the fixture that asked for it: empty, or a copy of the database at the
    URL `template` (same backend; on PostgreSQL nobody may be connected to it)."""
    if backend == "sqlite":
        path = tmp_dir / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        if template is not None:
            with sqlite3.connect(template.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as copy:
                source.backup(copy)
        return f"sqlite:///{path}"
    base = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    database = f"nq57_test_{name}_{os.getpid()}"
    copied = f' TEMPLATE "{make_url(template).database}"' if template is not None else ""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"{copied}'))
    admin.dispose()
    return base.set(database=database).render_as_string(hide_password=False)


class Templates:
    """The databases the tests' databases are copied from, made once per backend and run on first use:
    "empty" (migrated, with the reference data: units, indicators) and "sample" (that and the sample
    workbooks, bootstrap.load_sample). Nothing stays connected to a template (PostgreSQL copies only a
    database nobody uses); `drop()` at the session's end (conftest.py)."""

    def __init__(self) -> None:
        self.urls: dict[tuple[str, str], str] = {}
        self._dir: Path | None = None

    def url(self, kind: str, backend: str) -> str:
        if (kind, backend) not in self.urls:
            from data_loaders.seed import bootstrap
            from data_loaders.store.engine import make_engine

            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="nq57-templates-"))
            if kind == "empty":
                url = fresh_database_url(backend, "template_empty", self._dir)
                bootstrap.prepare(make_engine(url)).dispose()
            elif kind == "sample":
                url = fresh_database_url(backend, "template_sample", self._dir, template=self.url("empty", backend))
                engine = make_engine(url)
                bootstrap.load_sample(engine)
                engine.dispose()
            else:
                raise ValueError(kind)
            self.urls[kind, backend] = url
        return self.urls[kind, backend]

    def copy(self, kind: str, backend: str, name: str, tmp_dir: Path) -> str:
        """A new database NAME, a copy of the template `kind` of `backend`."""
        return fresh_database_url(backend, name, tmp_dir, template=self.url(kind, backend))

    def drop(self) -> None:
        for url in self.urls.values():
            drop_database(url)
        self.urls.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


TEMPLATES = Templates()


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


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
