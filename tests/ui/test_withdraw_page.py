"""Withdrawing an upload from the upload page's history: the uploader picks it, withdraws it, is told
so, and the history shows it withdrawn."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_loaders.ingest.importer import import_file
from data_loaders.store.models import Upload
from tests.support.auth_helpers import ensure_account, sign_in
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes
from tests.support.pages import APP


@pytest.fixture
def app_db(empty_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield empty_engine
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_uploader_withdraws_an_upload_from_the_history(app_db):
    clerk = ensure_account(app_db, "ld.baocao", role="reporter", scope="68")
    result = import_file(workbook_bytes([task_row("LD-9")], TASK_HEADERS), "thang6.xlsx", engine=app_db,
                         account=clerk, today=dt.date(2025, 7, 15))
    assert result.status == "imported"
    app = sign_in(AppTest.from_file(APP, default_timeout=120), "ld.baocao").run()
    app.switch_page("pages/upload.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="withdraw_pick").value == result.upload_id
    app.button(key="withdraw_submit").click().run()
    assert not app.exception, app.exception
    assert any(f"số {result.upload_id}" in s.value for s in app.success)
    with app_db.connect() as conn:
        assert conn.execute(select(Upload.status).where(Upload.id == result.upload_id)).scalar_one() == "withdrawn"
