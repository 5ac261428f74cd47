"""The presentation page's slideshow: one slide of a reports.slides.Deck at a time, in large
high-contrast type, with previous/next buttons, an optional auto-advance, the slide number in the URL
(`?slide=3`) and downloads of the same deck as .pptx and PDF, generated when clicked."""

from __future__ import annotations

import datetime as dt
import html
import time

import streamlit as st

from charts.render import slide_spec
from components import cached
from components.exports import audited
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import SLIDE_KEY
from reports.qr import qr_png
from reports.slides import Deck, Figure, Slide, build_slides

AUTOPLAY_KEY, INTERVAL_KEY, FULLSCREEN_KEY = "presentation_autoplay", "presentation_interval", "presentation_fullscreen"
_SHOWN_AT = "_nq57_slide_shown_at"  # when the current slide appeared: auto-advance counts from here
INTERVALS = (10, 20, 30, 60)
PAGE_FONT_SCALE = 1.35
PAGE_CHART_HEIGHT = 1.4  # a slide on screen has more room than the exported image's box
PAGE_LABEL_LIMIT = 200  # px of an axis label: in the chart column of a 1280-px screen (about 480 px), half for the bars
PAGE_CHART_FONT = '"Source Sans", "Source Sans Pro", Arial, sans-serif'  # the page's own font

_STYLE = """
<style>
.st-key-nq57-slide {background:#ffffff; color:#111111; border:2px solid #0b2545; border-radius:8px;
                    padding:1.2rem 1.6rem;}
.nq57-slide-title {font-size:3rem; line-height:1.1; font-weight:700; color:#0b2545; margin:0;}
.nq57-slide-subtitle {font-size:2.4rem; line-height:1.15; font-weight:700; color:#111111; margin:.3rem 0 0 0;}
.nq57-slide-frozen {font-size:1.45rem; font-weight:700; color:#b71c1c; margin:.25rem 0 .6rem 0;
  border-bottom:3px solid #0b2545; padding-bottom:.5rem;}
.nq57-slide-sentence {font-size:2rem; line-height:1.3; color:#111111; margin:0 0 .4rem 0;}
.nq57-figures {list-style:none; padding:0; margin:0;}
.nq57-figures li {font-size:1.25rem; color:#373737; margin:0 0 .35rem 0; line-height:1.25;}
.nq57-figures b {font-size:1.9rem; color:#0b2545; margin-right:.45rem;}
.nq57-figures b.nq57-alert, .nq57-tile b.nq57-alert {color:#b71c1c;}
.nq57-tiles {display:flex; flex-wrap:wrap; gap:1rem 2.5rem; margin:.4rem 0 1rem 0;}
.nq57-tile b {display:block; font-size:2.8rem; line-height:1.1; color:#0b2545;}
.nq57-tile span {font-size:1.15rem; color:#373737;}
.nq57-bullets {font-size:1.3rem; line-height:1.35; color:#111111; padding-left:1.3rem;}
.nq57-source {font-size:1.15rem; color:#373737;}
.nq57-slide-number {font-size:1.1rem; color:#373737; text-align:right;}
</style>
"""
_FULLSCREEN_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display:none;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top:1rem; padding-bottom:1rem; max-width:100%;}
/* A projector is often 1280×720 or 1366×768: the slide shrinks to stay on one screen.
   Text and QR code shrink; a chart keeps its size (zoom would leave it narrower than its column). */
@media (max-height: 900px) {.st-key-nq57-slide :is([data-testid="stMarkdown"], [data-testid="stImage"]) {zoom:.82;}}
@media (max-height: 780px) {.st-key-nq57-slide :is([data-testid="stMarkdown"], [data-testid="stImage"]) {zoom:.68;}}
@media (max-height: 650px) {.st-key-nq57-slide :is([data-testid="stMarkdown"], [data-testid="stImage"]) {zoom:.58;}}
</style>
"""


def current_deck(unit: UnitInfo, day: dt.date, since: dt.date | None, lang: str) -> Deck:
    """The deck of the sidebar's unit and dates, from the app's cached queries."""
    return build_slides(unit.code, day, since, lang=lang, engine=cached.engine(), read=cached.read)


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


def _tiles_html(figures: list[Figure]) -> str:
    tiles = "".join(f'<div class="nq57-tile"><b{_alert_class(figure)}>{html.escape(figure.value)}</b>'
                    f"<span>{html.escape(figure.label)}</span></div>" for figure in figures)
    return f'<div class="nq57-tiles">{tiles}</div>'


def _qr(slide: Slide, width: int) -> None:
    st.image(qr_png(slide.url), width=width, link=slide.url)
    st.caption(tr("deck_scan_qr"))


def render_slide(deck: Deck, slide: Slide) -> None:
    """One slide, as large as the page allows."""
    lang = deck.lang
    with st.container(key="nq57-slide"):
        head = f'<div class="nq57-slide-title">{html.escape(slide.title)}</div>'
        if slide.subtitle:
            head += f'<div class="nq57-slide-subtitle">{html.escape(slide.subtitle)}</div>'
        head += (f'<div class="nq57-slide-frozen">{html.escape(slide.frozen)}</div>'
                 f'<div class="nq57-slide-sentence">{html.escape(slide.sentence)}</div>')
        st.markdown(head, unsafe_allow_html=True)
        if slide.chart is not None:
            chart_column, side = st.columns([3, 2], gap="large")
            with chart_column:
                spec = slide_spec(slide.chart, lang, font_scale=PAGE_FONT_SCALE)
                spec["width"] = "container"  # as wide as its column, whatever the screen
                if isinstance(spec.get("height"), (int, float)):
                    spec["height"] = round(spec["height"] * PAGE_CHART_HEIGHT)
                spec["config"]["font"] = PAGE_CHART_FONT
                # A legend under a "container"-wide chart is clipped at the plot's width, and one beside it takes
                # its width from the plot (none was left at 1280 px); above the plot, one entry a line, it fits.
                spec["config"].setdefault("legend", {}).update(orient="top", direction="vertical")
                # Long unit and agency names (the full ones are beside the chart) are cut so the bars keep room.
                spec["config"].setdefault("axis", {})["labelLimit"] = PAGE_LABEL_LIMIT
                st.vega_lite_chart(spec=spec, theme=None, width="stretch")
            with side:
                st.markdown(_figures_html(slide.figures), unsafe_allow_html=True)
                _qr(slide, 170)
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
                _qr(slide, 200)
        st.markdown(f'<div class="nq57-slide-number">'
                    f'{html.escape(tr("deck_slide_number", number=slide.number, total=len(deck.slides)))}</div>',
                    unsafe_allow_html=True)


def _controls(deck: Deck, number: int) -> None:
    count = len(deck.slides)
    previous, picker, following = st.columns([1, 2, 1], vertical_alignment="center")
    previous.button(tr("presentation_prev"), icon=":material/arrow_back:", width="stretch", key="slide_prev",
                    on_click=_go, args=(step(number, count, -1),))
    following.button(tr("presentation_next"), icon=":material/arrow_forward:", width="stretch", type="primary",
                     key="slide_next", on_click=_go, args=(step(number, count, 1),))
    labels = {slide.number: f"{slide.number}. {slide.title}" for slide in deck.slides}
    key = f"slide_pick::{language()}::{number}"
    picker.selectbox(tr("presentation_slide_picker"), list(labels), index=number - 1, format_func=labels.get,
                     key=key, label_visibility="collapsed",
                     on_change=lambda: _go(st.session_state[key]))


def _downloads(deck: Deck) -> None:
    def pptx() -> bytes:
        from reports.pptx_deck import deck_pptx
        return deck_pptx(deck)

    def pdf() -> bytes:
        from reports.pdf import deck_pdf
        return deck_pdf(deck)

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


def presentation(deck: Deck) -> None:
    """The slideshow with its controls. Only the slide and its buttons rerun on a click."""
    st.html(_STYLE)
    if fullscreen_requested():
        st.html(_FULLSCREEN_STYLE)
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
        render_slide(deck, deck.slides[number - 1])
        _controls(deck, number)

    show()
    restart = lambda: st.session_state.__setitem__(_SHOWN_AT, time.monotonic())  # noqa: E731
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.toggle(tr("presentation_fullscreen"), key=FULLSCREEN_KEY)
        st.toggle(tr("presentation_autoplay"), key=AUTOPLAY_KEY, on_change=restart)
        st.segmented_control(tr("presentation_interval"), INTERVALS, default=INTERVALS[1], key=INTERVAL_KEY,
                             format_func=lambda seconds: f"{seconds} s", on_change=restart,
                             label_visibility="collapsed")
    st.caption(tr("presentation_help"))
    _downloads(deck)
