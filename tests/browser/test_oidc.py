"""Sign-in through an identity provider (st.login, OpenID Connect), end to end on loopback: a mock
provider (oidc-provider-mock) in this process, `streamlit run app.py` given a secrets file with an
[auth] section, and Chromium going through the provider's form. The person is matched to an
account by e-mail; an e-mail without an account is refused (and audited); a shared link's view
survives the round trip; signing out ends the provider sign-in too.

The secrets file lives in a temporary directory and reaches Streamlit through --secrets.files, so
no secrets.toml is ever written into the project.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

from data_loaders.identity import audit
from data_loaders.store.engine import make_engine
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import ensure_account
from tests.support.browser_support import (
    ARTIFACTS,
    RUN_TIMEOUT_MS,
    _require_browser,
    copy_sqlite,
    free_port,
    stop_server,
    wait_healthy,
    wait_until_run_finished,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]

LEADER_EMAIL = "lanh.dao@lamdong.gov.vn"


@pytest.fixture(scope="module")
def provider():
    """The mock OpenID provider on a free loopback port, in a thread of this process."""
    _require_browser()
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_app(seeded_url, provider, tmp_path_factory):
    """The app with an [auth] section pointing at the mock provider; (url, engine)."""
    work = tmp_path_factory.mktemp("oidc")
    database_url = copy_sqlite(seeded_url, work / "app.sqlite")
    engine = make_engine(database_url)
    ensure_account(engine)  # an administrator exists, so no first-run screen
    # scoped to a province, so the dashboard shows whose view it is
    ensure_account(engine, "lanhdao", "viewer", "68", email=LEADER_EMAIL.upper())
    port = free_port()
    secrets_file = work / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "nq57-dashboard"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "streamlit_oidc.log"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--secrets.files", str(secrets_file),
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://localhost:{port}"
    try:
        wait_healthy(url, process, log_path)
        yield url, engine
    finally:
        stop_server(process)
        engine.dispose()


@pytest.fixture
def page(oidc_app, chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    yield page
    context.close()


def _through_the_provider(page, app_url: str, email: str) -> None:
    """From the sign-in screen to the provider's form, type the subject (the mock makes it the
    e-mail claim), authorise, and wait until the app has run again."""
    page.get_by_role("button", name="Đăng nhập qua hệ thống xác thực tập trung").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(app_url)))
    wait_until_run_finished(page)


def test_sign_in_with_the_identity_provider(oidc_app, page):
    app_url, engine = oidc_app
    page.goto(f"{app_url}/tasks?province=68&as_of=2025-03-31")
    wait_until_run_finished(page)
    page.screenshot(path=str(ARTIFACTS / "oidc_sign_in.png"), full_page=True)
    _through_the_provider(page, app_url, LEADER_EMAIL)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Người xem · Lâm Đồng").wait_for()
    page.screenshot(path=str(ARTIFACTS / "oidc_signed_in.png"), full_page=True)
    assert "lanhdao" in sidebar.inner_text()
    # the link's page and query string came back after the provider's redirect to the home page
    page.wait_for_url(re.compile(r"/tasks\?.*province=68"))
    assert "as_of=2025-03-31" in page.url
    assert "31/03/2025" in page.locator('[data-testid="stMain"]').inner_text()
    [entry] = audit.entries(actor="lanhdao", action="sign_in", engine=engine)
    assert entry["detail"]["provider"] == "oidc"

    # a refresh keeps the provider sign-in (Streamlit's cookie): the same account, no new entry
    page.reload()
    wait_until_run_finished(page)
    sidebar.get_by_text("Người xem · Lâm Đồng").wait_for()
    assert len(audit.entries(actor="lanhdao", action="sign_in", engine=engine)) == 1

    # signing out ends the provider sign-in as well: back to the sign-in screen
    sidebar.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(re.escape(app_url)))
    wait_until_run_finished(page)
    page.get_by_role("button", name="Đăng nhập qua hệ thống xác thực tập trung").wait_for()
    assert audit.entries(actor="lanhdao", action="sign_out", engine=engine)


def test_unknown_email_is_refused_and_audited(oidc_app, page):
    app_url, engine = oidc_app
    page.goto(app_url)
    wait_until_run_finished(page)
    _through_the_provider(page, app_url, "Nguoi.La@example.org")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Không có tài khoản nào đang hoạt động").wait_for()
    page.screenshot(path=str(ARTIFACTS / "oidc_refused.png"), full_page=True)
    assert "nguoi.la@example.org" in main.inner_text()
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0, "no page is offered"
    [entry] = audit.entries(actor="nguoi.la@example.org", action="sign_in_failed", engine=engine)
    assert entry["outcome"] == "refused" and entry["detail"]["provider"] == "oidc"
    # neither reruns nor a reload (a new session, same provider sign-in) write it again
    page.get_by_text("English", exact=True).click()
    wait_until_run_finished(page)
    main.get_by_text("No active account has the e-mail").wait_for()
    assert len(audit.entries(actor="nguoi.la@example.org", action="sign_in_failed", engine=engine)) == 1
    page.reload()  # the language is in the link now (lang=en): the reload keeps it
    wait_until_run_finished(page)
    main.get_by_text("No active account has the e-mail").wait_for()
    assert len(audit.entries(actor="nguoi.la@example.org", action="sign_in_failed", engine=engine)) == 1
