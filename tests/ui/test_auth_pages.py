"""Who sees what in the app (AppTest, on SQLite and PostgreSQL): the first-run setup screen, the
sign-in form (wrong password, lock-out), session expiry, a disabled account, each role against
each page (shown or not) and each write path (allowed or refused), scopes clamped from the URL,
and the public read-only mode."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import streamlit as st
from sqlalchemy import delete, func, select
from streamlit.testing.v1 import AppTest

from components.auth import METHOD_KEY, SIGNED_IN_AT_KEY, TOKEN_KEY, USERNAME_KEY, DownloadRefused
from data_loaders import figures
from data_loaders.i18n import t
from data_loaders.identity import accounts, audit
from data_loaders.identity.admin import change_setting
from data_loaders.ingest.importer import import_file
from data_loaders.store.models import Account, AuditEntry, IndicatorValue, SignInSession, Upload
from data_loaders.store.settings import get_settings
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import PASSWORD, ensure_account, sign_in
from tests.support.cli import run_cli
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

APP = str(PROJECT_DIR / "app.py")
VIEW_PAGES = ("overview", "tasks", "infrastructure", "ecosystem", "map", "warnings", "accountability", "quality")
ROLE_PAGES = {  # the pages each role is given, beyond the views every role reads
    "viewer": set(),
    "reporter": {"upload"},
    "admin": {"upload", "admin_accounts", "admin_settings", "audit"},
}
OTHER_PAGES = ("upload", "admin_accounts", "admin_settings", "audit")


@pytest.fixture
def app_db(empty_engine, monkeypatch):
    """The app pointed at a fresh database holding one task (so it does not load the sample)."""
    monkeypatch.setenv("DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    base = workbook_bytes([task_row("NV-0")], TASK_HEADERS)
    assert import_file(base, "base.xlsx", engine=empty_engine, today=dt.date(2025, 7, 15)).status == "imported"
    yield empty_engine
    st.cache_data.clear()
    st.cache_resource.clear()


def new_app(params: dict | None = None, lang: str = "vi") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.session_state["lang"] = lang
    return app


def texts(app: AppTest, *kinds: str) -> str:
    kinds = kinds or ("title", "subheader", "caption", "markdown", "success", "error", "warning", "info")
    return "\n".join(str(getattr(e, "value", "")) for kind in kinds for e in getattr(app, kind))


def reachable(app: AppTest, page: str) -> bool:
    """Whether st.navigation offered this page to the person (AppTest refuses to switch to a page
    the app did not register)."""
    try:
        app.switch_page(f"pages/{page}.py")
    except ValueError:
        return False
    app.switch_page("pages/overview.py")
    return True


def on_sign_in_screen(app: AppTest) -> bool:
    return any(b.key == "sign_in_submit" for b in app.button)


# --- first run ------------------------------------------------------------------------------------

def test_first_run_creates_the_administrator_and_signs_in(app_db):
    app = new_app({"province": "68"}).run()
    assert not app.exception
    assert "Thiết lập lần đầu" in texts(app) and accounts.needs_setup(app_db)
    app.text_input(key="setup_username").input("quantri")
    app.text_input(key="setup_password").input("mat-khau-quan-tri")
    app.text_input(key="setup_password_repeat").input("mat-khau-khac-nhau")
    app.button(key="setup_submit").click().run()
    assert "không khớp" in texts(app, "error") and accounts.needs_setup(app_db)

    app.text_input(key="setup_password").input("mat-khau-quan-tri")
    app.text_input(key="setup_password_repeat").input("mat-khau-quan-tri")
    app.button(key="setup_submit").click().run()
    assert not app.exception, app.exception
    admin = accounts.get_account("quantri", engine=app_db)
    assert admin is not None and admin.role == "admin" and admin.scope_code == "VN"
    assert "Lâm Đồng" in texts(app)  # signed in, on the view of the link that was opened
    assert all(reachable(app, page) for page in OTHER_PAGES)
    assert [e["action"] for e in audit.entries(actor="quantri", engine=app_db)][-1] == "setup_admin"


def test_setup_screen_gone_once_an_account_exists(app_db):
    ensure_account(app_db, "nguoixem", "viewer")
    app = new_app().run()
    assert on_sign_in_screen(app) and "Thiết lập lần đầu" not in texts(app)


# --- the sign-in form ----------------------------------------------------------------------------

def _submit(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="sign_in_username").input(username)
    app.text_input(key="sign_in_password").input(password)
    return app.button(key="sign_in_submit").click().run()


def test_sign_in_keeps_the_shared_link(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = new_app({"province": "68", "commune": communes("68", 1)[0].code, "as_of": "2025-06-30"}).run()
    assert on_sign_in_screen(app) and not app.metric
    _submit(app, "lanhdao", PASSWORD)
    assert not app.exception and not on_sign_in_screen(app)
    assert app.query_params["commune"] in ([communes("68", 1)[0].code], communes("68", 1)[0].code)
    assert communes("68", 1)[0].name in texts(app)
    assert audit.entries(actor="lanhdao", action="sign_in", engine=app_db)


def test_wrong_password_then_lock_out_message_in_each_language(app_db):
    ensure_account(app_db, "baocao", "reporter", "68")
    change_setting("lockout_attempts", 3, app_db, user="cli:pytest")
    app = new_app().run()
    _submit(app, "baocao", "sai-mat-khau-1")
    assert t("account_invalid_credentials", "vi") in texts(app, "error")
    assert app.text_input(key="sign_in_password").value == ""  # never kept
    _submit(app, "baocao", "sai-mat-khau-2")
    app.session_state["lang"] = "en"
    _submit(app, "baocao", "sai-mat-khau-3")
    assert t("account_locked", "en", minutes=15) in texts(app, "error")
    _submit(app, "baocao", PASSWORD)  # the right password is refused while locked
    assert on_sign_in_screen(app) and t("account_locked", "en", minutes=15) in texts(app, "error")
    actions = {e["action"] for e in audit.entries(actor="baocao", engine=app_db)}
    assert {"sign_in_failed", "account_locked"} <= actions and "sign_in" not in actions


def test_empty_form_says_what_is_missing(app_db):
    ensure_account(app_db, "baocao", "reporter", "68")
    app = _submit(new_app().run(), "", "")
    assert "Hãy nhập cả tên đăng nhập và mật khẩu" in texts(app, "warning")


def test_expired_session_returns_to_the_form_with_a_message(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    minutes = get_settings(app_db)["session_minutes"]
    app = sign_in(new_app(), "lanhdao", dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes - 1)).run()
    assert not on_sign_in_screen(app) and app.metric
    app = sign_in(new_app(), "lanhdao", dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes + 1)).run()
    assert on_sign_in_screen(app) and "Phiên làm việc đã hết hạn" in texts(app, "warning")
    [ended] = audit.entries(actor="lanhdao", action="sign_out", engine=app_db)
    assert ended["detail"] == {"reason": "expired"}


def test_disabling_an_account_ends_its_open_session(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = sign_in(new_app(), "lanhdao").run()
    assert not on_sign_in_screen(app)
    accounts.set_disabled("lanhdao", True, actor="cli:pytest", engine=app_db)
    app.run()
    assert on_sign_in_screen(app) and "đã bị khóa" in texts(app, "warning")


def test_sign_out_from_the_sidebar(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = sign_in(new_app(), "lanhdao").run()
    app.sidebar.button(key="sign_out").click().run()
    assert on_sign_in_screen(app) and "Bạn đã đăng xuất" in texts(app, "success")
    assert audit.entries(actor="lanhdao", action="sign_out", engine=app_db)


# --- each role against each page -----------------------------------------------------------------

@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_is_offered_only_its_pages(app_db, role):
    scope = "68" if role != "admin" else "VN"
    ensure_account(app_db, f"tk-{role}", role, scope)
    app = sign_in(new_app(), f"tk-{role}").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    for page in OTHER_PAGES:
        assert reachable(app, page) == (page in ROLE_PAGES[role]), (role, page)
    for page in VIEW_PAGES:
        assert reachable(app, page), (role, page)


@pytest.mark.parametrize("role", ["viewer", "reporter"])
@pytest.mark.parametrize("page", ["admin_accounts", "admin_settings", "audit"])
def test_admin_pages_refuse_others_even_when_run_directly(app_db, role, page):
    """Without app.py's navigation (as if reached some other way) the page checks again."""
    ensure_account(app_db, f"tk-{role}", role, "68")
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / f"{page}.py"), default_timeout=120)
    app.session_state["_nq57_inside_app_shell"] = True
    sign_in(app, f"tk-{role}").run()
    assert t("not_permitted", "vi") in texts(app, "error")
    assert not app.text_input and not app.dataframe and not app.button


# --- scopes in the URL ---------------------------------------------------------------------------

def test_province_viewer_cannot_open_another_province(app_db):
    ensure_account(app_db, "xem-lamdong", "viewer", "68")
    app = sign_in(new_app({"province": "01"}), "xem-lamdong").run()
    assert not app.exception
    assert app.query_params["province"] in (["68"], "68")
    assert "chỉ được xem số liệu của Lâm Đồng" in texts(app, "warning")
    other_commune = communes("01", 1)[0]
    app = sign_in(new_app({"commune": other_commune.code}), "xem-lamdong").run()
    assert app.query_params["province"] in (["68"], "68") and "commune" not in app.query_params
    assert other_commune.name not in texts(app)
    # its own communes open without a word
    own = communes("68", 1)[0]
    app = sign_in(new_app({"commune": own.code}), "xem-lamdong").run()
    assert own.name in texts(app) and not app.warning


def test_province_viewer_sidebar_offers_only_its_communes(app_db):
    ensure_account(app_db, "xem-lamdong", "viewer", "68")
    app = sign_in(new_app(), "xem-lamdong").run()
    pickers = [s for s in app.sidebar.selectbox if s.key and s.key.startswith(("province_pick", "commune_pick"))]
    assert [s.key.split("::")[0] for s in pickers] == ["commune_pick"]
    search = [s for s in app.sidebar.selectbox if s.key and s.key.startswith("unit_search")]
    names = list(search[0].options) if search else []  # AppTest lists the shown labels
    assert names and all("Lâm Đồng" in n for n in names)


def test_commune_viewer_sees_only_its_commune(app_db):
    own = communes("68", 1)[0]
    ensure_account(app_db, "xem-xa", "viewer", own.code)
    app = sign_in(new_app({"province": "68"}), "xem-xa").run()
    assert app.query_params["commune"] in ([own.code], own.code)
    assert own.name in texts(app)
    assert not [s for s in app.sidebar.selectbox if s.key and s.key.startswith(("province_pick", "commune_pick"))]


# --- write paths ---------------------------------------------------------------------------------

def _upload_page(content: bytes | None, name: str, username: str, keep_downloads: bool = False):
    """pages/upload.py with a file dropped on the uploader (AppTest cannot drop one), signed in;
    with `keep_downloads`, each download button's data (what a click runs) kept by its key."""

    import streamlit as st

    from components import cached
    from components.auth import USERNAME_KEY, session_state_for
    from components.shell_guard import mark_app_shell
    from data_loaders.identity import accounts

    class FakeUpload:
        def __init__(self, data: bytes, file_name: str) -> None:
            self.name, self._data = file_name, data

        def getvalue(self) -> bytes:
            return self._data

    real = st.file_uploader
    st.file_uploader = lambda *args, **kwargs: (real(*args, **kwargs), FakeUpload(content,
                                                                                  name) if content else None)[1]
    from streamlit.delta_generator import DeltaGenerator

    real_download, real_method = st.download_button, DeltaGenerator.download_button

    def keep(container, label, data=None, *args, **kwargs):
        st.session_state.setdefault("_test_downloads", {})[kwargs.get("key") or label] = data
        return real_method(container, label, data, *args, **kwargs)

    if keep_downloads:  # st.download_button and a column's .download_button alike
        DeltaGenerator.download_button = keep
        st.download_button = lambda *args, **kwargs: keep(st._main, *args, **kwargs)
    try:
        st.session_state["lang"] = "en"
        if USERNAME_KEY not in st.session_state:
            st.session_state.update(session_state_for(accounts.get_account(username, engine=cached.engine()),
                                                      engine=cached.engine()))
        mark_app_shell(True)
        with open("pages/upload.py", encoding="utf-8") as handle:
            exec(compile(handle.read(), "pages/upload.py", "exec"), {"__name__": "__main__"})
    finally:
        st.file_uploader, st.download_button = real, real_download
        DeltaGenerator.download_button = real_method


def _values(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one()


def test_reporter_upload_of_another_province_is_refused_whole(app_db):
    ensure_account(app_db, "baocao-lamdong", "reporter", "68")
    own, other = communes("68", 1)[0], communes("01", 1)[0]
    rows = [indicator_row("Lâm Đồng", own.name, own.code, "06/2025", 7, 30),
            indicator_row("Hà Nội", other.name, other.code, "06/2025", 9, 40)]
    before = figures.summary("VN", engine=app_db)
    at = AppTest.from_function(_upload_page, args=(workbook_bytes(rows, INDICATOR_HEADERS), "mixed.xlsx",
                                                   "baocao-lamdong"), default_timeout=120).run()
    assert not at.exception, at.exception
    shown = texts(at, "info", "error").replace("\\", "")  # escaped Markdown
    assert "baocao-lamdong" in shown and "Lâm Đồng" in shown  # who uploads, and within what
    assert "nothing was saved" in shown or "rejected" in shown.lower()
    errors = next(df.value for df in at.dataframe if "message" in df.value.columns)
    assert list(errors["row"]) == [5] and other.code in errors.iloc[0]["message"] + str(errors.iloc[0]["value"])
    assert not [b for b in at.button if b.label == "Confirm and save"]
    assert figures.summary("VN", engine=app_db) == before and _values(app_db) == 0
    with app_db.connect() as conn:
        assert conn.execute(select(Upload.uploaded_by, Upload.status).order_by(Upload.id.desc())).first() == (
            "baocao-lamdong", "rejected")


def test_reporter_upload_inside_its_scope_is_committed_under_its_name(app_db):
    ensure_account(app_db, "baocao-lamdong", "reporter", "68")
    own = communes("68", 1)[0]
    content = workbook_bytes([indicator_row("Lâm Đồng", own.name, own.code, "06/2025", 7, 30)], INDICATOR_HEADERS)
    at = AppTest.from_function(_upload_page, args=(content, "own.xlsx", "baocao-lamdong"), default_timeout=120).run()
    assert not at.text_input, "the uploader's name is the account, not free text"
    [confirm] = [b for b in at.button if b.label == "Confirm and save"]
    confirm.click().run()
    assert not at.exception, at.exception
    assert _values(app_db) > 0
    with app_db.connect() as conn:
        assert conn.execute(select(Upload.uploaded_by).order_by(Upload.id.desc())).scalar() == "baocao-lamdong"
    history = next(df.value for df in at.dataframe if "file_name" in df.value.columns)
    assert list(history["file_name"]) == ["own.xlsx"]  # a reporter's history: its own uploads only


def test_viewer_is_refused_the_upload_page(app_db):
    ensure_account(app_db, "lanhdao", "viewer", "VN")
    at = AppTest.from_function(_upload_page, args=(b"x", "a.xlsx", "lanhdao"), default_timeout=120).run()
    assert t("not_permitted", "en") in texts(at, "error") and not at.get("file_uploader")


def _admin_app(app_db, page: str) -> AppTest:
    ensure_account(app_db, "quantri", "admin")
    app = sign_in(new_app(), "quantri").run()
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def test_admin_creates_a_province_reporter(app_db):
    app = _admin_app(app_db, "admin_accounts")
    app.text_input(key="new_username").input("baocao-hanoi")
    app.text_input(key="new_display_name").input("<b>Nguyễn</b> Văn B")
    app.selectbox(key="new_role").set_value("reporter")
    app.selectbox(key="new_scope").set_value("01")
    app.text_input(key="new_password").input("mat-khau-bao-cao-01")
    app.text_input(key="new_password_repeat").input("mat-khau-bao-cao-01")
    app.button(key="create_submit").click().run()
    assert not app.exception, app.exception
    assert "baocao-hanoi" in texts(app, "success").replace("\\", "")  # escaped Markdown
    created = accounts.get_account("baocao-hanoi", engine=app_db)
    assert (created.role, created.scope_code, created.display_name) == ("reporter", "01", "<b>Nguyễn</b> Văn B")
    table = next(df.value for df in app.dataframe if "username" in df.value.columns)
    assert "<b>Nguyễn</b> Văn B" in list(table["display_name"])  # shown as text in a table cell
    [entry] = audit.entries(actor="quantri", action="account_created", engine=app_db)
    assert entry["target"] == "baocao-hanoi"


def test_admin_create_refusal_is_a_sentence_and_changes_nothing(app_db):
    app = _admin_app(app_db, "admin_accounts")
    count = len(accounts.list_accounts(engine=app_db))
    app.text_input(key="new_username").input("baocao-hanoi")
    app.text_input(key="new_password").input("ngan")  # too short
    app.text_input(key="new_password_repeat").input("ngan")
    app.button(key="create_submit").click().run()
    assert not app.exception and app.error
    assert len(accounts.list_accounts(engine=app_db)) == count


def test_admin_disables_and_re_enables_an_account(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = _admin_app(app_db, "admin_accounts")
    app.selectbox(key="admin_pick_account").set_value("lanhdao").run()
    app.button(key="disable::lanhdao").click().run()
    assert accounts.get_account("lanhdao", engine=app_db).disabled
    app.button(key="enable::lanhdao").click().run()
    assert not accounts.get_account("lanhdao", engine=app_db).disabled
    entries = audit.entries(actor="quantri", engine=app_db)
    assert [(e["action"], e["target"]) for e in entries if e["action"].startswith("account_")][:2] == [
        ("account_enabled", "lanhdao"), ("account_disabled", "lanhdao")]


def test_admin_changes_scope_and_resets_a_password(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = _admin_app(app_db, "admin_accounts")
    app.selectbox(key="admin_pick_account").set_value("lanhdao").run()
    app.selectbox(key="edit::lanhdao_scope").set_value("68")
    app.button(key="edit::lanhdao_submit").click().run()
    assert accounts.get_account("lanhdao", engine=app_db).scope_code == "68"
    app.text_input(key="reset::lanhdao").input("mat-khau-moi-hoan-toan")
    app.text_input(key="reset_repeat::lanhdao").input("mat-khau-moi-hoan-toan")
    app.button(key="reset_submit::lanhdao").click().run()
    assert not app.exception
    assert accounts.authenticate("lanhdao", "mat-khau-moi-hoan-toan", engine=app_db).username == "lanhdao"
    actions = {e["action"] for e in audit.entries(actor="quantri", engine=app_db)}
    assert {"account_updated", "password_reset"} <= actions


def test_admin_cannot_disable_itself(app_db):
    app = _admin_app(app_db, "admin_accounts")
    app.selectbox(key="admin_pick_account").set_value("quantri").run()
    assert not [b for b in app.button if b.key and b.key.startswith("disable::")]


def test_settings_page_saves_under_the_admins_name(app_db):
    app = _admin_app(app_db, "admin_settings")
    keys = {w.key for kind in ("number_input", "toggle", "date_input", "text_input", "selectbox")
            for w in getattr(app, kind)}
    assert {f"setting::{d}" for d in get_settings(app_db)} <= keys  # every setting has its widget
    app.number_input(key="setting::stalled_days").set_value(45)
    app.toggle(key="setting::public_read_only").set_value(True)
    app.selectbox(key="setting::smtp_security").set_value("starttls")  # a setting with a fixed set of values
    app.button(key="settings_submit").click().run()
    assert not app.exception, app.exception
    values = get_settings(app_db)
    assert values["stalled_days"] == 45 and values["public_read_only"] is True
    assert values["smtp_security"] == "starttls"
    changed = audit.entries(actor="quantri", action="settings_changed", engine=app_db)
    assert {e["target"] for e in changed} >= {"stalled_days", "public_read_only"}


def test_settings_page_refuses_a_bad_combination_and_saves_nothing(app_db):
    app = _admin_app(app_db, "admin_settings")
    app.number_input(key="setting::stalled_days").set_value(45)
    app.number_input(key="setting::live_full_days").set_value(200)
    app.number_input(key="setting::live_zero_days").set_value(100)
    app.button(key="settings_submit").click().run()
    assert app.error and get_settings(app_db)["stalled_days"] == 30


def test_settings_page_moves_the_live_window_in_either_direction(app_db):
    app = _admin_app(app_db, "admin_settings")
    app.number_input(key="setting::live_full_days").set_value(300)
    app.number_input(key="setting::live_zero_days").set_value(400)
    app.button(key="settings_submit").click().run()
    assert (get_settings(app_db)["live_full_days"], get_settings(app_db)["live_zero_days"]) == (300, 400)
    app.number_input(key="setting::live_full_days").set_value(5)
    app.number_input(key="setting::live_zero_days").set_value(10)
    app.button(key="settings_submit").click().run()
    assert (get_settings(app_db)["live_full_days"], get_settings(app_db)["live_zero_days"]) == (5, 10)



def test_settings_page_writes_and_reads_decimals_the_languages_way(app_db):
    assert get_settings(app_db)["clean_resolved_weight"] == 0.25  # the default
    app = _admin_app(app_db, "admin_settings")
    assert not [w for w in app.number_input if "." in (w.proto.format or "")]  # no "90.00"
    assert app.text_input(key="setting::clean_resolved_weight").value == "0,25"
    app.text_input(key="setting::clean_resolved_weight").input("0,4")
    app.button(key="settings_submit").click().run()
    assert not app.exception and get_settings(app_db)["clean_resolved_weight"] == 0.4
    app.text_input(key="setting::clean_resolved_weight").input("0.75")  # a point is not a Vietnamese decimal
    app.button(key="settings_submit").click().run()
    assert app.error and get_settings(app_db)["clean_resolved_weight"] == 0.4
    app = _admin_app(app_db, "admin_settings")
    assert app.text_input(key="setting::clean_resolved_weight").value == "0,4"
    app.session_state["lang"] = "en"
    app.run()
    assert app.text_input(key="setting::clean_resolved_weight").value == "0.4"  # rewritten for the language
    app.text_input(key="setting::clean_resolved_weight").input("0.5")  # the English way now
    app.button(key="settings_submit").click().run()
    assert get_settings(app_db)["clean_resolved_weight"] == 0.5



def test_audit_page_lists_and_filters_read_only(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    accounts.authenticate("lanhdao", PASSWORD, engine=app_db)
    app = _admin_app(app_db, "audit")
    table = next(df.value for df in app.dataframe)
    assert {"lanhdao", "cli:pytest"} <= set(table["actor"])
    app.selectbox(key="audit_action").set_value("sign_in").run()
    table = next(df.value for df in app.dataframe)
    assert set(table["action"]) == {"Đăng nhập"}
    app.text_input(key="audit_actor").input("nobody-at-all").run()
    assert not app.dataframe and "Không có mục nào" in texts(app, "info")


# --- public read-only ----------------------------------------------------------------------------

def test_public_read_only_shows_the_national_view_and_nothing_writable(app_db):
    ensure_account(app_db, "quantri", "admin")
    app = new_app().run()
    assert on_sign_in_screen(app)  # off by default
    change_setting("public_read_only", True, app_db, user="cli:pytest")
    app = new_app({"province": "68"}).run()
    assert not app.exception and not on_sign_in_screen(app)
    assert app.metric and "Lâm Đồng" in texts(app)  # the public may drill down
    for page in OTHER_PAGES:
        assert not reachable(app, page), page
    assert not [b for b in app.sidebar.button if b.key == "sign_out"]
    app.sidebar.button(key="sidebar_sign_in").click().run()
    assert on_sign_in_screen(app)
    _submit(app, "quantri", PASSWORD)
    assert not on_sign_in_screen(app) and reachable(app, "admin_accounts")


# --- sign-ins that really end (issue 14, case 2) -------------------------------------------------

def _second_tab(app: AppTest, *, script=None) -> AppTest:
    """Another browser holding the same sign-in (its cookie resumed the same session)."""
    other = AppTest.from_function(script, default_timeout=120) if script else new_app()
    for key in (USERNAME_KEY, SIGNED_IN_AT_KEY, METHOD_KEY, TOKEN_KEY):
        other.session_state[key] = app.session_state[key]
    return other


def test_signing_out_in_one_browser_ends_the_other_at_its_next_click(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    first = sign_in(new_app(), "lanhdao").run()
    second = _second_tab(first).run()
    assert not on_sign_in_screen(first) and not on_sign_in_screen(second) and second.metric
    first.sidebar.button(key="sign_out").click().run()
    assert on_sign_in_screen(first)
    second.run()  # the other browser's next interaction
    assert on_sign_in_screen(second) and not second.metric
    assert t("identity_session_ended", "vi") in texts(second, "warning")
    second.switch_page("pages/tasks.py").run()  # navigating does not get past it either
    assert on_sign_in_screen(second) and not second.dataframe


def test_a_password_reset_ends_every_open_tab(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    ensure_account(app_db, "quantri", "admin")
    tab = sign_in(new_app(), "lanhdao").run()
    admin = sign_in(new_app(), "quantri").run()
    assert not on_sign_in_screen(tab)
    done = run_cli(app_db.url.render_as_string(hide_password=False), "users", "reset-password", "lanhdao",
                   stdin="mat-khau-moi-hoan-toan\n", lang="en")
    assert done.returncode == 0, done.stderr
    tab.run()
    assert on_sign_in_screen(tab) and t("identity_session_ended", "vi") in texts(tab, "warning")
    admin.run()
    assert not on_sign_in_screen(admin)  # other accounts are untouched


def test_a_session_with_no_server_side_record_is_not_signed_in(app_db):
    """Session state alone (no live sign-in session) signs nobody in."""
    ensure_account(app_db, "lanhdao", "viewer")
    app = new_app()
    app.session_state[USERNAME_KEY] = "lanhdao"
    app.session_state[SIGNED_IN_AT_KEY] = dt.datetime.now(dt.timezone.utc)
    app.session_state[METHOD_KEY] = "password"
    assert on_sign_in_screen(app.run()) and not app.metric


def _download_script():
    """A table's CSV download as a page offers it; the callable Streamlit runs on the click is kept."""
    import streamlit as st

    from components import exports

    st.session_state["_test_download"] = exports.audited(lambda: b"ma;ten\n68;Lam Dong\n", "bang_68.csv",
                                                         kind="table", table="Bảng thử", rows=1)


def test_a_download_clicked_after_sign_out_is_refused_and_audited_as_refused(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    first = sign_in(new_app(), "lanhdao").run()
    page = _second_tab(first, script=_download_script).run()
    assert not page.exception, page.exception[0].stack_trace
    download = page.session_state["_test_download"]
    assert download() == b"ma;ten\n68;Lam Dong\n"  # clicked while signed in: the file, audited
    [done] = audit.entries(action="export", engine=app_db)
    assert (done["actor"], done["target"], done["outcome"]) == ("lanhdao", "bang_68.csv", "ok")
    assert done["detail"]["kind"] == "table" and done["detail"]["table"] == "Bảng thử"
    assert done["detail"]["format"] == "csv" and done["detail"]["bytes"] == 19 and done["detail"]["unit"]
    first.sidebar.button(key="sign_out").click().run()  # signed out in the other browser
    with pytest.raises(DownloadRefused):
        download()  # the click after it: no file
    refused, ok = audit.entries(action="export", engine=app_db)
    assert ok == done and (refused["outcome"], refused["target"]) == ("refused", "bang_68.csv")
    assert refused["detail"]["reason"] == "ended" and "bytes" not in refused["detail"]
    sign_out = audit.entries(action="sign_out", engine=app_db)[0]
    assert all(e["outcome"] != "ok" for e in audit.entries(action="export", since=sign_out["at"], engine=app_db))


def test_a_download_for_a_disabled_account_is_refused(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    page = sign_in(AppTest.from_function(_download_script, default_timeout=120), "lanhdao").run()
    download = page.session_state["_test_download"]
    accounts.set_disabled("lanhdao", True, actor="cli:pytest", engine=app_db)
    with pytest.raises(DownloadRefused):
        download()
    [refused] = audit.entries(action="export", engine=app_db)
    assert refused["outcome"] == "refused" and refused["detail"]["reason"] == "disabled"


# --- an audit trail without gaps or secrets (issue 14, case 6) -----------------------------------

def test_a_password_typed_as_the_login_is_never_recorded(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    app = new_app().run()
    _submit(app, "Bi-Mat-Go-Nham-2025", "mat-khau-nao-do-12")  # a password typed into the username box
    _submit(app, "lanhdao", "sai-mat-khau-hoan-toan")
    _submit(app, "lanhdao", PASSWORD)
    assert not on_sign_in_screen(app)
    token = app.session_state[TOKEN_KEY]
    app.sidebar.button(key="sign_out").click().run()
    [unknown] = [e for e in audit.entries(action="sign_in_failed", engine=app_db) if e["actor"] is None]
    assert unknown["target"] == "<unknown>" and unknown["detail"] == {"reason": "unknown_user"}
    with app_db.connect() as conn:
        stored = "\n".join(str(tuple(row)) for row in conn.execute(select(AuditEntry.__table__))).lower()
    for secret in ("bi-mat-go-nham-2025", "mat-khau-nao-do-12", "sai-mat-khau-hoan-toan", PASSWORD, token,
                   hashlib.sha256(token.encode()).hexdigest(), "nq57_session"):
        assert secret.lower() not in stored, secret


# --- the first-run setup (issue 14, case 8; issue 12, item 2) ------------------------------------

def test_first_run_setup_saves_the_public_address_people_will_open(app_db):
    app = new_app().run()
    assert app.text_input(key="setup_public_url").value == "http://localhost:8501"  # no browser address here
    assert "`http://localhost:8501`" in texts(app, "warning")  # it would open only on the server
    app.text_input(key="setup_username").input("quantri")
    for key in ("setup_password", "setup_password_repeat"):
        app.text_input(key=key).input("mat-khau-quan-tri")
    app.text_input(key="setup_public_url").input("ftp://nq57")
    app.button(key="setup_submit").click().run()
    assert "ftp://nq57" in texts(app, "error").replace("\\", "") and accounts.needs_setup(app_db)
    for key in ("setup_password", "setup_password_repeat"):
        app.text_input(key=key).input("mat-khau-quan-tri")
    app.text_input(key="setup_public_url").input(" HTTPS://NQ57.LamDong.gov.vn:443/bang-dieu-khien/ ")
    app.button(key="setup_submit").click().run()
    assert not app.exception and not on_sign_in_screen(app) and not accounts.needs_setup(app_db)
    assert get_settings(app_db)["public_base_url"] == "https://nq57.lamdong.gov.vn/bang-dieu-khien"
    [changed] = audit.entries(action="settings_changed", engine=app_db)
    assert (changed["actor"], changed["target"]) == ("quantri", "public_base_url")


def test_setup_never_reopens_while_a_disabled_account_exists(app_db):
    ensure_account(app_db, "lanhdao", "viewer")
    accounts.set_disabled("lanhdao", True, actor="cli:pytest", engine=app_db)
    assert not accounts.needs_setup(app_db)
    assert on_sign_in_screen(new_app().run())
    with pytest.raises(accounts.AccountExists):
        accounts.create_first_admin("ke-la", "mat-khau-ke-la-123", engine=app_db)


def test_setup_never_reopens_once_an_account_existed(app_db):
    """The account table emptied by hand: the audit trail still shows accounts were made."""
    ensure_account(app_db, "lanhdao", "viewer")
    with app_db.begin() as conn:
        conn.execute(delete(SignInSession))
        conn.execute(delete(Account))
    assert not accounts.needs_setup(app_db)
    app = new_app().run()
    assert on_sign_in_screen(app) and "Thiết lập lần đầu" not in texts(app)
    with pytest.raises(accounts.AccountExists):
        accounts.create_first_admin("ke-la", "mat-khau-ke-la-123", engine=app_db)
    assert not accounts.list_accounts(engine=app_db)


def test_every_upload_page_download_is_audited_with_what_it_holds(app_db):
    """Templates, the marked error workbook of a rejected file and a stored original (issue 14, case 6)."""
    ensure_account(app_db, "quantri", "admin")
    other = communes("01", 1)[0]
    rejected = workbook_bytes([indicator_row("Hà Nội", other.name, other.code, "06/2025", 7, 30),
                               indicator_row("Hà Nội", other.name, other.code, "99/2025", 7, 30)], INDICATOR_HEADERS)
    at = AppTest.from_function(_upload_page, args=(rejected, "sai.xlsx", "quantri", True),
                               default_timeout=120).run()
    assert not at.exception, at.exception
    made = at.session_state["_test_downloads"]
    assert {"template_tasks", "template_indicators", "error_workbook", "history_download"} <= set(made)
    for key in ("template_tasks", "error_workbook"):
        assert made[key]()[:2] == b"PK"  # an .xlsx
    history = at.session_state["_test_downloads"]["history_download"]
    assert history()
    entries = {e["detail"]["kind"]: e for e in audit.entries(action="export", engine=app_db)}
    assert set(entries) == {"template", "error_workbook", "upload_original"}
    assert all(e["actor"] == "quantri" and e["outcome"] == "ok" and e["detail"]["bytes"] > 0 for e in entries.values())
    marked = entries["error_workbook"]
    assert marked["target"] == "sai_loi.xlsx" and marked["detail"]["file"] == "sai.xlsx"
    assert entries["upload_original"]["detail"]["upload_id"]



def _cookie_writes(app: AppTest) -> list:
    """The session-cookie writers this run sent to the browser (Streamlit's bidirectional component)."""
    return [node for node in app.get("bidi_component")
            if getattr(node, "proto", None) is not None and node.proto.component_name == "nq57_session_cookie"]


def test_the_session_cookie_is_sent_on_every_run_until_the_browser_confirms_it(app_db):
    """Bug 1 of session 6: written by the first run after signing in only, the cookie was lost when a
    quick click started a new run before the browser got it. It is pending until the browser says so."""
    from components import auth

    ensure_account(app_db, "lanhdao", "viewer")
    app = new_app().run()
    _submit(app, "lanhdao", PASSWORD)
    pending = app.session_state[auth._COOKIE_PENDING]
    assert pending[0] == "set" and pending[1] == app.session_state[TOKEN_KEY]
    for _ in range(3):  # clicks after the sign-in: the write goes again, the same one
        assert len(_cookie_writes(app)) == 1
        assert app.session_state[auth._COOKIE_PENDING] == pending
        app.run()
    data = json.loads(_cookie_writes(app)[0].proto.json)
    assert data["name"] == auth.SESSION_COOKIE and data["value"] == pending[1] and data["max_age"] > 0
    # the browser's report (the component's callback, before the run): written, so sent no more
    auth.cookie_written(app.session_state, "an-older-write")  # a stale report changes nothing
    assert app.session_state[auth._COOKIE_PENDING] == pending
    auth.cookie_written(app.session_state, pending[2])  # (AppTest cannot run the component's script)
    app.run()
    assert auth._COOKIE_PENDING not in app.session_state and not _cookie_writes(app)
    app.run()
    assert not _cookie_writes(app)
