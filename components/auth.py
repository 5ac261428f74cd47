"""Who is using the dashboard: the first-run setup screen, the sign-in form, sign-in through an
identity provider (st.login, OpenID Connect), session expiry and sign-out.

The signed-in person is kept in `st.session_state` as a username, a sign-in time and (password
sign-ins) the sign-in session's token, and every run checks that session against the database
(`sign_in_sessions.check_session`: one indexed query, joined to the account), so a sign-out in
another tab or browser, a password reset, an expiry, disabling the account or changing its role or
scope takes effect at the next click in every open tab. Every download checks again when it is
clicked (`audited_download`), and is audited with what it was, or refused and audited as refused.
`data_loaders.access` decides what the account may do; this module only establishes who it is.

Persistence across a browser refresh: Streamlit's session lives as long as one browser tab's
connection, so a refresh or a link opened in a new tab would ask for the password again. A password
sign-in therefore also opens a server-side sign-in session (data_loaders/sign_in_sessions.py) whose
random token the browser keeps in the cookie `nq57_session` (set by a small fixed script, since
Streamlit has no API for an app's own cookie; SameSite=Lax, Secure over HTTPS). The write stays pending
in the session, and is sent again on every run, until the browser reports it done: a run started
before the browser received the write (a quick click after signing in) drops it. A new tab presents it
(`st.context.cookies`) and is signed in again, in any app process; sign-out, expiry, disabling the
account or a new password end it everywhere. A token in the URL was ruled out: it would travel with
every shared link. A sign-in through the identity provider is kept by Streamlit's own signed cookie
(`st.login`); it is bounded by `session_minutes` too, counted from when the provider issued the token.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import secrets
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

import streamlit as st

from components import cached
from components.markdown import escape
from components.state import language, language_switch, tr
from data_loaders.i18n import t
from data_loaders.identity import access, accounts, audit
from data_loaders.identity import sessions as sign_in_sessions
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.identity.admin import change_setting
from data_loaders.store.settings import InvalidSetting, get_settings, normalize_public_url, public_url_is_local

log = logging.getLogger("nq57.auth")

USERNAME_KEY = "_nq57_username"  # the signed-in account's username
SIGNED_IN_AT_KEY = "_nq57_signed_in_at"  # aware UTC datetime of the sign-in
METHOD_KEY = "_nq57_sign_in_method"  # "password" | "oidc"
_NOTICE = "_nq57_auth_notice"  # (message key, params) for the sign-in screen: expired, signed out, …
_WANTS_SIGN_IN = "_nq57_wants_sign_in"  # an anonymous visitor of a public dashboard asked for the form
SESSION_COOKIE = "nq57_session"  # the browser's copy of a sign-in session token
TOKEN_KEY = _TOKEN = "_nq57_session_token"  # this session's token (password sign-ins)
_COOKIE_PENDING = "_nq57_cookie_pending"  # ("set" | "clear", token | None, nonce): until the browser says so
_COOKIE_TRIED = "_nq57_cookie_tried"  # the cookie token already looked up in this browser session
OIDC_PROVIDER = "oidc"  # as written in the audit trail

# A shared link's query string must survive the identity provider, which always sends the browser
# back to the app's home page: keep it in the tab's sessionStorage before leaving, go back to it on return.
_REMEMBER_VIEW_JS = """<script>
sessionStorage.setItem('nq57_return', JSON.stringify({to: location.pathname + location.search, at: Date.now()}));
</script>"""
_RETURN_TO_VIEW_JS = """<script>
const saved = JSON.parse(sessionStorage.getItem('nq57_return') || 'null');
sessionStorage.removeItem('nq57_return');
if (saved && Date.now() - saved.at < 15 * 60 * 1000 && saved.to.startsWith('/')
    && saved.to !== location.pathname + location.search) {
  location.replace(saved.to);
}
</script>"""

# Sets or clears the session cookie in the page's document, then tells the server it is done (the
# cookie as written is read back), which reruns the script once; the server stops sending it then.
_COOKIE_WRITER_JS = """
export default function ({ data, setStateValue }) {
  if (!data || !data.name || !data.nonce) return;
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = data.name + '=' + data.value + '; Max-Age=' + data.max_age + '; Path=/; SameSite=Lax' + secure;
  const held = document.cookie.split(';').map(c => c.trim()).find(c => c.startsWith(data.name + '='));
  const done = data.max_age > 0 ? held === data.name + '=' + data.value : !held || held === data.name + '=';
  if (done) setStateValue('written', data.nonce);
}
"""
_cookie_writer = st.components.v2.component("nq57_session_cookie", js=_COOKIE_WRITER_JS)


# --- who is signed in ------------------------------------------------------------------------------

def oidc_configured() -> bool:
    """An identity provider is set up: `.streamlit/secrets.toml` has an [auth] section."""
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no provider, logged by Streamlit
        return False


def _oidc_logged_in() -> bool:
    return oidc_configured() and bool(st.user.get("is_logged_in"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _session_valid(signed_in_at: dt.datetime) -> bool:
    return accounts.session_is_valid(signed_in_at, settings=cached.settings())


def _start_session(account: Account, method: str, signed_in_at: dt.datetime | None = None) -> None:
    st.session_state[USERNAME_KEY] = account.username
    st.session_state[SIGNED_IN_AT_KEY] = signed_in_at or _now()
    st.session_state[METHOD_KEY] = method
    st.session_state.pop(_NOTICE, None)
    st.session_state.pop(_WANTS_SIGN_IN, None)


def _remember_in_browser(account: Account, signed_in_at: dt.datetime) -> None:
    """A password sign-in also outlives this tab: a sign-in session and its token in a cookie."""
    token = sign_in_sessions.open_session(account, signed_in_at=signed_in_at, engine=cached.engine())
    st.session_state[_TOKEN] = token
    st.session_state[_COOKIE_TRIED] = token
    _ask_browser("set", token)


def _resume_from_cookie() -> Account | None:
    """A new tab or a refresh: the cookie's sign-in session, if it is still live (looked up once)."""
    token = st.context.cookies.get(SESSION_COOKIE)
    if not isinstance(token, str) or not token or st.session_state.get(_COOKIE_TRIED) == token:
        return None
    st.session_state[_COOKIE_TRIED] = token
    resumed = sign_in_sessions.resume_session(token, engine=cached.engine())
    if resumed is None:  # ended, expired or refused: the browser forgets it
        _ask_browser("clear")
        return None
    account, signed_in_at = resumed
    _start_session(account, "password", signed_in_at)
    st.session_state[_TOKEN] = token
    return account


def _ask_browser(action: str, token: str | None = None) -> None:
    """Have the browser set (`token`) or clear its session cookie: pending until it confirms."""
    st.session_state[_COOKIE_PENDING] = (action, token, secrets.token_hex(8))



def cookie_written(state: MutableMapping, nonce: str) -> None:
    """The browser's report that the write `nonce` is done (the component's callback, before the
    run): nothing is pending any more, unless a newer write is."""
    if _COOKIE_PENDING in state and state[_COOKIE_PENDING][2] == nonce:
        del state[_COOKIE_PENDING]


def write_pending_cookie() -> None:
    """Set or clear the browser's session cookie when a sign-in or sign-out asked for it, on every
    run until the browser confirms it (a run interrupted by a rerun never reaches the browser). The
    script is fixed; the token (URL-safe base64) travels as data."""
    pending = st.session_state.get(_COOKIE_PENDING)
    if pending is None:
        return
    action, token, nonce = pending
    max_age = int(cached.settings()["session_minutes"]) * 60 if action == "set" else 0
    data = {"name": SESSION_COOKIE, "value": token or "", "max_age": max_age, "nonce": nonce}
    _cookie_writer(key=f"nq57_cookie_{nonce}", data=data, default={"written": None}, height=0,
                   on_written_change=functools.partial(cookie_written, st.session_state, nonce))


def _end_session(notice: str | None = None, **params: object) -> None:
    token = st.session_state.pop(_TOKEN, None)
    if token:  # the sign-in ends in every tab and process, and this browser forgets the cookie
        sign_in_sessions.end_session(token, engine=cached.engine())
        if st.context.cookies.get(SESSION_COOKIE) in (None, token):  # not a newer sign-in's cookie
            _ask_browser("clear")
    for key in (USERNAME_KEY, SIGNED_IN_AT_KEY, METHOD_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[_NOTICE] = (notice, params)


def session_state_for(account: Account, *, engine, signed_in_at: dt.datetime | None = None) -> dict[str, object]:
    """The session state a password sign-in leaves, with a sign-in session opened for it: for a
    harness that runs the app as a signed-in person (tests, benchmarks) without typing a password."""
    signed_in_at = signed_in_at or _now()
    token = sign_in_sessions.open_session(account, signed_in_at=signed_in_at, engine=engine)
    return {USERNAME_KEY: account.username, SIGNED_IN_AT_KEY: signed_in_at, METHOD_KEY: "password",
            TOKEN_KEY: token}


def signed_in_username() -> str | None:
    """The username of this session's sign-in, without touching the database (None: anonymous)."""
    return st.session_state.get(USERNAME_KEY)


def current_account() -> Account | None:
    """The signed-in account as the database holds it now; None when nobody is signed in, or the
    sign-in has ended (signed out elsewhere, a new password, disabled) or expired: the sign-in
    screen then says why. A password sign-in is its sign-in session, checked on every run."""
    username = st.session_state.get(USERNAME_KEY)
    if username is None:
        return _account_from_identity_provider() if _oidc_logged_in() else _resume_from_cookie()
    # checked once a run: the same sign-in (username, method, session token) asked again in this run
    sign_in = ("account", username, st.session_state.get(METHOD_KEY), st.session_state.get(_TOKEN))
    run = cached.this_run()
    if sign_in not in run:
        run[sign_in] = _checked_account(username)
    return run[sign_in]


def _checked_account(username: str) -> Account | None:
    engine = cached.engine()
    settings = cached.settings()
    if st.session_state.get(METHOD_KEY) == "password":
        checked = sign_in_sessions.check_session(st.session_state.get(_TOKEN), engine=engine,
                                                 session_minutes=settings["session_minutes"])
        if checked.live and checked.account.username == username:
            return checked.account
        reason = checked.reason or sign_in_sessions.ENDED
    else:  # an identity-provider sign-in: Streamlit's cookie, bounded by session_minutes
        account = accounts.get_account(username, engine=engine)
        if account is not None and not account.disabled and accounts.session_is_valid(
                st.session_state[SIGNED_IN_AT_KEY], settings=settings):
            return account
        reason = (sign_in_sessions.DISABLED if account is None or account.disabled
                  else sign_in_sessions.EXPIRED)
    if reason == sign_in_sessions.EXPIRED:
        audit.record("sign_out", username, detail={"reason": "expired"}, engine=engine)
    _end_session(_ENDED_NOTICES.get(reason, "identity_session_ended"))
    return None


# why a sign-in stopped, as the sign-in screen says it
_ENDED_NOTICES = {sign_in_sessions.EXPIRED: "auth_session_expired",
                  sign_in_sessions.DISABLED: "auth_account_disabled",
                  sign_in_sessions.ENDED: "identity_session_ended",
                  sign_in_sessions.UNKNOWN: "identity_session_ended"}


def _identity_token_time() -> dt.datetime:
    issued = st.user.get("iat") or st.user.get("auth_time")
    try:
        return dt.datetime.fromtimestamp(int(issued), dt.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return _now()


@st.cache_resource(show_spinner=False)
def _identity_sign_ins_audited() -> dict:
    """(e-mail, token time) of the provider sign-ins this process has audited. Streamlit's cookie
    opens every new tab or refresh already signed in; that is one sign-in, audited once, not one
    per browser session."""
    return {}


def _first_sight(email: str, signed_in_at: dt.datetime) -> bool:
    seen = _identity_sign_ins_audited()
    key = (email, signed_in_at.isoformat())
    if key in seen:
        return False
    if len(seen) > 10_000:  # bounded: forget the oldest
        seen.pop(next(iter(seen)))
    seen[key] = True
    return True


def _account_from_identity_provider() -> Account | None:
    """Match the identity provider's e-mail to an account; an e-mail with no enabled account is
    refused. Both are audited once per provider sign-in."""
    engine = cached.engine()
    email = str(st.user.get("email") or "").strip().lower()
    signed_in_at = _identity_token_time()
    if not _session_valid(signed_in_at):
        st.session_state[_NOTICE] = ("auth_session_expired", {})
        return None
    account = accounts.account_by_email(email, engine=engine) if email else None
    first_time = _first_sight(email, signed_in_at)
    if account is None:
        if first_time:
            audit.record("sign_in_failed", email or None, outcome="refused",
                         detail={"provider": OIDC_PROVIDER, "reason": "no_account_for_email"}, engine=engine)
        st.session_state[_NOTICE] = ("auth_oidc_no_account", {"email": escape(email) or "–"})
        return None
    if first_time:
        accounts.record_external_sign_in(account, OIDC_PROVIDER, engine=engine)
    _start_session(account, "oidc", signed_in_at)
    return account


def require(action: str) -> Account | None:
    """The signed-in account, if it may do `action` (see data_loaders.access); otherwise a message
    and the page stops. app.py already hides pages a person may not use; this is the page's own
    check, so a page reached some other way still refuses."""
    account = current_account()
    public_read_only = bool(cached.settings()["public_read_only"])
    if not access.may(account, action, public_read_only=public_read_only):
        st.error(t("not_permitted", language()), icon=":material/lock:")
        st.stop()
    return account


# --- downloads -------------------------------------------------------------------------------------

class DownloadRefused(RuntimeError):
    """A download clicked after its sign-in ended: no file is made (the browser's download fails)."""


@dataclass(frozen=True)
class _DrawnFor:
    """Who a download button was drawn for. Streamlit runs a download's callable on its own
    thread when it is clicked, outside the page script, so this is taken when the button is drawn."""

    engine: object
    username: str | None
    method: str | None
    token: str | None
    signed_in_at: dt.datetime | None


def _drawn_for() -> _DrawnFor:
    return _DrawnFor(cached.engine(), st.session_state.get(USERNAME_KEY), st.session_state.get(METHOD_KEY),
                     st.session_state.get(_TOKEN), st.session_state.get(SIGNED_IN_AT_KEY))


def _refusal_at_click(drawn: _DrawnFor) -> str | None:
    """Why the person the button was drawn for may no longer download (None: they may), read from
    the database at the moment of the click."""
    settings = get_settings(drawn.engine)
    if drawn.username is None:  # an anonymous visitor: only while the dashboard is still public
        return None if settings["public_read_only"] else "not_public"
    if drawn.method == "password":
        checked = sign_in_sessions.check_session(drawn.token, engine=drawn.engine,
                                                 session_minutes=settings["session_minutes"])
        if not checked.live or checked.account.username != drawn.username:
            return checked.reason or sign_in_sessions.ENDED
        return None
    account = accounts.get_account(drawn.username, engine=drawn.engine)
    if account is None or account.disabled:
        return sign_in_sessions.DISABLED
    if not accounts.session_is_valid(drawn.signed_in_at, settings=settings):
        return sign_in_sessions.EXPIRED
    return None


def audited_download(data: Callable[[], bytes], file_name: str, what: dict, *,
                     record_success: bool = True) -> Callable[[], bytes]:
    """`data` for st.download_button (a callable, run when the button is clicked) that first checks
    the sign-in again, at the click, and audits the download: an "export" entry naming the file and
    `what` it holds (kind, unit, date, …) with its size, or a refused one when the sign-in has ended
    since the button was drawn, in which case no file is made. `record_success=False` where `data`
    itself audits the download (a data-layer function that writes its own entry): only a refusal
    is then written here."""
    drawn = _drawn_for()

    def build() -> bytes:
        reason = _refusal_at_click(drawn)
        if reason is not None:
            audit.record("export", drawn.username, target=file_name, outcome="refused",
                         detail={**what, "reason": reason}, engine=drawn.engine)
            raise DownloadRefused(reason)
        content = data()
        if record_success:
            audit.record("export", drawn.username, target=file_name, detail={**what, "bytes": len(content)},
                         engine=drawn.engine)
        return content

    return build


def sign_out() -> None:
    """End the session (audited); a provider sign-in also ends the provider's cookie. A button
    callback: the script runs again right after it, now signed out."""
    username = st.session_state.get(USERNAME_KEY)
    method = st.session_state.get(METHOD_KEY)
    if username:
        audit.record("sign_out", username, engine=cached.engine())
    _end_session("auth_signed_out")
    if method == "oidc" or _oidc_logged_in():
        st.logout()  # clears Streamlit's identity cookie and starts a new session


def ask_for_sign_in() -> None:
    """An anonymous visitor of a public dashboard wants the sign-in form."""
    st.session_state[_WANTS_SIGN_IN] = True


def wants_sign_in() -> bool:
    return bool(st.session_state.get(_WANTS_SIGN_IN))


def return_to_shared_view() -> None:
    """After an identity-provider sign-in: reopen the view (page and query string) the person had
    been sent, which the provider's redirect to the home page dropped."""
    if st.session_state.get(METHOD_KEY) == "oidc" and not st.session_state.get("_nq57_returned"):
        st.session_state["_nq57_returned"] = True
        st.html(_RETURN_TO_VIEW_JS, unsafe_allow_javascript=True)


# --- screens ---------------------------------------------------------------------------------------

def error_message(error: AccountError) -> str:
    """The refusal in the person's language; names and e-mails in it are escaped, since the
    message is shown as Markdown."""
    params = {key: escape(value) if isinstance(value, str) else value for key, value in error.params.items()}
    return t(error.key, language(), **params)


def _error(error: AccountError) -> None:
    st.error(error_message(error), icon=":material/block:")


def _notice() -> None:
    """What the last attempt or event left to say: a refusal, an expiry, a sign-out."""
    key, params = st.session_state.get(_NOTICE) or (None, {})
    if key == "_error":  # a refusal, already in the person's language
        st.session_state.pop(_NOTICE, None)
        st.error(params["message"], icon=":material/block:")
    elif key == "auth_signed_out":
        st.success(tr(key), icon=":material/logout:")
    elif key:
        st.warning(tr(key, **params), icon=":material/info:")


def _screen_header(title_key: str, intro_key: str) -> None:
    language_switch(st)
    st.title(tr("app_title"))
    st.subheader(tr(title_key))
    st.caption(tr(intro_key))


def sign_in_screen(public_read_only: bool = False) -> None:
    """The sign-in form (and the identity provider's button). The URL is left as it is, so after
    signing in the person lands on the view of the link they opened."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _screen_header("auth_sign_in_title", "auth_sign_in_intro")
        _notice()
        if _oidc_logged_in():  # signed in at the provider, but no enabled account has that e-mail
            st.button(tr("auth_oidc_switch"), key="oidc_switch", icon=":material/switch_account:",
                      on_click=st.logout)
        elif oidc_configured():
            st.html(_REMEMBER_VIEW_JS, unsafe_allow_javascript=True)
            st.button(tr("auth_oidc_button"), key="oidc_sign_in", type="primary", icon=":material/key:",
                      on_click=st.login, width="stretch")
            st.caption(tr("auth_or_password"))
        with st.form("sign_in", enter_to_submit=True):
            st.text_input(tr("auth_username"), key="sign_in_username", max_chars=60, autocomplete="username")
            st.text_input(tr("auth_password"), key="sign_in_password", type="password", max_chars=200,
                          autocomplete="current-password")
            # The work is done in the callback, before the script runs, so the click cannot be lost
            # to a rerun (and the page the link named is what runs next).
            st.form_submit_button(tr("auth_sign_in_button"), key="sign_in_submit", type="primary", width="stretch",
                                  icon=":material/login:", on_click=_sign_in_with_password)
        if public_read_only:
            st.button(tr("auth_back_to_public"), key="back_to_public", type="tertiary",
                      on_click=lambda: st.session_state.pop(_WANTS_SIGN_IN, None))


def _sign_in_with_password() -> None:
    username = st.session_state.get("sign_in_username") or ""
    password = st.session_state.get("sign_in_password") or ""
    st.session_state["sign_in_password"] = ""  # never kept in the session
    if not username.strip() or not password:
        st.session_state[_NOTICE] = ("auth_fill_both", {})
        return
    try:
        account = accounts.authenticate(username, password, engine=cached.engine())
    except AccountError as error:
        st.session_state[_NOTICE] = ("_error", {"message": error_message(error)})
        return
    st.session_state.pop("sign_in_username", None)
    _start_session(account, "password")
    _remember_in_browser(account, st.session_state[SIGNED_IN_AT_KEY])


def setup_screen() -> None:
    """First run: no account exists yet, so whoever opens the dashboard creates the first
    administrator (there is no default password) and says at which address people will open it
    (pre-filled with the browser's own; QR codes and links point there). Two browsers cannot both
    do it: the data layer refuses once any account exists or ever existed."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _screen_header("auth_setup_title", "auth_setup_intro")
        _notice()
        with st.form("first_admin"):
            st.text_input(tr("auth_username"), key="setup_username", max_chars=60, help=tr("auth_username_help"),
                          autocomplete="username")
            st.text_input(tr("auth_display_name"), key="setup_display_name", max_chars=120)
            st.text_input(tr("auth_email"), key="setup_email", max_chars=254, help=tr("auth_email_help"))
            st.text_input(tr("auth_password"), key="setup_password", type="password", max_chars=200,
                          help=tr("auth_password_help", length=accounts.MIN_PASSWORD_LENGTH),
                          autocomplete="new-password")
            st.text_input(tr("auth_password_repeat"), key="setup_password_repeat", type="password", max_chars=200,
                          autocomplete="new-password")
            address = browser_address()
            st.text_input(tr("identity_setup_public_url"), value=address, key="setup_public_url", max_chars=300,
                          help=tr("identity_setup_public_url_help"), autocomplete="url")
            if public_url_is_local(address):  # QR codes made from it would lead nowhere for anyone else
                st.warning(tr("identity_setup_url_local", url=address.replace("`", "")),  # in a code span
                           icon=":material/wifi_off:")
            st.form_submit_button(tr("auth_setup_button"), key="setup_submit", type="primary", width="stretch",
                                  icon=":material/admin_panel_settings:", on_click=_create_first_admin)


def _create_first_admin() -> None:
    state = st.session_state
    password, repeat = state.get("setup_password") or "", state.get("setup_password_repeat") or ""
    state["setup_password"] = state["setup_password_repeat"] = ""
    if password != repeat:
        state[_NOTICE] = ("_error", {"message": tr("auth_passwords_differ")})
        return
    typed_address = state.get("setup_public_url") or ""
    try:
        address = normalize_public_url(typed_address)
    except InvalidSetting:
        state[_NOTICE] = ("_error", {"message": tr("identity_setup_url_invalid", url=escape(typed_address))})
        return
    try:
        account = accounts.create_first_admin(state.get("setup_username") or "", password,
                                              display_name=(state.get("setup_display_name") or "").strip(),
                                              email=(state.get("setup_email") or "").strip() or None,
                                              engine=cached.engine())
    except AccountError as error:
        state[_NOTICE] = ("_error", {"message": error_message(error)})
        return
    # the public address, as the new administrator's first (audited) setting
    change_setting("public_base_url", address, cached.engine(), account=account)
    _start_session(account, "password")
    _remember_in_browser(account, state[SIGNED_IN_AT_KEY])


def browser_address() -> str:
    """The dashboard's address as this browser opened it (st.context.url, which has no page path,
    or else the request's Host header), normalized; the stored public address when neither is known."""
    url = st.context.url
    if not url and st.context.headers.get("Host"):
        scheme = st.context.headers.get("X-Forwarded-Proto") or "http"
        base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
        url = f"{scheme}://{st.context.headers['Host']}/{base_path}"
    try:
        return normalize_public_url(url)
    except InvalidSetting:
        return cached.settings()["public_base_url"]


def role_label(role: str) -> str:
    return tr(f"role_{role}")


def detail_text(detail: object) -> str:
    """An audit entry's detail as plain text (shown in a table cell, never as HTML)."""
    if not detail:
        return ""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
