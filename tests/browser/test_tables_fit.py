"""The administrators' and reporters' tables, and the accountability page's, fit their page at a projector's
1280×720, in both languages: no table scrolls sideways, so no last column is cut at the window's edge (the indicators,
accounts, upload history, reporting status, audit and approvals tables did, the quality scorecard beside its map, and
the accountability page's rankings and an official's tasks). st.dataframe draws a canvas grid
inside a scrolling box (`.dvn-scroller`) as wide as its columns: the grid is too wide exactly when that box's scroll
width passes its visible width. The data-quality scorecard is checked the same way at 1920×1080, and on a phone
(390×844) the targets table turns compact like every table a leader reads. One app server for the module.
"""

from __future__ import annotations

import pytest

from data_loaders.follow_up.targets import set_target
from tests.browser.test_phone import PHONE, TABLES, _open
from tests.support.auth_helpers import TEST_ADMIN
from tests.support.browser_app import full_page_shot, private_app, signed_in
from tests.support.browser_support import RUN_TIMEOUT_MS, wait_until_layout_still, wait_until_run_finished

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]

# Each data grid of the main area that is on screen: its own width, how far it scrolls sideways, and its headers.
GRIDS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
  .filter(grid => grid.getBoundingClientRect().width > 0)
  .map(grid => {
    const scroller = grid.querySelector('.dvn-scroller');
    const block = grid.closest('[class*="st-key-"]');
    return {key: block ? [...block.classList].find(c => c.startsWith('st-key-')) : '',
            width: Math.round(grid.getBoundingClientRect().width),
            sideways: scroller ? scroller.scrollWidth - scroller.clientWidth : null,
            headers: [...grid.querySelectorAll('th')].map(th => th.innerText.trim()).filter(Boolean)};
  })"""


def _a_target(engine) -> None:
    """Lâm Đồng's own 5G target with a baseline (the sample sets none): a row for the targets table."""
    set_target("fiveg_coverage_pct", "68", "2025-12-31", 60, baseline_value=10, baseline_date="2025-01-31",
               user=TEST_ADMIN, engine=engine)


@pytest.fixture(scope="module")
def app_url(seeded_url, tmp_path_factory):
    with private_app(seeded_url, tmp_path_factory.mktemp("tables"), "tables", prepare=_a_target) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser(app_url, chromium):
    return chromium


def _grids(page, app_url: str, path: str, lang: str, shot: str) -> list[dict]:
    """The page at PATH in LANG, every table scrolled into view once (a grid measures itself when seen)."""
    separator = "&" if "?" in path else "?"
    page.goto(f"{app_url}/{path}{separator}lang={lang}")
    wait_until_run_finished(page)
    for grid in page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').all():
        if grid.is_visible():
            grid.scroll_into_view_if_needed()
    wait_until_layout_still(page)
    full_page_shot(page, shot)
    return page.evaluate(GRIDS)


def _too_wide(grids: list[dict]) -> list[dict]:
    return [grid for grid in grids if grid["sideways"] is None or grid["sideways"] > 1]


# The page, and how many tables it shows at least, so a page that lost its table does not pass.
PAGES = [
    ("indicators", 1),
    ("accounts", 1),
    ("upload", 1),
    ("reporting-status?province=68", 1),
    ("audit", 1),
    ("approvals?province=68", 1),
    ("quality", 1),  # the scorecard under the map at this size (beside it from 1600 px)
]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_table_scrolls_sideways_at_a_projectors_size(app_url, browser, lang):
    context, page = signed_in(browser, app_url, TEST_ADMIN, "")
    try:
        problems = []
        for path, tables in PAGES:
            name = path.split("?")[0]
            grids = _grids(page, app_url, path, lang, f"tables_{name}_1280_{lang}.png")
            if len(grids) < tables:
                problems.append(f"{name}: {len(grids)} tables on screen, not {tables}")
            problems += [f"{name}: {grid}" for grid in _too_wide(grids)]
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_accountability_tables_fit_a_projector(app_url, browser, lang):
    """Nationally: the lead agencies' ranking (the first tab; it scrolled sideways past its on-time rate), the
    provinces' (the second tab, with a check box per row: an administrator may direct a province), the DTI
    beside them, the officials and the first official's tasks."""
    context, page = signed_in(browser, app_url, TEST_ADMIN, "")
    try:
        grids = _grids(page, app_url, "accountability", lang, f"tables_accountability_1280_{lang}.png")
        keys = " ".join(grid["key"] for grid in grids)
        for table in ("ranking--lead_agency", "officials--VN", "official_tasks"):
            assert table in keys, grids
        tab = page.locator('[data-testid="stMain"] [role="tab"]').nth(1)
        tab.click()
        wait_until_run_finished(page)
        for grid in page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').all():
            if grid.is_visible():
                grid.scroll_into_view_if_needed()
        wait_until_layout_still(page)
        full_page_shot(page, f"tables_accountability_provinces_1280_{lang}.png")
        provinces = [grid for grid in page.evaluate(GRIDS) if "ranking--child" in grid["key"]]
        assert provinces, page.evaluate(GRIDS)
        assert _too_wide(grids + provinces) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_quality_scorecard_fits_a_full_hd_screen(app_url, browser, lang):
    context, page = signed_in(browser, app_url, TEST_ADMIN, "", viewport=(1920, 1080))
    try:
        grids = _grids(page, app_url, "quality", lang, f"tables_quality_1920_{lang}.png")
        assert grids
        assert _too_wide(grids) == []
    finally:
        context.close()


# The names beside the bars of the by-area chart (the first tab under "by area, by agency, by plan"): each whole,
# neither ended with "…" nor running past the chart's box (nor hidden by Vega for overlapping another).
AREA_LABELS = r"""() => {
  const panel = [...document.querySelectorAll('[data-testid="stMain"] [role="tabpanel"]')]
    .find(p => p.getBoundingClientRect().height > 0 && p.querySelector('.vega-embed'));
  if (!panel) return ['no by-area chart'];
  const embed = panel.querySelector('.vega-embed'), box = embed.getBoundingClientRect(), problems = [];
  const labels = [...embed.querySelectorAll('.role-axis-label text')];
  if (!labels.length) problems.push('no axis labels drawn');
  for (const label of labels) {
    const r = label.getBoundingClientRect();
    // Vega hides a label that would overlap its neighbour: a name lost (the count axis may thin its numbers)
    if (label.getAttribute('opacity') === '0') {
      if (/[^0-9%.,\s]/.test(label.textContent)) problems.push(`hidden: ${label.textContent}`);
      continue;
    }
    if (label.textContent.endsWith('…')) problems.push(`cut: ${label.textContent}`);
    if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
      problems.push(`${label.textContent} spans ${r.left.toFixed(0)}..${r.right.toFixed(0)} px in a ` +
                    `${box.left.toFixed(0)}..${box.right.toFixed(0)} px box`);
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_phone_reads_the_targets_compact_and_the_tasks_by_area_whole(app_url, browser, lang):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    _open(page, f"{app_url}/")  # signed in as the test administrator (the phone's sidebar is folded)
    try:
        _grids(page, app_url, "targets?province=68", lang, f"tables_targets_390_{lang}.png")
        tables = page.evaluate(TABLES)
        targets = [table for table in tables if "targets_table" in table["name"]]
        assert len(targets) == 2, tables  # the table, whole and compact
        assert [table["name"] for table in targets if table["shown"]] == [
            table["name"] for table in targets if "-compact-" in table["name"]], tables
        assert all(table["sideways"] <= 1 for table in targets if table["shown"]), tables

        _grids(page, app_url, "tasks", lang, f"tables_tasks_390_{lang}.png")
        panel = page.locator('[data-testid="stMain"] [role="tabpanel"] .vega-embed').first
        panel.scroll_into_view_if_needed()
        wait_until_layout_still(page)
        assert page.evaluate(AREA_LABELS) == []
    finally:
        context.close()
