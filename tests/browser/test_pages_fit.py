"""The figure pages in a real browser, where the DOM can tell what a projector shows wrongly: at 1280×720 no
chart title, legend entry or axis title is cut ("…") or runs past its chart, a map's legend shows a label for
each of its colour classes, none over another, and the commune a page is about keeps its whole name beside its
bar; on a phone the map fills its box with no band of white above or below it; at 1920×1080 the map is at least
half the content's width. Same server and sign-in as tests/browser/test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import app_url, browser  # noqa: F401  (fixtures)
from tests.browser.test_phone import PROBLEMS, _open, signed_in_state  # noqa: F401  (a fixture)
from tests.support.browser_support import ARTIFACTS, RUN_TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("seeded_url", ["sqlite"], indirect=True),
]

# Each map's legend: its labels, whether they overlap or are cut, and the map itself — how wide its shapes are
# and the white between the title and the shapes and between the shapes and the legend; the content's width.
MAPS = """() => {
  const content = document.querySelector('[data-testid="stMainBlockContainer"]');
  const style = getComputedStyle(content);
  const inner = content.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const maps = [];
  for (const embed of document.querySelectorAll('[data-testid="stMain"] .vega-embed')) {
    // the provinces and the archipelagos' dots, or the province's outline and its communes
    const marks = [...embed.querySelectorAll('.role-mark.mark-shape, .role-mark.mark-symbol')]
      .map(mark => mark.getBoundingClientRect()).filter(r => r.width);
    if (!embed.querySelector('.role-mark.mark-shape') || !marks.length) continue;  // not a map, or a hidden tab
    const box = embed.getBoundingClientRect();
    const plot = {left: Math.min(...marks.map(r => r.left)), right: Math.max(...marks.map(r => r.right)),
                  top: Math.min(...marks.map(r => r.top)), bottom: Math.max(...marks.map(r => r.bottom))};
    plot.width = plot.right - plot.left;
    const title = embed.querySelector('.role-title').getBoundingClientRect();
    const legend = embed.querySelector('.role-legend');
    const labels = legend ? [...legend.querySelectorAll('.role-legend-label text')] : [];
    const rects = labels.map(label => label.getBoundingClientRect());
    let overlaps = 0;
    rects.forEach((a, i) => rects.slice(i + 1).forEach(b => {
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
    }));
    maps.push({labels: labels.map(label => label.textContent),
               symbols: legend ? legend.querySelectorAll('.role-legend-symbol path').length : 0,
               overlaps, outside: rects.filter(r => r.right > box.right + 1 || r.left < box.left - 1).length,
               width: plot.width, above: plot.top - title.bottom,
               below: legend ? legend.getBoundingClientRect().top - plot.bottom : 0});
  }
  return {content: inner, maps};
}"""

# The names beside ranked bars (axis labels), as drawn.
BAR_NAMES = """() => [...document.querySelectorAll('[data-testid="stMain"] .vega-embed .role-axis-label text')]
  .map(text => text.textContent)"""


def _session(browser, signed_in_state, width: int, height: int, **options):  # noqa: F811
    """A new browser context starting signed in (test_phone.signed_in_state), with one tab."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  storage_state=signed_in_state, **options)
    tab = context.new_page()
    tab.set_default_timeout(RUN_TIMEOUT_MS)
    return context, tab


def _every_chart_drawn(tab) -> None:
    for embed in tab.locator('[data-testid="stMain"] .vega-embed').all():
        embed.scroll_into_view_if_needed()  # the table of a column may draw later; charts measure once shown
    tab.wait_for_timeout(400)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path, query", [("map", ""), ("quality", ""), ("ecosystem", ""),
                                         ("map", "province=68&commune=24781")])
def test_figure_pages_at_1280_cut_no_chart_text_and_name_every_colour(app_url, browser, signed_in_state,  # noqa: F811
                                                                      path, query, lang):
    context, tab = _session(browser, signed_in_state, 1280, 720)
    try:
        _open(tab, f"{app_url}/{path}?{query + '&' if query else ''}lang={lang}")
        _every_chart_drawn(tab)
        tab.screenshot(path=str(ARTIFACTS / f"fit_1280_{path}_{query.split('=')[-1] or 'VN'}_{lang}.png"),
                       full_page=True)
        assert tab.evaluate(PROBLEMS) == []
        found = tab.evaluate(MAPS)
        assert found["maps"], "no map on the page"
        for chart in found["maps"]:
            assert chart["labels"] and all(chart["labels"]), chart  # a label for each colour, none blank
            assert chart["symbols"] == len(chart["labels"]), chart
            assert chart["overlaps"] == 0 and chart["outside"] == 0, chart
            assert not any(label.endswith("…") for label in chart["labels"]), chart
        if "commune=24781" in query:  # the commune the page is about, whole beside its bar
            assert any(name.startswith("Phường Xuân Hương") and not name.endswith("…")
                       for name in tab.evaluate(BAR_NAMES)), tab.evaluate(BAR_NAMES)
    finally:
        context.close()


def test_a_phone_map_fills_its_box_without_a_band_of_white(app_url, browser, signed_in_state):  # noqa: F811
    context, tab = _session(browser, signed_in_state, 390, 844, is_mobile=True, has_touch=True)
    try:
        _open(tab, f"{app_url}/map?lang=vi")
        _every_chart_drawn(tab)
        tab.screenshot(path=str(ARTIFACTS / "fit_phone_map.png"), full_page=True)
        chart = tab.evaluate(MAPS)["maps"][0]
        # a fixed 700-px box left about 130 px of white above a 370-px-wide map, and as much below
        assert chart["above"] < 40 and chart["below"] < 60, chart
        assert tab.evaluate(PROBLEMS) == []
    finally:
        context.close()


def test_a_map_at_1920_is_at_least_half_the_content_width(app_url, browser, signed_in_state):  # noqa: F811
    context, tab = _session(browser, signed_in_state, 1920, 1080)
    try:
        for query in ("", "province=68&"):
            _open(tab, f"{app_url}/map?{query}lang=vi")
            _every_chart_drawn(tab)
            found = tab.evaluate(MAPS)
            tab.screenshot(path=str(ARTIFACTS / f"fit_1920_map_{query or 'VN'}.png"), full_page=True)
            if not query:  # the country: Hoàng Sa and Trường Sa included, as wide as half the content
                assert found["maps"][0]["width"] >= found["content"] / 2 - 1, found
            assert found["maps"][0]["width"] >= found["content"] / 3, found  # a province is taller than wide
            assert tab.evaluate(PROBLEMS) == [], query
    finally:
        context.close()
