"""Download buttons on the pages, and the audit entry a download writes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.pages import run_page


@pytest.mark.parametrize("page, tables, charts", [("tasks", 2, 3), ("accountability", 4, 0), ("overview", 0, 2)])
def test_pages_offer_downloads_for_every_table_and_chart(app_database, page, tables, charts):
    app = run_page(page, {})
    assert not app.exception, app.exception
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels.count("Tải Excel") == labels.count("Tải CSV") == tables
    assert labels.count("Ảnh PNG (báo cáo, trình chiếu)") == labels.count("Ảnh SVG (phóng to không vỡ nét)") == charts


def test_a_download_writes_an_export_entry_in_the_audit_trail(empty_engine, monkeypatch):
    from types import SimpleNamespace

    from components import exports as page_exports
    from data_loaders.identity import audit

    monkeypatch.setattr(page_exports.cached, "engine", lambda: empty_engine)
    monkeypatch.setattr(page_exports.auth, "signed_in_username", lambda: "lan.nguyen")
    monkeypatch.setattr(page_exports, "scope", lambda: SimpleNamespace(code="68"))
    monkeypatch.setattr(page_exports, "as_of", lambda: dt.date(2025, 6, 30))
    build = page_exports.audited(lambda: b"xlsx bytes", "nhiem-vu-qua-han_68_2025-06-30.xlsx")
    assert audit.entries(action="export", engine=empty_engine) == []  # nothing until someone downloads
    assert build() == b"xlsx bytes"
    [entry] = audit.entries(action="export", engine=empty_engine)
    assert entry["actor"] == "lan.nguyen" and entry["target"] == "nhiem-vu-qua-han_68_2025-06-30.xlsx"
    assert entry["detail"] == {"unit": "68", "as_of": "2025-06-30", "bytes": 10}
