"""The small things a user notices in the app's shell (issue 12, item 6), under AppTest on SQLite and
PostgreSQL: the language in the URL (`?lang=`) and remembered by the account, the one-step unit
search without diacritics, times in Vietnam's time zone with the zone shown, audit details in words."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
import streamlit as st
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from components.audit_view import detail_text
from data_loaders.i18n import TIME_ZONE, t
from data_loaders.identity import accounts
from data_loaders.ingest import history
from data_loaders.ingest.limits import MB, current_limits
from data_loaders.store.engine import make_engine
from data_loaders.store.models import Account as AccountRow
from tests.support.auth_helpers import ensure_account, sign_in
from tests.support.pages import APP, run_page

READER = "pytest-lang"  # an account of its own: its remembered language must not leak into other tests


@pytest.fixture
def reader(app_database):
    """The reader's account, with no language remembered yet; the engine of the app's database."""
    engine = make_engine(os.environ["DATABASE_URL"])
    ensure_account(engine, READER, "viewer", "VN")
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.username == READER).values(language=None))
    yield engine
    engine.dispose()


def open_app(params: dict | None = None, username: str | None = READER) -> AppTest:
    """A new browser tab: a fresh session (no language in it), signed in, opening `params`."""
    app = AppTest.from_file(APP, default_timeout=120)
    if username:
        sign_in(app, username)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    return app.run()


def url_lang(app: AppTest) -> str | None:
    value = app.query_params.get("lang")
    return value[0] if isinstance(value, list) else value


def heading(app: AppTest) -> str:
    return app.sidebar.subheader[0].value


def language_switch(app: AppTest):
    return next(group for group in app.sidebar.button_group if str(group.key).startswith("lang_switch"))


def test_lang_in_the_url_opens_that_language_and_a_switch_writes_it_back(reader):
    app = open_app({"lang": "en"})
    assert not app.exception, app.exception
    assert heading(app) == t("drill_heading", "en") and url_lang(app) == "en"
    assert app.session_state["lang"] == "en"

    language_switch(app).set_value("vi").run()
    assert heading(app) == t("drill_heading", "vi")
    assert url_lang(app) == "vi", "the switch is in the URL: a reload or a shared link keeps it"
    assert accounts.account_language(READER, engine=reader) == "vi", "remembered for the account"

    language_switch(app).set_value("en").run()
    assert heading(app) == t("drill_heading", "en") and url_lang(app) == "en"
    assert accounts.account_language(READER, engine=reader) == "en"


def test_an_unknown_lang_is_dropped_and_vietnamese_stays_out_of_the_url(reader):
    app = open_app({"lang": "fr", "province": "68"})
    assert heading(app) == t("drill_heading", "vi")
    assert url_lang(app) is None and "province" in app.query_params
    assert url_lang(open_app({"province": "68"})) is None, "the default language adds nothing to a link"


def test_a_sign_in_opens_in_the_accounts_language_unless_the_link_names_one(reader):
    accounts.set_language(READER, "en", engine=reader)
    app = open_app()
    assert heading(app) == t("drill_heading", "en")
    assert url_lang(app) == "en", "and the URL says so, so a reload or a new tab keeps it"

    linked = open_app({"lang": "vi"})
    assert heading(linked) == t("drill_heading", "vi"), "the link's language wins over the account's"
    assert accounts.account_language(READER, engine=reader) == "en", "opening a link remembers nothing"

    nobody_chose = open_app(username=None)  # the sign-in screen of a new browser: the default language
    assert any(b.key == "sign_in_submit" for b in nobody_chose.button)
    assert t("auth_sign_in_button", "vi") in [b.label for b in nobody_chose.button]


def test_set_language_refuses_an_unknown_language(reader):
    with pytest.raises(ValueError):
        accounts.set_language(READER, "fr", engine=reader)
    assert accounts.account_language("no-such-account", engine=reader) is None


def _search(app: AppTest):
    boxes = [box for box in app.sidebar.selectbox if str(box.key).startswith("unit_search")]
    assert len(boxes) == 1, "one search box, no second dropdown"
    return boxes[0]


def test_unit_search_finds_a_commune_without_diacritics_and_opens_it_in_one_step(app_database):
    app = run_page("tasks", {})
    search = _search(app)
    assert not [box for box in app.sidebar.text_input if box.key == "unit_search"]
    labels = dict(zip(search.options, range(len(search.options))))
    assert len(labels) > 3000, "every province and commune, from the first open"
    # Streamlit's selectbox matches what is typed against the label, lower-cased: the folded copy
    # in the label is what "xuan huong" finds.
    found = [label for label in labels if "xuan huong" in label.lower()]
    assert found and found[0].startswith("Phường Xuân Hương - Đà Lạt — Lâm Đồng")
    assert any(label.startswith("Lâm Đồng") and "lam dong" in label for label in labels)

    search.set_value("24781").run()  # choose it: there, with no second step
    assert not app.exception, app.exception
    assert app.query_params["commune"] in ("24781", ["24781"])
    assert app.query_params["province"] in ("68", ["68"])
    assert _search(app).value is None, "the search is empty again, ready for the next"
    assert any("Xuân Hương" in title.value for title in app.title) or "Xuân Hương" in " ".join(
        b.label for b in app.button)


def _labelled(value: str) -> bool:
    return value.endswith("(UTC+7)")


def _header(dataframe, column: str) -> str:
    """The header a table shows over `column` (its column_config label)."""
    return json.loads(dataframe.proto.columns)[column]["label"]


def test_upload_history_times_are_vietnam_time_and_labelled(app_database, seeded_engine):
    """The zone is named once, in the time column's header; each cell is the clock time in Vietnam."""
    app = run_page("upload", {})
    assert not app.exception, app.exception
    shown = next(df for df in app.dataframe if "uploaded_at" in df.value.columns)
    table = shown.value
    first = history.list_uploads(limit=1, engine=seeded_engine)[0]
    stored = first["uploaded_at"]
    stored = stored.replace(tzinfo=dt.timezone.utc) if stored.tzinfo is None else stored
    expected = stored.astimezone(TIME_ZONE).strftime("%d/%m/%Y %H:%M")
    assert table["uploaded_at"].iloc[0] == expected
    assert _labelled(_header(shown, "uploaded_at"))
    assert not any(_labelled(value) for value in table["uploaded_at"])


@pytest.mark.parametrize(("lang", "button", "limit"), [("vi", "Chọn tệp", "Tối đa 20 MB"),
                                                         ("en", "Browse files", "Up to 20 MB")])
def test_the_uploader_speaks_the_users_language_and_states_the_real_limit(app_database, lang, button, limit):
    app = run_page("upload", {}, lang=lang)
    css = " ".join(element.value for element in app.html if "stFileUploaderDropzone" in element.value)
    assert f'content: "{button}"' in css and limit in css, css
    assert "50" not in css.split("content:")[2]
    # Streamlit refuses a larger file before sending it: its limit is the importer's, not 200 or 50 MB
    assert st.get_option("server.maxUploadSize") == current_limits().max_upload_bytes / MB == 20


def test_audit_trail_times_are_labelled_and_details_are_words(app_database):
    ensure_account(make_engine(os.environ["DATABASE_URL"]), "pytest-audited", "viewer", "68")
    for lang, words in (("vi", ("Vai trò: Người xem", "Phạm vi: Lâm Đồng")),
                        ("en", ("Role: Viewer", "Scope: Lâm Đồng"))):
        app = run_page("audit", {}, lang=lang)
        assert not app.exception, app.exception
        shown = next(df for df in app.dataframe)
        table = shown.value
        assert _labelled(_header(shown, "at")) and all(re.fullmatch(r"\S+( \S+ \S+)? \d\d:\d\d", value)
                                                      for value in table["at"]), table["at"].head()
        created = table[(table["target"] == "pytest-audited") & (table["action"] == t("audit_action_account_created",
                                                                                       lang))]
        detail = created["detail"].iloc[0]
        assert all(word in detail for word in words), detail
        assert "{" not in detail and "scope_code" not in detail


def test_audit_details_in_words(app_database):
    locked = {"failed_attempts": 5, "locked_until": "2026-12-06T07:05:00+00:00", "minutes": 15}
    assert detail_text(locked, "vi") == ("Số lần sai liên tiếp: 5; Khóa đến: 06/12/2026 14:05 (UTC+7); "
                                         "Số phút khóa: 15")
    assert detail_text({"reason": "wrong_password", "failed_attempts": 2}, "en") == \
        "Reason: wrong password; Failed attempts in a row: 2"
    assert detail_text({"changes": {"role": ["viewer", "admin"], "scope_code": ["68", "VN"]}}, "vi") == \
        "Vai trò: Người xem → Quản trị viên; Phạm vi: Lâm Đồng → Toàn quốc"
    assert detail_text({"unit": "68", "as_of": "2025-06-30", "bytes": 12345}, "en") == \
        "Unit: Lâm Đồng; Figures as of: 30 Jun 2025; Size (bytes): 12,345"
    refusal = detail_text({"reason": "upload_refused_unknown_account"}, "vi")
    assert refusal == t("upload_refused_unknown_account", "vi")
    assert detail_text({"something_new": 1}, "en") == "something_new: 1" and detail_text(None, "vi") == ""
