"""What the app keeps per revision of the administrative units (components/cached.py `keep_per_units`): the
sidebar's search labels and the units outlive an upload (no process rebuilds 3,355 labels after each one) and
follow a renamed unit at once. AppTest on SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import update

from components import cached
from data_loaders.store.engine import make_engine, versions
from data_loaders.store.models import AdminUnit
from tests.support.builder import Builder
from tests.support.databases import BACKENDS
from tests.support.pages import own_app_database, run_page

COMMUNE = "24781"


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """The sample in a database of this module's own: the tests rename a unit."""
    with own_app_database(request.param, "units_store", tmp_path_factory.mktemp("units_store"),
                          copy_of="sample") as url:
        yield url


def _label(app, code: str) -> str:
    search = next(box for box in app.sidebar.selectbox if str(box.key).startswith("unit_search"))
    return search.format_func(code)


def _kept_labels() -> list:
    return [value for key, value in cached._UNITS.items() if key[0] == "sidebar.search_options"]


def test_search_labels_outlive_an_upload_and_follow_a_renamed_unit(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        app = run_page("tasks", {})
        assert _label(app, COMMUNE).startswith("Phường Xuân Hương - Đà Lạt — Lâm Đồng")
        [labels] = _kept_labels()

        version, units, _ = versions(engine)
        builder = Builder(engine)
        builder.upload()  # an upload: a new data version, the same units
        builder.commit()
        assert versions(engine)[0] != version and versions(engine)[1] == units
        app.run()
        assert not app.exception, app.exception
        assert _kept_labels() == [labels] and _kept_labels()[0] is labels, "kept as they were: not rebuilt"

        with engine.begin() as conn:  # a manual fix of a name
            conn.execute(update(AdminUnit).where(AdminUnit.code == COMMUNE).values(name="Phường Xuân Hương"))
        app.run()
        assert not app.exception, app.exception
        assert _label(app, COMMUNE).startswith("Phường Xuân Hương — Lâm Đồng")
    finally:
        engine.dispose()
