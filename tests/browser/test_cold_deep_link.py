"""A shared link opened on a server process that has just started (bug 2 of session 6): until its first
st.navigation call Streamlit runs a `pages/` folder the multipage-v1 way, and a link whose path names no
file there (/leader is pages/leader_board.py) got Streamlit's English "Page not found" dialog over the
sign-in form. The form is shown alone, and signing in opens the link's page with its query string."""

from __future__ import annotations

import time

import pytest

from tests.support.auth_helpers import PASSWORD, TEST_ADMIN
from tests.support.browser_app import assert_no_error, private_app
from tests.support.browser_support import RUN_TIMEOUT_MS, wait_until_run_finished

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]


def test_a_deep_link_on_a_cold_server_shows_the_sign_in_form_and_then_its_page(seeded_url, tmp_path, chromium):
    with private_app(seeded_url, tmp_path, "cold") as (app_url, _):
        context = chromium.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
        try:
            page = context.new_page()
            page.set_default_timeout(RUN_TIMEOUT_MS)
            page.goto(f"{app_url}/leader?province=68")  # the server's first visitor, at once
            deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
            while not page.locator(".st-key-sign_in_submit").count() and time.monotonic() < deadline:
                assert not page.locator('[role="dialog"]').count(), page.locator('[role="dialog"]').inner_text()
                page.wait_for_timeout(100)
            wait_until_run_finished(page)
            assert not page.locator('[role="dialog"]').count(), page.locator('[role="dialog"]').inner_text()
            assert "Page not found" not in page.content()
            page.get_by_role("textbox", name="Tên đăng nhập", exact=True).fill(TEST_ADMIN)
            page.get_by_role("textbox", name="Mật khẩu", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.locator('[data-testid="stSidebarNav"]').wait_for()
            wait_until_run_finished(page)
            assert page.url.startswith(f"{app_url}/leader?") and "province=68" in page.url, page.url
            assert not page.locator('[role="dialog"]').count()
            page.locator('[data-testid="stMain"]').get_by_text("Lâm Đồng").first.wait_for()
            assert_no_error(page, "leader")
        finally:
            context.close()
