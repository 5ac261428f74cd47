"""The presentation page's slideshow: one slide of a reports.slides.Deck at a time, in large
high-contrast type, with previous/next buttons, an optional auto-advance, the slide number in the URL
(`?slide=3`) and downloads of the same deck as .pptx and PDF, generated when clicked."""

from __future__ import annotations

import datetime as dt
import html
import time
from typing import Callable, NamedTuple

import streamlit as st

from charts.render import slide_spec
from charts.theme import TITLE_FONT, refitted_titles
from components import auth, cached
from components.approvals_view import counting_note
from components.directions_view import open_requested_direction, request_direction
from components.display import page_spec
from components.exports import audited
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import SLIDE_KEY
from data_loaders.follow_up.directions import may_direct
from data_loaders.store.settings import url_is_local
from reports.qr import qr_png
from reports.slides import Deck, Figure, Slide, build_slide, build_slides, deck_context, deck_outline, unversioned

AUTOPLAY_KEY, INTERVAL_KEY, FULLSCREEN_KEY = "presentation_autoplay", "presentation_interval", "presentation_fullscreen"
_SHOWN_AT = "_nq57_slide_shown_at"  # when the current slide appeared: auto-advance counts from here
INTERVALS = (10, 20, 30, 60)
PAGE_FONT_SCALE = 1.6  # chart type on screen: 21 px axis labels, readable from the back of a room at 1280×720
LEGEND_FONT = 17  # px: legend entries at 1280×720 (the chart's type grows with its width)
AXIS_NAME_FONT = 15  # px: the names beside bars, two lines of them to a bar of eight at 1280×720
# ... and larger where the bars are fewer: up to four bars (the statuses, the quality scores), up to six
AXIS_NAME_FONTS = ((4, 20), (6, 17))
MAX_BAR_PX = 72  # px a bar's thickness at 1280×720: one unit's bar is a bar, not a slab filling the plot
VALUE_CHAR_EM = 0.58  # the width of a character of a value printed after its bar, in ems of its type
PAGE_CHART_HEIGHT = 420  # px of a chart on the page; in presentation mode it fills what the slide leaves
TYPE_PARAM, TYPE_REFERENCE_WIDTH = "nq57_type", 700  # px: the chart column of a 1280-px window, type as set
_TYPE_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize", "labelLineHeight", "symbolSize")
PAGE_CHART_FONT = '"Source Sans", "Source Sans Pro", Arial, sans-serif'  # the page's own font

# Every type size is a share of the slide's height (--u: 1 % of the largest 16:9 box the window holds), so a
# slide reads the same at 1280×720 and 1920×1080; --fit (set by _SCRIPT) shrinks the text of a slide that
# would not fit on one screen, a step at a time, never below 60 %.
_STYLE = """
<style>
.st-key-nq57-slide {--u:max(calc(min(1vh, .5625vw) * var(--fit, 1)), 5.4px);
  background:#ffffff; color:#111111; border:2px solid #0b2545; border-radius:8px; padding:1.2rem 1.6rem;}
.st-key-nq57-slide [data-testid="stMarkdownContainer"] {margin-bottom:0;}
.st-key-nq57-slide [data-testid="stMarkdownContainer"] p {margin:0;}
.nq57-slide-title {font-size:calc(5.4 * var(--u)); line-height:1.1; font-weight:700; color:#0b2545; margin:0;}
.nq57-slide-subtitle {font-size:calc(4.4 * var(--u)); line-height:1.15; font-weight:700; color:#111111;
  margin:.3rem 0 0 0;}
.nq57-slide-frozen {font-size:calc(2.8 * var(--u)); font-weight:700; color:#b71c1c; margin:.25rem 0 .5rem 0;
  border-bottom:3px solid #0b2545; padding-bottom:.4rem;}
.nq57-slide-sentence {font-size:calc(3.3 * var(--u)); line-height:1.3; color:#111111; margin:0;}
.nq57-figures {list-style:none; padding:0; margin:0;}
.nq57-figures li {font-size:calc(2.7 * var(--u)); color:#373737; margin:0 0 .3em 0; line-height:1.2;}
.nq57-figures b {font-size:calc(3.6 * var(--u)); color:#0b2545; margin-right:.4em;}
.nq57-figures b.nq57-alert, .nq57-tile b.nq57-alert {color:#b71c1c;}
.nq57-tiles {display:flex; flex-wrap:wrap; gap:.6em 2.2em; margin:0 0 .6em 0; font-size:calc(2.7 * var(--u));}
.nq57-tile {max-width:14em;}
.nq57-tile b {display:block; font-size:calc(5.6 * var(--u)); line-height:1.1; color:#0b2545;}
.nq57-tile span {font-size:calc(2.7 * var(--u)); color:#373737; line-height:1.2; display:block;}
.nq57-bullets {font-size:calc(3 * var(--u)); line-height:1.3; color:#111111; padding-left:1.2em; margin:0;}
.st-key-nq57-slide .nq57-bullets li {font-size:calc(3 * var(--u)); margin-bottom:.25em;}
.st-key-nq57-slide .nq57-source li {font-size:calc(2.5 * var(--u));}
.nq57-source {font-size:calc(2.5 * var(--u)); color:#373737; padding-left:1.2em; margin:0;}
.nq57-slide-number {font-size:calc(2.2 * var(--u)); color:#373737; text-align:right;}
/* A slide with nothing to chart (a commune with no tasks, no data yet): its sentence is the slide, in large type,
   with the figures there are as large tiles below it. */
.nq57-statement {font-size:calc(5.2 * var(--u)); line-height:1.25; font-weight:600; color:#0b2545;
  margin:0 0 .8em 0; max-width:28em;}
.nq57-tiles.nq57-tiles-large {gap:.8em 3em; font-size:calc(3.2 * var(--u));}
.nq57-tiles-large .nq57-tile b {font-size:calc(7.2 * var(--u));}
.nq57-tiles-large .nq57-tile span {font-size:calc(3.2 * var(--u));}
.st-key-nq57-slide [data-testid="stMarkdownContainer"] p.nq57-qr-caption {font-size:calc(2.2 * var(--u));
  color:#373737; margin:.2em 0 0 0; line-height:1.25;}
.st-key-nq57-slide [data-testid="stMarkdownContainer"] p.nq57-qr-local {font-size:calc(2.4 * var(--u));
  color:#b71c1c; font-weight:700; margin:.2em 0 0 0; line-height:1.25;}
.st-key-nq57-qr img {width:calc(20 * var(--u)) !important; max-width:100%; height:auto;}
.st-key-slide_first, .st-key-slide_last {display:none;}
</style>
"""
# Presentation mode: the slide fills the window above one row of controls, nothing else on screen. The slide is
# a column: its heading, then the chart row taking all the height left (the chart stretches to it).
_FULLSCREEN_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
.st-key-nq57-deck-settings {display:none !important;}
[data-testid="stMain"] {overflow:hidden; --nq57-exit-width:15rem;}
[data-testid="stMainBlockContainer"] {padding:.5rem 1rem 0 1rem !important; max-width:100% !important;}
[data-testid="stLayoutWrapper"]:has(> .st-key-nq57-slide) {height:calc(100dvh - 4.4rem); flex:0 0 auto;}
[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:has(> [data-testid="stHtml"]),
[data-testid="stLayoutWrapper"]:has(> .st-key-nq57-deck-settings) {display:none !important;}
.st-key-nq57-slide {height:100%; overflow:hidden; flex-wrap:nowrap !important; padding:1rem 1.4rem;
  gap:.6rem !important;}
.st-key-nq57-slide > * {flex:0 0 auto;}
.st-key-nq57-slide > [data-testid="stLayoutWrapper"]:has(.st-key-nq57-chart) {flex:1 1 0; min-height:0;}
.st-key-nq57-slide [data-testid="stHorizontalBlock"]:has(.st-key-nq57-chart),
.st-key-nq57-slide [data-testid="stColumn"]:has(.st-key-nq57-chart),
.st-key-nq57-slide [data-testid="stColumn"]:has(.st-key-nq57-chart) > [data-testid="stVerticalBlock"] {height:100%;}
.st-key-nq57-slide [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {max-height:100%; overflow:hidden;}
[data-testid="stLayoutWrapper"]:has(> .st-key-nq57-chart) {flex:1 1 0; min-height:0;}
/* A slide without a chart (no tasks, no data, a list): its body takes the height left, the number at the foot. */
.st-key-nq57-slide > [data-testid="stLayoutWrapper"]:has(.st-key-nq57-statement) {flex:1 1 0; min-height:0;}
.st-key-nq57-slide [data-testid="stHorizontalBlock"]:has(.st-key-nq57-statement),
.st-key-nq57-slide [data-testid="stColumn"]:has(.st-key-nq57-statement),
.st-key-nq57-slide [data-testid="stColumn"]:has(.st-key-nq57-statement) > [data-testid="stVerticalBlock"] {height:100%;}
[data-testid="stLayoutWrapper"]:has(> .st-key-nq57-statement) {flex:1 1 0; min-height:0;}
.st-key-nq57-statement {height:100%; justify-content:center;}
.st-key-nq57-slide > :last-child {margin-top:auto;}
.st-key-nq57-chart {height:100%; min-height:0;}
.st-key-nq57-chart > [data-testid="stElementContainer"] {flex:1 1 0; min-height:0; height:100%;}
/* A phone stacks the columns: the slide scrolls instead, its chart 60 % of the screen tall. */
@media (max-width: 640px) {
  [data-testid="stMain"] {overflow:auto;}
  [data-testid="stLayoutWrapper"]:has(> .st-key-nq57-slide), .st-key-nq57-slide {height:auto; overflow:visible;}
  .st-key-nq57-slide > [data-testid="stLayoutWrapper"]:has(.st-key-nq57-chart),
  .st-key-nq57-slide [data-testid="stHorizontalBlock"]:has(.st-key-nq57-chart) {flex:0 0 auto; height:auto;}
  .st-key-nq57-slide [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {max-height:none; height:auto;}
  .st-key-nq57-slide [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:has(.st-key-nq57-chart) {
    height:60vh;}
}
/* Leaving the presentation: at the right end of the row of controls, below the slide (at its top right corner
   it sat on the slide's border and over its title's line). */
.st-key-nq57-controls {gap:.5rem !important; width:calc(100% - var(--nq57-exit-width) - .5rem) !important;}
.st-key-slide_exit {position:fixed; bottom:.45rem; right:1rem; z-index:1000; width:var(--nq57-exit-width) !important;}
.st-key-slide_exit button {width:100%; min-height:2.2rem; justify-content:center;}
.st-key-slide_exit:hover, .st-key-slide_exit:focus-within {opacity:1;}
@media (max-width: 640px) {
  .st-key-nq57-controls {width:100% !important;}
  .st-key-slide_exit {position:static; width:auto !important;}
}
.st-key-nq57-controls button {min-height:2.2rem; padding-top:.1rem; padding-bottom:.1rem;}
</style>
"""
# Keyboard navigation (what a presenter's clicker sends), the browser's real full screen, and fitting the text.
# st.html runs it in the page itself (not an iframe); it installs its listeners once per browser tab and finds
# the buttons by their keys on every key press, so it keeps working across reruns and slide changes.
_SCRIPT = """
<script>
(() => {
  if (window.__nq57Slides) { window.__nq57Slides.fit(); return; }
  const doc = document;
  const press = key => {
    const button = doc.querySelector(`.st-key-${key} button`);
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  };
  const keys = {ArrowRight: "slide_next", PageDown: "slide_next", " ": "slide_next", ArrowDown: "slide_next",
                ArrowLeft: "slide_prev", PageUp: "slide_prev", ArrowUp: "slide_prev",
                Home: "slide_first", End: "slide_last", Escape: "slide_exit"};
  doc.addEventListener("keydown", event => {
    if (!doc.querySelector(".st-key-nq57-slide") || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const typing = target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
      (target.tagName === "INPUT" && !/^(checkbox|radio|button|submit|range)$/.test(target.type)));
    if (typing || (target && target.closest && target.closest('[role="listbox"]'))) return;
    const key = keys[event.key];
    if (key === "slide_exit" && doc.fullscreenElement) doc.exitFullscreen().catch(() => {});
    if (key && press(key)) { event.preventDefault(); event.stopPropagation(); }
  }, true);
  // The presentation-mode toggle asks for the real full screen in the click itself (a browser allows it
  // only on a person's gesture); leaving full screen (Esc, the browser's own control) leaves the mode.
  doc.addEventListener("click", event => {
    const toggle = event.target.closest && event.target.closest(".st-key-presentation_fullscreen");
    if (!toggle) return;
    const input = toggle.querySelector("input");
    const turningOn = input && !input.checked;
    if (turningOn && !doc.fullscreenElement && doc.documentElement.requestFullscreen) {
      doc.documentElement.requestFullscreen().catch(() => {});
    } else if (!turningOn && doc.fullscreenElement) {
      doc.exitFullscreen().catch(() => {});
    }
  }, true);
  doc.addEventListener("fullscreenchange", () => {
    if (!doc.fullscreenElement && doc.querySelector(".st-key-slide_exit")) press("slide_exit");
  });
  // A chart takes the height the text leaves it (and redraws a moment later): only text columns are measured.
  const fit = () => {
    const slide = doc.querySelector(".st-key-nq57-slide");
    if (!slide) return;
    let scale = 1;
    slide.style.setProperty("--fit", scale);
    const overflows = () => slide.scrollHeight > slide.clientHeight + 1 ||
      [...slide.querySelectorAll('[data-testid="stColumn"]:not(:has(.st-key-nq57-chart))')]
        .some(column => column.scrollHeight > column.clientHeight + 1) ||
      [...slide.querySelectorAll(".nq57-slide-title, .nq57-slide-sentence, .nq57-tile span")]
        .some(node => node.scrollWidth > node.clientWidth + 1);
    while (overflows() && scale > 0.6) {
      scale = Math.round((scale - 0.05) * 100) / 100;
      slide.style.setProperty("--fit", scale);
    }
  };
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fit(); });
  };
  new MutationObserver(schedule).observe(doc.body, {childList: true, subtree: true, characterData: true});
  window.addEventListener("resize", schedule);
  window.__nq57Slides = {fit};
  schedule();
})();
</script>
"""


class SlideShow(NamedTuple):
    """The deck the page shows: its outline (every slide's number, kind, title and links, no figure), the
    shown slide built on asking (`slide(number)`), and the whole deck for the downloads (`full()`)."""

    deck: Deck
    slide: Callable[[int], Slide]
    chart: Callable[[int, bool], dict]  # the shown slide's chart spec as the page draws it (chart_spec)
    full: Callable[[], Deck]


def current_deck(unit: UnitInfo, day: dt.date, since: dt.date | None, lang: str, plan: str | None = None) -> SlideShow:
    """The deck of the sidebar's unit and dates (its task slides of `plan` only, if given), from the
    app's cached queries. A run builds the slide it shows, not the deck: the slide is kept in the process
    (cached.keep_slide) on the data version, the settings and what else it reads (reports.slides.unversioned)."""
    settings = cached.settings()
    ctx = deck_context(unit.code, day, since, lang, engine=cached.engine(), read=cached.read, plan=plan,
                       settings=settings, version=cached.data_version(), counting=counting_note)
    # the outline's source line is left out: the title slide, built, carries it
    outline = Deck(unit=ctx.unit, unit_label=ctx.label, as_of=ctx.as_of, compare=ctx.compare, lang=lang, source="",
                   base_url=ctx.base_url, slides=deck_outline(ctx))
    settled = (unit.code, day, since, lang, plan, cached.digest(settings))
    keys: dict[int, tuple | None] = {}

    def key(number: int) -> tuple | None:  # what slide `number` is kept under; None: built afresh
        if number not in keys:
            kind = outline.slides[number - 1].kind
            extra = unversioned(ctx, kind)
            keys[number] = None if extra is None else (*settled, number, kind, cached.digest(extra))
        return keys[number]

    def slide(number: int) -> Slide:
        kept = key(number)
        build = lambda: build_slide(ctx, outline.slides[number - 1].kind, number)  # noqa: E731
        return build() if kept is None else cached.keep_slide("deck_slide", build, *kept)

    def chart(number: int, fullscreen: bool) -> dict:
        kept = key(number)
        build = lambda: page_spec(chart_spec(slide(number), lang, fullscreen))  # noqa: E731
        return build() if kept is None else cached.keep_slide("deck_chart", build, *kept, fullscreen)

    engine = cached.engine()

    def full() -> Deck:  # when a download is clicked, on its own thread: the figures read on the database
        return build_slides(unit.code, day, since, lang=lang, engine=engine, plan=plan)

    return SlideShow(outline, slide, chart, full)


def slide_number(count: int) -> int:
    """The slide in the URL (1-based); anything else shows the first slide and fixes the URL."""
    raw = st.query_params.get(SLIDE_KEY)
    try:
        number = int(raw) if raw is not None else 1
    except ValueError:
        number = 0
    if not 1 <= number <= count:
        number = min(max(number, 1), count)
        st.query_params[SLIDE_KEY] = str(number)
    return number


def step(number: int, count: int, delta: int) -> int:
    """The slide `delta` away, wrapping around at either end."""
    return (number - 1 + delta) % count + 1


def _go(number: int) -> None:
    st.query_params[SLIDE_KEY] = str(number)
    st.session_state[_SHOWN_AT] = time.monotonic()


def _figures_html(figures: list[Figure]) -> str:
    items = []
    for figure in figures:
        alert = _alert_class(figure)
        change = f" ({html.escape(figure.change)})" if figure.change else ""
        items.append(f"<li><b{alert}>{html.escape(figure.value)}</b>{html.escape(figure.label)}{change}</li>")
    return f'<ul class="nq57-figures">{"".join(items)}</ul>'


def _alert_class(figure: Figure) -> str:
    return ' class="nq57-alert"' if figure.alert and figure.raw else ""


def _tiles_html(figures: list[Figure], large: bool = False) -> str:
    tiles = "".join(f'<div class="nq57-tile"><b{_alert_class(figure)}>{html.escape(figure.value)}</b>'
                    f"<span>{html.escape(figure.label)}</span></div>" for figure in figures)
    return f'<div class="nq57-tiles{" nq57-tiles-large" if large else ""}">{tiles}</div>'


def _qr(slide: Slide) -> None:
    with st.container(key="nq57-qr", gap=None):
        st.image(qr_png(slide.url), width=200, link=slide.url)
        if url_is_local(slide.url):
            st.markdown(f'<p class="nq57-qr-local">{html.escape(tr("slides_qr_local_short"))}</p>',
                        unsafe_allow_html=True)
        else:
            st.markdown(f'<p class="nq57-qr-caption">{html.escape(tr("deck_scan_qr"))}</p>', unsafe_allow_html=True)


def chart_spec(slide: Slide, lang: str, stretch: bool) -> dict:
    """A slide chart's Vega-Lite spec as the page shows it: as wide as its column, the page's font, type a hall
    can read; in presentation mode as tall as the slide leaves it ("container"), else a fixed height."""
    spec = slide_spec(slide.chart, lang, font_scale=PAGE_FONT_SCALE)
    spec["width"] = "container"  # as wide as its column, whatever the screen
    spec["height"] = "container" if stretch else PAGE_CHART_HEIGHT
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec["config"]["font"] = PAGE_CHART_FONT
    # A legend beside the plot takes its width from the bars, and one above or below it is clipped at the plot's
    # width: above it, two entries a row on a full screen (one in the page's narrower column), every name whole.
    # A phone's slide (a chart under 520 px): one entry a row, cut at the plot's width rather than by the screen.
    narrow = "containerSize()[0] > 0 && containerSize()[0] < 520"
    spec["config"].setdefault("legend", {}).update(orient="top", direction="horizontal",
                                                   columns={"expr": f"{narrow} ? 1 : {2 if stretch else 1}"},
                                                   labelLimit={"expr": f"{narrow} ? max(80, width - 30) : 0"},
                                                   labelFontSize=LEGEND_FONT, titleFontSize=LEGEND_FONT,
                                                   symbolSize=200, columnPadding=18, rowPadding=4)
    _untitled_legends(spec)
    # Names are wrapped onto lines in the data (charts.status.wrapped_label): no cut, and never hidden.
    spec["config"].setdefault("axis", {}).update(labelLimit=0, labelFlush=True,
                                                 titleLimit={"expr": f"{narrow} ? width : 0"})
    refitted_titles(spec, f"{TITLE_FONT * PAGE_FONT_SCALE:.1f} * {TYPE_PARAM}")  # a title wraps at the slide's type
    # a label closer than 12 px to the one before it is dropped (every other one): months never run together
    spec["config"].setdefault("axisX", {}).update(labelOverlap=True, labelSeparation=12)
    spec["config"].setdefault("axisY", {}).update(labelFlush=False)  # "0" beside its tick, not above it
    # The names beside bars (a band scale; numbers on a y axis keep the axis type): larger when the bars are few.
    name_font = f"{AXIS_NAME_FONT}"
    for rows, size in reversed(AXIS_NAME_FONTS):
        name_font = f"length(domain('y')) <= {rows} ? {size} : ({name_font})"
    spec["config"].setdefault("axisYBand", {}).update(
        labelOverlap=False, labelBaseline="middle", labelFontSize={"expr": f"({name_font}) * {TYPE_PARAM}"},
        labelLineHeight={"expr": f"1.1 * ({name_font}) * {TYPE_PARAM}"})
    _no_label_limits(spec)
    _bars_and_their_values(spec)
    _type_follows_width(spec)
    return spec


def _no_label_limits(spec: object) -> None:
    """No axis of a slide's chart cuts its names at a fixed width (a page's 160 px of names is two thirds of a
    name in a 1920-px slide's type): the names are short or wrapped (charts.status.wrapped_label)."""
    if isinstance(spec, dict):
        axis = spec.get("axis")
        if isinstance(axis, dict) and isinstance(axis.get("labelLimit"), (int, float)):
            axis["labelLimit"] = 0
        for key, value in spec.items():
            if key not in ("data", "datasets"):
                _no_label_limits(value)
    elif isinstance(spec, list):
        for value in spec:
            _no_label_limits(value)


def _marks(spec: dict) -> list[dict]:
    """The unit specs of a chart (itself, or its layers)."""
    if "layer" in spec:
        return [unit for layer in spec["layer"] for unit in _marks(layer)]
    return [spec] if "mark" in spec else []


def _bars_and_their_values(spec: dict) -> None:
    """Horizontal bars on a slide: no thicker than MAX_BAR_PX (a chart of one unit stretched to the slide's
    height), and room on the right for the value printed after the longest bar ("427 (53%)"), which the plot's
    edge would otherwise cut."""
    units = _marks(spec)
    band_y = any(unit.get("encoding", {}).get("y", {}).get("type") in ("nominal", "ordinal") for unit in units)
    for unit in units:
        mark = unit["mark"] if isinstance(unit["mark"], dict) else {"type": unit["mark"]}
        if mark.get("type") == "bar" and band_y and "size" not in mark:
            unit["mark"] = {**mark, "size": {"expr": f"min(bandwidth('y'), {MAX_BAR_PX} * {TYPE_PARAM})"}}
    values = [unit for unit in units if isinstance(unit["mark"], dict) and unit["mark"].get("type") == "text"
              and unit["mark"].get("align") == "left" and "field" in unit.get("encoding", {}).get("text", {})]
    if not band_y or not values:
        return
    longest, font = 0, spec.get("config", {}).get("text", {}).get("fontSize", 11)
    for unit in values:
        field = unit["encoding"]["text"]["field"]
        font = unit["mark"].get("fontSize", font)
        for rows in spec.get("datasets", {}).values():
            longest = max([longest, *(len(str(row.get(field) or "")) for row in rows if isinstance(row, dict))])
    if longest:
        right = f"{longest} * {VALUE_CHAR_EM} * {font} * {TYPE_PARAM} + 4"
        spec["padding"] = {"expr": f"{{left: 5, top: 5, bottom: 5, right: {right}}}"}


def _type_follows_width(spec: dict) -> None:
    """Every type size of the chart times a factor of its width (Vega's containerSize()): a chart twice as wide
    on a 1920-px screen has type half as large again, so it reads from the same row as at 1280 px."""
    def scaled(value: object) -> object:
        if isinstance(value, dict):
            return {key: ({"expr": f"{item} * {TYPE_PARAM}"} if key in _TYPE_KEYS and isinstance(item, (int, float))
                          else scaled(item)) for key, item in value.items()}
        if isinstance(value, list):
            return [scaled(item) for item in value]
        return value

    for key in list(spec):
        if key not in ("data", "datasets", "params"):
            spec[key] = scaled(spec[key])
    spec.setdefault("params", []).append(
        {"name": TYPE_PARAM, "expr": f"clamp(containerSize()[0] / {TYPE_REFERENCE_WIDTH}, 0.9, 1.7)"})


def _untitled_legends(spec: object) -> None:
    """No title over a colour legend ("Status"): the entries say it, and the row is the bars'. Its columns and
    label limit are the slide's (config above), not the page's wrapping for the page's type size."""
    if isinstance(spec, dict):
        colour = spec.get("encoding", {}).get("color") if isinstance(spec.get("encoding"), dict) else None
        if isinstance(colour, dict) and colour.get("legend", {}) is not None and "field" in colour:
            legend = {k: v for k, v in (colour.get("legend") or {}).items() if k not in ("columns", "labelLimit")}
            colour["legend"] = {**legend, "title": None}
        for value in spec.values():
            _untitled_legends(value)
    elif isinstance(spec, list):
        for value in spec:
            _untitled_legends(value)


def render_slide(deck: Deck, slide: Slide, fullscreen: bool = False, spec: dict | None = None) -> None:
    """One slide, as large as the window allows (the type is a share of the window's height)."""
    lang = deck.lang
    with st.container(key="nq57-slide"):
        head = f'<div class="nq57-slide-title">{html.escape(slide.title)}</div>'
        if slide.subtitle:
            head += f'<div class="nq57-slide-subtitle">{html.escape(slide.subtitle)}</div>'
        head += f'<div class="nq57-slide-frozen">{html.escape(slide.frozen)}</div>'
        # a slide with neither chart nor list says its sentence in large type, in the middle of the slide
        statement = slide.chart is None and not slide.bullets and slide.kind != "title"
        if not statement:
            head += f'<div class="nq57-slide-sentence">{html.escape(slide.sentence)}</div>'
        st.markdown(head, unsafe_allow_html=True)
        if slide.chart is not None:
            chart_column, side = st.columns([3, 2], gap="large")
            with chart_column, st.container(key="nq57-chart"):
                st.vega_lite_chart(spec=spec or chart_spec(slide, lang, fullscreen), theme=None, width="stretch",
                                   height="stretch" if fullscreen else "content")
            with side:
                st.markdown(_figures_html(slide.figures), unsafe_allow_html=True)
                _qr(slide)
        elif statement:
            text, side = st.columns([4, 1], gap="large")
            with text, st.container(key="nq57-statement"):
                body = f'<div class="nq57-statement nq57-slide-sentence">{html.escape(slide.sentence)}</div>'
                if slide.figures:  # the figures there are, as large tiles
                    body += _tiles_html(slide.figures, large=True)
                st.markdown(body, unsafe_allow_html=True)
            with side:
                _qr(slide)
        else:
            text, side = st.columns([4, 1], gap="large")
            with text:
                if slide.figures:
                    st.markdown(_tiles_html(slide.figures), unsafe_allow_html=True)
                css = "nq57-source" if slide.kind == "title" else "nq57-bullets"
                if slide.bullets:
                    items = "".join(f"<li>{html.escape(bullet)}</li>" for bullet in slide.bullets)
                    st.markdown(f'<ul class="{css}">{items}</ul>', unsafe_allow_html=True)
            with side:
                _qr(slide)
        st.markdown(f'<div class="nq57-slide-number">'
                    f'{html.escape(tr("deck_slide_number", number=slide.number, total=len(deck.slides)))}</div>',
                    unsafe_allow_html=True)


def _controls(deck: Deck, number: int) -> None:
    count = len(deck.slides)
    with st.container(key="nq57-controls"):
        previous, picker, following = st.columns([1, 2, 1], vertical_alignment="center")
        previous.button(tr("presentation_prev"), icon=":material/arrow_back:", width="stretch", key="slide_prev",
                        on_click=_go, args=(step(number, count, -1),))
        following.button(tr("presentation_next"), icon=":material/arrow_forward:", width="stretch",
                         type="primary", key="slide_next", on_click=_go, args=(step(number, count, 1),))
        labels = {slide.number: f"{slide.number}. {slide.title}" for slide in deck.slides}
        key = f"slide_pick::{language()}::{number}"
        picker.selectbox(tr("presentation_slide_picker"), list(labels), index=number - 1, format_func=labels.get,
                         key=key, label_visibility="collapsed",
                         on_change=lambda: _go(st.session_state[key]))
        # Home and End on the keyboard (hidden: the script presses them)
        st.button("⏮", key="slide_first", on_click=_go, args=(1,))
        st.button("⏭", key="slide_last", on_click=_go, args=(count,))


def _direct_units(deck: Deck, slide: Slide) -> None:
    """For a leader: a button per unit the slide names (the worst units), else for the deck's unit,
    opening the directions page there with the form open (as a task's warning card does)."""
    open_requested_direction()
    account = auth.current_account()
    units = [(code, name) for code, name in (slide.units or [(deck.unit.code, deck.unit_label)])
             if may_direct(account, code)]
    if not units:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="nq57-slide-direct"):
        st.caption(tr("slides_direct_caption"), width="content")  # said once: the buttons name the units
        for code, name in units:
            st.button(name, key=f"slide_direct::{code}",
                      icon=":material/assignment_late:", on_click=request_direction, args=(code,))


def _downloads(deck: Deck, full: Callable[[], Deck]) -> None:
    """The whole deck (`full()`, built on the click: a run builds only the slide it shows) as .pptx and PDF."""
    def pptx() -> bytes:
        from reports.pptx_deck import deck_pptx
        return deck_pptx(full())

    def pdf() -> bytes:
        from reports.pdf import deck_pdf
        return deck_pdf(full())

    left, right = st.columns(2)
    # A callable is run only when the button is pressed, on its own thread: no file is built per rerun.
    pptx, pdf = audited(pptx, f"{deck.file_stem()}.pptx"), audited(pdf, f"{deck.file_stem()}.pdf")
    left.download_button(tr("presentation_download_pptx"), data=pptx, file_name=f"{deck.file_stem()}.pptx",
                         mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                         icon=":material/slideshow:", on_click="ignore", width="stretch")
    right.download_button(tr("presentation_download_pdf"), data=pdf, file_name=f"{deck.file_stem()}.pdf",
                          mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore", width="stretch")


def fullscreen_requested() -> bool:
    return bool(st.session_state.get(FULLSCREEN_KEY))


def _leave_fullscreen() -> None:
    st.session_state[FULLSCREEN_KEY] = False


def local_qr_warning(deck: Deck) -> None:
    """The QR codes of this deck would open this computer, not the dashboard: say so before it is projected."""
    if any(url_is_local(slide.url) for slide in deck.slides):
        st.warning(tr("slides_qr_local", url=deck.base_url), icon=":material/qr_code_2:")


def presentation(slideshow: SlideShow) -> None:
    """The slideshow with its controls. Only the slide and its buttons rerun on a click."""
    deck = slideshow.deck
    fullscreen = fullscreen_requested()
    st.html(_STYLE)
    if fullscreen:
        st.html(_FULLSCREEN_STYLE)
    st.html(_SCRIPT, unsafe_allow_javascript=True)
    if not fullscreen:
        local_qr_warning(deck)
    autoplay = bool(st.session_state.get(AUTOPLAY_KEY))
    interval = st.session_state.get(INTERVAL_KEY) or INTERVALS[1]

    @st.fragment(run_every=interval if autoplay else None)
    def show() -> None:
        count = len(deck.slides)
        number = slide_number(count)
        shown_at = st.session_state.setdefault(_SHOWN_AT, time.monotonic())
        if autoplay and time.monotonic() - shown_at >= interval - 0.5:  # a timer tick, not a click
            number = step(number, count, 1)
            _go(number)
        slide = slideshow.slide(number)
        render_slide(deck, slide, fullscreen, slideshow.chart(number, fullscreen) if slide.chart is not None else None)
        _controls(deck, number)
        if not fullscreen:
            _direct_units(deck, slide)

    show()
    if fullscreen:  # Esc, or the browser leaving full screen, presses it (the whole page reruns: sidebar back)
        st.button(tr("slides_exit"), key="slide_exit", icon=":material/fullscreen_exit:", type="secondary",
                  on_click=_leave_fullscreen)
    restart = lambda: st.session_state.__setitem__(_SHOWN_AT, time.monotonic())  # noqa: E731
    with st.container(key="nq57-deck-settings"):
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.toggle(tr("presentation_fullscreen"), key=FULLSCREEN_KEY)
            st.toggle(tr("presentation_autoplay"), key=AUTOPLAY_KEY, on_change=restart)
            st.segmented_control(tr("presentation_interval"), INTERVALS, default=INTERVALS[1], key=INTERVAL_KEY,
                                 format_func=lambda seconds: f"{seconds} s", on_change=restart,
                                 label_visibility="collapsed")
        st.caption(tr("presentation_help"))
        _downloads(deck, slideshow.full)
