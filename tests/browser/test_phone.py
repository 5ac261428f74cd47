"""A phone (390×844), read-only, in a real browser: the tables a leader reads show the unit's name and its key
figure without scrolling sideways (a compact table below 640 px; tapping a row lists all its columns), nothing
on the page is wider than the screen, KPI labels are not cut, and no chart's title or legend runs past its box
or ends in "…" (a name beside a bar may: its tooltip has it). The infrastructure trends are checked the same
way at 1280×720, where they sit three to a row. Same server and sign-in as tests/browser/test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import app_url, browser, open_signed_in  # noqa: F401  (fixtures)
from tests.support.auth_helpers import PASSWORD, TEST_ADMIN
from tests.support.browser_support import (
    ARTIFACTS,
    RUN_TIMEOUT_MS,
    wait_until_layout_still,
    wait_until_run_finished,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]

PHONE = {"width": 390, "height": 844}

# What a narrow screen shows wrongly, as sentences (empty when all is well): on the whole page, and for each
# table: whether the wide one is hidden, the compact one shown, and whether the compact one scrolls sideways.
PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) problems.push(`the page is ${root.scrollWidth} px wide`);
  const main = document.querySelector('[data-testid="stMain"]');
  if (main.scrollWidth > main.clientWidth + 1) problems.push(`the main area is ${main.scrollWidth} px wide`);
  for (const label of main.querySelectorAll('[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div'))
    if (label.scrollWidth > label.clientWidth + 1) problems.push(`KPI label cut: ${label.innerText}`);
  for (const embed of main.querySelectorAll('.vega-embed')) {
    const box = embed.getBoundingClientRect();
    if (box.width === 0) continue;  // a hidden tab
    // a name beside a bar may be shortened (its tooltip has it whole); a title or a legend entry may not
    for (const text of embed.querySelectorAll('.role-title text, .role-legend text, .role-axis-title text'))
      if (text.textContent.endsWith('…')) problems.push(`chart text cut: ${text.textContent}`);
    for (const part of embed.querySelectorAll('.role-legend, .role-title')) {
      const r = part.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1))
        problems.push(`a chart's ${part.classList.contains('role-legend') ? 'legend' : 'title'} spans ` +
                      `${r.left.toFixed(0)}..${r.right.toFixed(0)} px in a ${box.left.toFixed(0)}..` +
                      `${box.right.toFixed(0)} px box: ${part.textContent.slice(0, 50)}`);
    }
  }
  return problems;
}"""

TABLES = """() => [...document.querySelectorAll('[class*="st-key-nq57-compact-"], [class*="st-key-nq57-wide-"]')]
  .map(block => {
    const scroller = block.querySelector('.dvn-scroller');
    return {name: [...block.classList].find(c => c.startsWith('st-key-nq57-')),
            shown: block.getBoundingClientRect().height > 0,
            sideways: scroller ? scroller.scrollWidth - scroller.clientWidth : null};
  })"""


@pytest.fixture(scope="session")
def signed_in_state(app_url, browser):  # noqa: F811
    """The test administrator signed in once (the session cookie, as Playwright's storage state): each
    test's new browser context starts with it, like a person coming back, instead of signing in again.
    `_open` still signs in should the form show all the same."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    try:
        tab = context.new_page()
        tab.set_default_timeout(RUN_TIMEOUT_MS)
        open_signed_in(tab, f"{app_url}/?lang=vi")
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def phone(browser, signed_in_state):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True,
                                  storage_state=signed_in_state)
    tab = context.new_page()
    tab.set_default_timeout(RUN_TIMEOUT_MS)
    yield tab
    context.close()


def _open(tab, url: str) -> None:
    """The link, signed in as the test administrator (on a phone the sidebar, with its navigation, is folded)."""
    tab.goto(url)
    wait_until_run_finished(tab)
    if tab.locator(".st-key-sign_in_submit").count():
        tab.locator(".st-key-sign_in_username input").fill(TEST_ADMIN)
        tab.locator(".st-key-sign_in_password input").fill(PASSWORD)
        tab.locator(".st-key-sign_in_submit button").click()
        tab.locator('[data-testid="stSidebarNav"]').wait_for(state="attached")
        wait_until_run_finished(tab)
    # widgets and cards show grey placeholders until their code has loaded (seconds, on a loaded machine)
    tab.wait_for_function("() => document.querySelector('[data-testid=\"stSkeleton\"]') === null")
    tab.mouse.move(0, 0)
    wait_until_layout_still(tab)  # charts finish their resize


def _tables(tab) -> dict[str, dict[str, dict]]:
    """Each table's two blocks, {"compact": …, "wide": …}, by the table's key; a table in a tab not chosen
    has neither shown."""
    for block in tab.locator('[class*="st-key-nq57-compact-"]').all():
        if block.is_visible():
            block.scroll_into_view_if_needed()  # the grid draws (and measures) itself once on screen
            block.locator(".dvn-scroller").wait_for(state="attached")
    wait_until_layout_still(tab)
    tables: dict[str, dict[str, dict]] = {}
    for block in tab.evaluate(TABLES):
        kind, _, key = block["name"].removeprefix("st-key-nq57-").partition("-")
        tables.setdefault(key, {})[kind] = block
    return tables


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", ["accountability", "tasks", "quality", "reporting-status", "infrastructure"])
def test_a_phone_reads_every_page_without_scrolling_sideways(app_url, phone, path, lang):  # noqa: F811
    query = f"?lang={lang}"  # not the language the account last chose
    _open(phone, f"{app_url}/{path}{query}")
    phone.screenshot(path=str(ARTIFACTS / f"phone_{path}_{lang}.png"), full_page=True)
    assert phone.evaluate(PROBLEMS) == []
    tables = _tables(phone)
    if path != "infrastructure":
        assert any(pair["compact"]["shown"] for pair in tables.values()), tables
    for key, pair in tables.items():
        assert not pair["wide"]["shown"], key  # never the wide table on a phone
        if pair["compact"]["shown"]:
            assert pair["compact"]["sideways"] is not None and pair["compact"]["sideways"] <= 1, (key, pair)


def test_tapping_a_row_of_a_compact_table_shows_all_its_columns(app_url, phone):  # noqa: F811
    _open(phone, f"{app_url}/quality?province=68&lang=vi")
    table = phone.locator('[class*="st-key-nq57-compact-quality_scorecard"]')
    table.scroll_into_view_if_needed()
    grid = table.locator('[data-testid="stDataFrameResizable"]')
    box = grid.bounding_box()
    assert box and box["width"] <= PHONE["width"]
    # the first row's check box: rows are 35 px under a 35 px header
    phone.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    card = table.locator('[data-testid="stTable"]')
    card.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_run_finished(phone)
    text = card.inner_text()
    for label in ("Đúng", "Đủ", "Sạch", "Sống", "Điểm chung", "Số ngày từ báo cáo gần nhất"):
        assert label in text, text
    phone.screenshot(path=str(ARTIFACTS / "phone_quality_row_card.png"), full_page=True)


def test_infrastructure_trends_keep_their_legends_and_titles_three_to_a_row(app_url, browser,  # noqa: F811
                                                                           signed_in_state):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN",
                                  storage_state=signed_in_state)
    try:
        tab = context.new_page()
        tab.set_default_timeout(RUN_TIMEOUT_MS)
        for query in ("?lang=vi", "?lang=en"):
            _open(tab, f"{app_url}/infrastructure{query}")
            tab.locator('.vega-embed').nth(2).scroll_into_view_if_needed()
            wait_until_layout_still(tab)
            assert tab.evaluate(PROBLEMS) == [], query
            tab.screenshot(path=str(ARTIFACTS / f"infrastructure_1280{query.replace('?', '_')}.png"))
    finally:
        context.close()


# Each warning card's text block and buttons: the text's width against the card's inner width (its padding off),
# and whether the buttons sit under the text (a phone) or beside it.
WARNING_CARDS = """() => [...document.querySelectorAll('[class*="st-key-nq57-warning-"]')]
  .filter(card => ![...card.classList].some(c => c.startsWith('st-key-nq57-warning-actions-')))
  .filter(card => card.getBoundingClientRect().width > 0)
  .map(card => {
    const style = getComputedStyle(card);
    const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const actions = card.querySelector('[class*="st-key-nq57-warning-actions-"]');
    const text = [...card.children].find(child => child !== actions && !child.contains(actions)
                                                  && child.querySelector('[data-testid="stMarkdownContainer"]'));
    const t = text.getBoundingClientRect(), a = actions.getBoundingClientRect();
    return {text: text.innerText.slice(0, 40), share: t.width / inner, below: a.top >= t.bottom - 1};
  })"""


def test_a_phone_gives_a_warnings_text_the_cards_whole_width(app_url, phone):  # noqa: F811
    _open(phone, f"{app_url}/warnings?province=68&lang=vi")
    phone.screenshot(path=str(ARTIFACTS / "phone_warnings_vi.png"), full_page=True)
    cards = phone.evaluate(WARNING_CARDS)
    assert len(cards) >= 3, cards  # Lâm Đồng: an overdue task, a silent one, its communes off the 5G path
    for card in cards:
        # the buttons beside the text left it about 60% of the card
        assert card["share"] >= 0.9 and card["below"], card
    assert phone.evaluate(PROBLEMS) == []
