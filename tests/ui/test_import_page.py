"""The upload page in AppTest: templates offered, a valid file previewed then committed on Confirm,
a wrong file listed cell by cell with the marked-up workbook offered, history shown, no traceback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_loaders.ingest.importer import import_file
from data_loaders.store import engine as db
from data_loaders.store.models import IndicatorValue, Upload
from tests.support.auth_helpers import ensure_account
from tests.support.databases import TEMPLATES
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, TASK_HEADERS, indicator_row, task_row, workbook_bytes


def _page(content: bytes | None, name: str):
    import streamlit as st

    from components.shell_guard import mark_app_shell
    from tests.support.auth_helpers import sign_in_as_test_admin

    class FakeUpload:
        def __init__(self, data: bytes, file_name: str) -> None:
            self.name, self._data = file_name, data

        def getvalue(self) -> bytes:
            return self._data

    # AppTest cannot drop a file on the uploader: the real widget is drawn, its value replaced
    real = st.file_uploader
    st.file_uploader = lambda *args, **kwargs: (real(*args, **kwargs), FakeUpload(content,
                                                                                  name) if content else None)[1]
    try:
        st.session_state["lang"] = "en"
        sign_in_as_test_admin()  # the upload page requires a signed-in person who may upload (issue 7)
        mark_app_shell(True)
        with open("pages/upload.py", encoding="utf-8") as handle:
            exec(compile(handle.read(), "pages/upload.py", "exec"), {"__name__": "__main__"})
    finally:
        st.file_uploader = real


@pytest.fixture
def database(tmp_path, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()  # components.cached.engine() must open this test's database
    st.cache_data.clear()
    url = TEMPLATES.copy("empty", "sqlite", "page", tmp_path)  # migrated, with the reference data
    monkeypatch.setenv("DATABASE_URL", url)
    engine = db.make_engine(url)
    # something in the database, so the app does not seed the sample
    base = workbook_bytes([task_row("NV-0")], TASK_HEADERS)
    assert import_file(base, "base.xlsx", engine=engine, today=dt.date(2025, 7, 15)).status == "imported"
    ensure_account(engine)
    yield engine
    engine.dispose()


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("success", "error", "info", "warning") for e in getattr(at, kind))


def test_valid_file_is_previewed_then_committed(database):
    content = workbook_bytes([indicator_row("Lâm Đồng", None, "24781", "06/2025", 7, 30)], INDICATOR_HEADERS)
    at = AppTest.from_function(_page, args=(content, "values.xlsx"), default_timeout=120).run()
    assert not at.exception, at.exception
    assert "The file is valid" in _texts(at)
    with database.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one() == 0
    [confirm] = [b for b in at.button if b.label == "Confirm and save"]
    confirm.click().run()
    assert not at.exception, at.exception
    with database.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one() == 3
        assert conn.execute(select(Upload.status).order_by(Upload.id.desc())).scalars().first() == "imported"


def test_wrong_file_lists_cells_and_offers_the_marked_workbook(database):
    content = workbook_bytes([indicator_row("Lâm Đồng", None, "24781", "06/2025", "bảy", 30)], INDICATOR_HEADERS)
    at = AppTest.from_function(_page, args=(content, "values.xlsx"), default_timeout=120).run()
    assert not at.exception, at.exception
    assert "nothing was saved" in _texts(at)
    frames = [df.value for df in at.dataframe]
    errors = next(f for f in frames if "message" in f.columns)
    assert errors.iloc[0]["row"] == 4 and errors.iloc[0]["value"] == "bảy"
    labels = {e.proto.label for e in at.get("download_button")}
    assert "Download the file with the wrong cells marked (.xlsx)" in labels
    with database.connect() as conn:
        assert conn.execute(select(Upload.status).order_by(Upload.id.desc())).scalars().first() == "rejected"


def test_not_a_spreadsheet_gets_a_sentence(database):
    at = AppTest.from_function(_page, args=(b"%PDF-1.4 nope", "scan.xlsx"), default_timeout=120).run()
    assert not at.exception
    assert "not an Excel" in _texts(at)
    # the attempt is in the history, with its outcome (issue 14)
    at = AppTest.from_function(_page, args=(None, ""), default_timeout=120).run()
    assert not at.exception, at.exception
    history = next(df.value for df in at.dataframe if "file_name" in df.value.columns)
    latest = history.iloc[0]
    assert (latest["file_name"], latest["kind"], latest["status"], latest["errors"]) == (
        "scan.xlsx", "Contents not read", "Rejected", 1)


def test_page_without_a_file_shows_templates_and_history(database):
    at = AppTest.from_function(_page, args=(None, ""), default_timeout=120).run()
    assert not at.exception
    labels = {e.proto.label for e in at.get("download_button")}
    assert {"Task progress template (.xlsx)", "Indicators by commune template (.xlsx)"} <= labels
    history = next(df.value for df in at.dataframe if "file_name" in df.value.columns)
    assert list(history["file_name"]) == ["base.xlsx"]


def test_saved_message_and_history_count_the_reports_the_preview_showed(database):
    # the issue's case: NV-0's progress changes (its report is updated) and NV-5 is new
    content = workbook_bytes([task_row("NV-0", progress=70), task_row("NV-5")], TASK_HEADERS)
    at = AppTest.from_function(_page, args=(content, "progress.xlsx"), default_timeout=120).run()
    assert not at.exception, at.exception
    preview = {m.label: m.value for m in at.metric}
    assert (preview["New reports"], preview["Reports updated"], preview["Reports unchanged"]) == ("1", "1", "0")
    [confirm] = [b for b in at.button if b.label == "Confirm and save"]
    confirm.click().run()
    assert not at.exception, at.exception
    assert "Progress reports saved: 1 new, 1 updated, 0 unchanged; tasks: 1 new, 0 updated" in _texts(at)
    with database.connect() as conn:
        row = conn.execute(select(Upload.created, Upload.updated, Upload.unchanged).order_by(Upload.id.desc())).first()
    assert tuple(row) == (1, 1, 0)
    history = next(df.value for df in at.dataframe if "file_name" in df.value.columns)
    assert (history.iloc[0]["created"], history.iloc[0]["updated"]) == (1, 1)
