"""Click-to-drill in a real browser (AppTest cannot click charts): from the national tasks page a
click on a province's bar opens the province, a click on a commune's bar opens the commune; the URL
carries the path, and the browser's back button steps back up."""

from __future__ import annotations

import re

import pytest

from test_browser import ARTIFACTS, app_url, browser, page, wait_until_run_finished  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]


def _bar(page, unit_name: str):
    """The first bar of the status-by-unit chart for a unit: Vega's SVG marks carry an aria-label
    listing their fields, the unit's name among them."""
    return page.locator(f'.vega-embed g.role-mark path[aria-label*="unit: {unit_name};"]').filter(visible=True).first


def test_two_clicks_from_the_nation_to_a_commune(app_url, page):  # noqa: F811
    page.goto(f"{app_url}/tasks")
    wait_until_run_finished(page)
    _bar(page, "Lâm Đồng").click()
    page.wait_for_url(re.compile(r"province=68"))
    wait_until_run_finished(page)
    main = page.locator('[data-testid="stMain"]')
    assert "Lâm Đồng" in main.inner_text()
    page.screenshot(path=str(ARTIFACTS / "drill_province.png"), full_page=True)

    commune_bar = page.locator('.vega-embed g.role-mark path[aria-label*="unit: X"], '
                               '.vega-embed g.role-mark path[aria-label*="unit: Phường"]').filter(visible=True).first
    label = commune_bar.get_attribute("aria-label")
    commune_name = re.search(r"unit: ([^;]+);", label).group(1)
    commune_bar.click()
    page.wait_for_url(re.compile(r"province=68&commune=\d{5}"))
    wait_until_run_finished(page)
    assert commune_name in main.inner_text()
    page.screenshot(path=str(ARTIFACTS / "drill_commune.png"), full_page=True)

    page.go_back()
    page.wait_for_url(re.compile(r"province=68$"))
    wait_until_run_finished(page)
    assert "commune=" not in page.url
