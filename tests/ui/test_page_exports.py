"""Download buttons on the pages, and the audit entry a download writes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.pages import run_page


@pytest.mark.parametrize("page, tables, charts", [("tasks", 2, 5), ("accountability", 5, 1), ("overview", 0, 2)])
def test_pages_offer_downloads_for_every_table_and_chart(app_database, page, tables, charts):
    app = run_page(page, {})
    assert not app.exception, app.exception
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels.count("Tải Excel") == labels.count("Tải CSV") == tables
    assert labels.count("Ảnh PNG (báo cáo, trình chiếu)") == labels.count("Ảnh SVG (phóng to không vỡ nét)") == charts


def test_a_download_writes_an_export_entry_in_the_audit_trail(empty_engine, monkeypatch):
    from types import SimpleNamespace

    from components import exports as page_exports
    from data_loaders.identity import accounts, audit
    from data_loaders.identity import sessions as sign_in_sessions

    account = accounts.create_account("lan.nguyen", "mat-khau-du-dai-2025", "viewer", "68", actor="cli:test",
                                      engine=empty_engine)
    token = sign_in_sessions.open_session(account, engine=empty_engine)
    drawn = page_exports.auth._DrawnFor(empty_engine, "lan.nguyen", "password", token, None)
    monkeypatch.setattr(page_exports.auth, "_drawn_for", lambda: drawn)  # who the button was drawn for
    monkeypatch.setattr(page_exports, "scope", lambda: SimpleNamespace(code="68"))
    monkeypatch.setattr(page_exports, "as_of", lambda: dt.date(2025, 6, 30))
    build = page_exports.audited(lambda: b"xlsx bytes", "nhiem-vu-qua-han_68_2025-06-30.xlsx", kind="table",
                                 table="Nhiệm vụ quá hạn", rows=3)
    assert audit.entries(action="export", engine=empty_engine) == []  # nothing until someone downloads
    assert build() == b"xlsx bytes"
    [entry] = audit.entries(action="export", engine=empty_engine)
    assert entry["actor"] == "lan.nguyen" and entry["target"] == "nhiem-vu-qua-han_68_2025-06-30.xlsx"
    assert entry["detail"] == {"unit": "68", "as_of": "2025-06-30", "format": "xlsx", "kind": "table",
                               "table": "Nhiệm vụ quá hạn", "rows": 3, "bytes": 10}
    sign_in_sessions.end_session(token, engine=empty_engine)  # signed out in another tab
    with pytest.raises(page_exports.auth.DownloadRefused):
        build()
    refused = audit.entries(action="export", engine=empty_engine)[0]
    assert refused["outcome"] == "refused" and refused["detail"]["reason"] == "ended"
    # a download whose data layer writes its own entry: only the refusal is written here
    quiet = page_exports.auth.audited_download(lambda: b"pdf", "bien-ban.pdf", {"kind": "evidence"},
                                               record_success=False)
    with pytest.raises(page_exports.auth.DownloadRefused):
        quiet()
    assert audit.entries(action="export", engine=empty_engine)[0]["target"] == "bien-ban.pdf"
    live = sign_in_sessions.open_session(account, engine=empty_engine)
    monkeypatch.setattr(page_exports.auth, "_drawn_for", lambda: drawn.__class__(empty_engine, "lan.nguyen",
                                                                               "password", live, None))
    before = len(audit.entries(action="export", engine=empty_engine))
    quiet = page_exports.auth.audited_download(lambda: b"pdf", "bien-ban.pdf", {"kind": "evidence"},
                                               record_success=False)
    assert quiet() == b"pdf" and len(audit.entries(action="export", engine=empty_engine)) == before
