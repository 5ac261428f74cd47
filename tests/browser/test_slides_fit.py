"""Slides that hold on a projector: at 1280×720, in presentation mode (the browser's real full screen), every
slide of the national, Lâm Đồng's and a commune's deck, in Vietnamese and English, fits on the screen with
nothing clipped that the page can tell — the slide's content is no taller than the window, no title, sentence,
KPI label or list item is wider than its box, no chart label is cut with "…", drawn over its neighbour or past
the chart's edge, the charts keep their room (not collapsed to a strip) and the text stays large enough for
the back of a room. The slides are stepped through with the keys a presenter's clicker sends (→, Page Down,
Space, End, Home, Page Up, ←) and Esc leaves the mode.

One app server for the module, on a copy of the seeded SQLite database (as tests/browser/test_browser.py).
"""

from __future__ import annotations

import re

import pytest

from data_loaders.figures.views import LANG_KEY
from data_loaders.store.engine import make_engine
from tests.support.auth_helpers import PASSWORD, TEST_ADMIN, ensure_account
from tests.support.browser_support import (
    ARTIFACTS,
    RUN_TIMEOUT_MS,
    _require_browser,
    app_server,
    copy_sqlite,
    wait_until_run_finished,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True)]

MIN_SENTENCE_PX = 18  # the sentence of a slide at 1280×720 (after any shrinking to fit)
MIN_TEXT_PX = 14  # any other text of the slide
MIN_CHART_TEXT_PX = 13  # a chart's labels, legend and values (the names beside eight bars of two lines each)
MIN_CHART_SHARE = 0.4  # of the slide's width, for a chart
MIN_CHART_HEIGHT_SHARE = 0.35  # of the slide's height: a chart is not squeezed to a strip
MIN_STATEMENT_PX = 26  # the sentence of a slide with nothing to chart (a commune with no tasks): the slide's message
EXIT_GAP_PX = 4  # the leave-the-presentation button keeps this far from the slide and from the other controls
# The national level, Lâm Đồng and one of its communes (the README's example): query strings of a shared link.
SCOPES = {"VN": "", "68": "province=68&", "24781": "province=68&commune=24781&"}

# Everything the page can tell about a slide that does not fit: a list of sentences, empty when it fits.
PROBLEMS = """() => {
  const problems = [];
  const slide = document.querySelector('.st-key-nq57-slide');
  if (!slide) return ['no slide on the page'];
  const box = slide.getBoundingClientRect();
  if (box.top < -1 || box.bottom > window.innerHeight + 1)
    problems.push(`the slide spans ${box.top.toFixed(0)}..${box.bottom.toFixed(0)} px of ${window.innerHeight} px`);
  if (slide.scrollHeight > slide.clientHeight + 1)
    problems.push(`content ${slide.scrollHeight} px tall in a ${slide.clientHeight} px slide`);
  for (const column of slide.querySelectorAll('[data-testid="stColumn"]'))
    if (column.scrollHeight > column.clientHeight + 1)
      problems.push(`a column holds ${column.scrollHeight} px in ${column.clientHeight} px: ` +
                    column.innerText.slice(0, 60));
  const texts = '.nq57-slide-title, .nq57-slide-subtitle, .nq57-slide-frozen, .nq57-slide-sentence, ' +
                '.nq57-tile b, .nq57-tile span, .nq57-figures li, .nq57-bullets li, .nq57-source li, ' +
                '.nq57-qr-caption, .nq57-qr-local';
  for (const node of slide.querySelectorAll(texts)) {
    if (node.scrollWidth > node.clientWidth + 1) problems.push(`clipped: ${node.innerText.slice(0, 60)}`);
    const size = parseFloat(getComputedStyle(node).fontSize);
    const least = node.classList.contains('nq57-slide-sentence') ? %d : %d;
    if (size < least) problems.push(`${size.toFixed(1)} px text: ${node.innerText.slice(0, 40)}`);
  }
  const exit = document.querySelector('.st-key-slide_exit button');
  if (exit) {
    const e = exit.getBoundingClientRect(), gap = %d;
    const near = r => e.left < r.right + gap && e.right > r.left - gap &&
                      e.top < r.bottom + gap && e.bottom > r.top - gap;
    if (near(box)) problems.push('the exit button touches the slide');
    if (e.right > window.innerWidth || e.bottom > window.innerHeight) problems.push('the exit button is off screen');
    for (const control of document.querySelectorAll('.st-key-nq57-controls button, .st-key-nq57-controls input'))
      if (near(control.getBoundingClientRect())) problems.push('the exit button is over the slide controls');
  }
  const statement = slide.querySelector('.st-key-nq57-statement');
  if (statement) {  // a slide with nothing to chart: its sentence in large type, in the middle of the slide
    const size = parseFloat(getComputedStyle(statement.querySelector('.nq57-statement')).fontSize);
    if (size < %d) problems.push(`an empty slide's sentence at ${size.toFixed(1)} px`);
    const words = [...statement.querySelectorAll('.nq57-statement, .nq57-tiles')].map(n => n.getBoundingClientRect());
    const middle = (Math.min(...words.map(r => r.top)) + Math.max(...words.map(r => r.bottom))) / 2;
    if (middle < box.top + box.height * 0.3 || middle > box.top + box.height * 0.7)
      problems.push(`an empty slide's text centred at ${middle.toFixed(0)} px of a ${box.top.toFixed(0)}..` +
                    `${box.bottom.toFixed(0)} px slide`);
  }
  for (const chart of slide.querySelectorAll('.vega-embed svg')) {
    const edge = chart.getBoundingClientRect();
    if (edge.width < box.width * %s)
      problems.push(`a chart ${edge.width.toFixed(0)} px wide in a ${box.width.toFixed(0)} px slide`);
    if (edge.height < box.height * %s)
      problems.push(`a chart ${edge.height.toFixed(0)} px tall in a ${box.height.toFixed(0)} px slide`);
    for (const text of chart.querySelectorAll('text')) {
      const content = text.textContent.trim();
      if (!content) continue;
      if (content.endsWith('…')) problems.push(`chart text cut: ${content}`);
      // (a text's box is its font's line, taller than its letters: a third of the type is allowed above, below)
      const r = text.getBoundingClientRect();
      const size = parseFloat(text.getAttribute('font-size') || getComputedStyle(text).fontSize);
      if (r.right > edge.right + 1 || r.left < edge.left - 1 || r.bottom > edge.bottom + size / 3 ||
          r.top < edge.top - size / 3)
        problems.push(`chart text past the chart's edge: ${content}`);
      if (size < %d) problems.push(`${size.toFixed(1)} px chart text: ${content}`);
    }
    for (const axis of chart.querySelectorAll('.role-axis')) {
      const labels = [...axis.querySelectorAll('.role-axis-label text')].filter(t => t.textContent.trim())
        .map(t => [t.textContent, t.getBoundingClientRect()]);
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
        const [a, r] = labels[i], [b, s] = labels[j];
        const overlap = Math.min(r.right, s.right) - Math.max(r.left, s.left) > 1 &&
                        Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top) > 1;
        if (overlap) problems.push(`axis labels drawn over each other: "${a}" and "${b}"`);
      }
    }
  }
  return problems;
}""" % (MIN_SENTENCE_PX, MIN_TEXT_PX, EXIT_GAP_PX, MIN_STATEMENT_PX, MIN_CHART_SHARE, MIN_CHART_HEIGHT_SHARE,
       MIN_CHART_TEXT_PX)

COUNTER = "() => ((document.querySelector('.nq57-slide-number')?.innerText || '').match(/\\d+/) || [])[0]"
COUNT = "() => ((document.querySelector('.nq57-slide-number')?.innerText || '').match(/\\d+/g) || []).pop()"
# a slide's chart has been drawn (or the slide has none)
CHART_DRAWN = ("() => !document.querySelector('.st-key-nq57-slide .st-key-nq57-chart') || "
               "document.querySelector('.st-key-nq57-slide .st-key-nq57-chart .vega-embed svg text') !== null")


@pytest.fixture(scope="module")
def app_url(seeded_url, tmp_path_factory):
    """The app on a free port, on a private copy of the seeded database: one server for this module."""
    _require_browser()
    database_url = copy_sqlite(seeded_url, tmp_path_factory.mktemp("slides_fit") / "app.sqlite")
    engine = make_engine(database_url)
    try:
        ensure_account(engine)
    finally:
        engine.dispose()
    with app_server(database_url, "streamlit_slides_fit.log") as url:
        yield url


@pytest.fixture
def projector(app_url, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    yield page
    context.close()


def _open(page, url: str) -> None:
    """Signed in (the sign-in form shows on any page), then the link."""
    page.goto(url)
    wait_until_run_finished(page)
    if page.locator(".st-key-sign_in_submit").count():
        page.locator(".st-key-sign_in_username input").fill(TEST_ADMIN)
        page.locator(".st-key-sign_in_password input").fill(PASSWORD)
        page.locator(".st-key-sign_in_submit button").click()
        page.locator('[data-testid="stSidebarNav"]').wait_for()
        wait_until_run_finished(page)
        page.goto(url)
        wait_until_run_finished(page)


def _settled_on(page, number: int) -> None:
    page.wait_for_function(f"() => ({COUNTER})() === '{number}'")
    wait_until_run_finished(page)
    page.wait_for_function(CHART_DRAWN)
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)  # the chart's resize and the text fitting settle


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_slide_fits_a_1280x720_projector_and_the_clicker_keys_move(projector, app_url, lang, scope):
    page = projector
    _open(page, f"{app_url}/presentation?{SCOPES[scope]}slide=1&{LANG_KEY}={lang}")
    page.locator(".st-key-presentation_fullscreen label").first.click()
    wait_until_run_finished(page)
    assert page.evaluate("() => document.fullscreenElement !== null"), "the browser's full screen was not asked for"
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator(".st-key-nq57-deck-settings").is_visible()
    count = int(page.evaluate(COUNT))
    assert count >= (8 if scope == "24781" else 9), count  # a commune has no units below it to rank

    found = {}
    keys = ["ArrowRight", "PageDown", "Space"]
    for number in range(1, count + 1):
        _settled_on(page, number)
        page.screenshot(path=str(ARTIFACTS / f"slide_fit_{lang}_{scope}_{number}.png"))
        problems = page.evaluate(PROBLEMS)
        if problems:
            found[number] = problems
        if number < count:
            page.keyboard.press(keys[(number - 1) % len(keys)])
    assert not found, "\n".join(f"slide {number}: {'; '.join(problems)}" for number, problems in found.items())

    for key, number in (("Home", 1), ("PageUp", count), ("ArrowLeft", count - 1), ("End", count)):
        page.keyboard.press(key)
        page.wait_for_function(f"() => ({COUNTER})() === '{number}'")
        assert re.search(rf"[?&]slide={number}\b", page.url), (key, page.url)
    wait_until_run_finished(page)
    page.keyboard.press("Escape")
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
    wait_until_run_finished(page)
    assert page.evaluate("() => document.fullscreenElement === null")
    assert page.locator(".st-key-nq57-deck-settings").is_visible()
