"""The tasks page's long tables are built once per data version, unit, date and filters and kept in the process
(components/cached.py `keep_table`): a rerun (a click) does not build a nation's 5,000-row frame again, and a
filter shows its own rows. AppTest on SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from components import tables
from data_loaders.i18n import t
from tests.support.pages import run_page


def test_a_rerun_builds_no_task_frame_and_a_filter_gets_its_own(app_database, monkeypatch):
    built = []
    original = tables.task_frame
    monkeypatch.setattr(tables, "task_frame", lambda rows, *rest: built.append(len(rows)) or original(rows, *rest))
    app = run_page("tasks", {"province": "68"})
    assert not app.exception, app.exception
    first = list(built)
    assert first, "the first run builds its tables"
    table = app.dataframe[-1].value
    built.clear()
    app.run()
    assert built == [], "a rerun reads the kept frames"
    assert app.dataframe[-1].value.equals(table)

    status = next(box for box in app.selectbox if box.label == t("filter_status", "vi"))
    status.set_value("completed").run()
    assert not app.exception, app.exception
    assert built, "a filter's rows are a table of their own"
    assert len(app.dataframe[-1].value) < len(table)
