"""The shell's small things in a real browser (what AppTest cannot type): a typed date applies on
Enter, the unit search goes to a unit in one step from text without diacritics, and the language
of a link survives a reload. Same server and sign-in as tests/browser/test_browser.py."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_browser import app_url, browser, open_signed_in, page  # noqa: F401  (fixtures)
from tests.support.browser_support import ARTIFACTS, RUN_TIMEOUT_MS, wait_until_run_finished

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]


def _as_of_field(tab):
    return tab.locator('[data-testid="stSidebar"] [data-testid="stDateInputField"]').first


def test_a_typed_date_applies_on_enter(app_url, page):  # noqa: F811
    open_signed_in(page, f"{app_url}/tasks")
    assert "as_of=" not in page.url
    _as_of_field(page).locator('[role="spinbutton"]').first.click()  # the day: then month and year
    page.keyboard.type("31032025")
    page.keyboard.press("Enter")  # no click elsewhere
    page.wait_for_url(re.compile(r"as_of=2025-03-31"), timeout=RUN_TIMEOUT_MS)
    wait_until_run_finished(page)
    assert "31/03/2025" in page.locator('[data-testid="stMain"]').inner_text()
    page.screenshot(path=str(ARTIFACTS / "shell_date_enter.png"))


def test_unit_search_opens_a_commune_in_one_step_without_diacritics(app_url, page):  # noqa: F811
    open_signed_in(page, f"{app_url}/tasks")
    page.locator('[data-testid="stSidebar"] [class*="st-key-unit_search"] input').click()
    page.keyboard.type("xuan huong")
    first = page.get_by_role("option").first
    first.wait_for()
    assert first.inner_text().startswith("Phường Xuân Hương - Đà Lạt")
    page.keyboard.press("Enter")  # the best match: chosen, and the page is there
    page.wait_for_url(re.compile(r"province=68&commune=24781"), timeout=RUN_TIMEOUT_MS)
    wait_until_run_finished(page)
    page.locator('[data-testid="stMain"]').get_by_text("Phường Xuân Hương - Đà Lạt").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "shell_search.png"))


def test_the_language_of_a_link_survives_a_reload(app_url, page):  # noqa: F811
    open_signed_in(page, f"{app_url}/tasks")  # the sign-in form in Vietnamese, then the link in a signed-in tab
    page.goto(f"{app_url}/tasks?lang=en&province=68")
    wait_until_run_finished(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Find a province or commune").first.wait_for()
    page.reload()
    wait_until_run_finished(page)
    sidebar.get_by_text("Find a province or commune").first.wait_for()
    assert "lang=en" in page.url
