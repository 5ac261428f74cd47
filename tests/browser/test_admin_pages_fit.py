"""The leader's board and the administrators' pages at a projector's 1280×720, in both languages, where the DOM
can tell what a person would see cut: a warning card's buttons ("Mở", "Chỉ đạo") on one line and whole, no chart
title, legend or axis title past its chart's box (the board's map legend lost its last class, the ranked bars
their axis title), no KPI label cut; the plans form's owner box naming the nation instead of Streamlit's English
"Choose an option"; the audit filters in one row. Same server and sign-in as tests/browser/test_browser.py.
"""

from __future__ import annotations

import pytest

from data_loaders.i18n import t
from tests.browser.test_browser import app_url, browser  # noqa: F401  (fixtures)
from tests.browser.test_phone import PROBLEMS, WARNING_CARDS, _open
from tests.support.browser_support import ARTIFACTS, RUN_TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]

PROJECTOR = {"width": 1280, "height": 720}

# Each button of a warning card: its label's own width against the room it has, and its height (one line of
# text is about 40 px; "Chỉ đạo" wrapped letter by letter in a narrow column was three or four lines).
CARD_BUTTONS = """() => [...document.querySelectorAll('[class*="st-key-nq57-warning-actions-"] button')]
  .filter(button => button.getBoundingClientRect().width > 0)
  .map(button => {
    const label = button.querySelector('p') || button;
    return {text: label.innerText.trim(), height: button.getBoundingClientRect().height,
            cut: label.scrollWidth > label.clientWidth + 1};
  })"""

# A chart's axis title running past its box (clipped at the edge, not ended with "…").
AXIS_TITLES = """() => {
  const problems = [];
  for (const embed of document.querySelectorAll('[data-testid="stMain"] .vega-embed')) {
    const box = embed.getBoundingClientRect();
    if (box.width === 0) continue;
    for (const title of embed.querySelectorAll('.role-axis-title')) {
      const r = title.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1))
        problems.push(`axis title ${title.textContent} spans ${r.left.toFixed(0)}..${r.right.toFixed(0)} px ` +
                      `in a ${box.left.toFixed(0)}..${box.right.toFixed(0)} px box`);
    }
  }
  return problems;
}"""


@pytest.fixture
def projector(app_url, browser):  # noqa: F811
    """A 1280×720 window, signed in at the app's root first: a page's own link opened on a server that has
    just started showed Streamlit's "Page not found" dialog over the sign-in form once (see the report)."""
    context = browser.new_context(viewport=PROJECTOR, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(RUN_TIMEOUT_MS)
    _open(tab, f"{app_url}/")
    yield tab
    context.close()


def _charts_drawn(tab) -> None:
    """Every chart scrolled into view once (a chart below the fold may draw only when it is seen)."""
    for embed in tab.locator('[data-testid="stMain"] .vega-embed').all():
        if embed.is_visible():
            embed.scroll_into_view_if_needed()
            tab.wait_for_timeout(200)
    tab.wait_for_timeout(500)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_leaders_board_of_a_province_shows_its_buttons_legends_and_titles_whole(app_url, projector, lang):  # noqa: F811
    _open(projector, f"{app_url}/leader?province=68&lang={lang}")
    buttons = projector.evaluate(CARD_BUTTONS)
    texts = {button["text"] for button in buttons}
    # the province's overdue and stalled tasks: an administrator may direct on them
    assert {t("warning_open", lang), t("warning_direct", lang)} <= texts, texts
    for button in buttons:
        assert not button["cut"] and button["height"] < 50, button
    # beside the text, not under it as on a phone (tests/browser/test_phone.py)
    cards = projector.evaluate(WARNING_CARDS)
    assert cards and not any(card["below"] for card in cards), cards
    _charts_drawn(projector)
    projector.screenshot(path=str(ARTIFACTS / f"leader_board_68_1280_{lang}.png"), full_page=True)
    assert projector.evaluate(PROBLEMS) == []
    assert projector.evaluate(AXIS_TITLES) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_plans_form_names_the_nation_and_the_audit_filters_sit_in_one_row(app_url, projector, lang):  # noqa: F811
    _open(projector, f"{app_url}/plans?lang={lang}")
    owner = projector.locator(".st-key-plans_add--province")
    owner.wait_for()
    # what the box shows: its label and the value of its input (its placeholder shows only when it is empty)
    shown = owner.evaluate("box => [box.innerText, ...[...box.querySelectorAll('input')].map(i => i.value)]"
                           ".join(' | ')")
    assert t("plans_national", lang) in shown, shown
    assert "Choose an option" not in shown, shown

    _open(projector, f"{app_url}/audit?lang={lang}")
    keys = ("audit_actor", "audit_action", "audit_since", "audit_until", "audit_page_size")
    boxes = [projector.locator(f".st-key-{key}").first.bounding_box() for key in keys]
    assert all(boxes), boxes
    bottoms = [round(box["y"] + box["height"]) for box in boxes]
    assert max(bottoms) - min(bottoms) <= 3, bottoms  # the five fields on one line
    labels = [projector.locator(f".st-key-{key} label").first.bounding_box() for key in keys]
    # each label on one line: "Số dòng mỗi trang" on two pushed its box below the others
    assert all(label and label["height"] < 30 for label in labels), labels
    projector.screenshot(path=str(ARTIFACTS / f"audit_filters_1280_{lang}.png"))
