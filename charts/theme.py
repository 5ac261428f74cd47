"""The app's Altair theme "nq57", registered and enabled on import, and the colours every chart shares:
the same look on a page, in a downloaded image and on a slide (charts/render.py scales its type sizes)."""

from __future__ import annotations

import json
import re

import altair as alt
from altair.utils import schemapi

STATUS_COLOURS = {"completed": "#2e7d32", "on_schedule": "#1565c0", "overdue": "#c62828"}
FONT = "Source Sans Pro, Arial, sans-serif"


def _theme() -> dict:
    return {"config": {
        "font": FONT,
        "axis": {"labelFontSize": 13, "titleFontSize": 13, "labelLimit": 260},
        "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "bottom", "direction": "horizontal",
                   "labelLimit": 400},
        "title": {"fontSize": 16, "anchor": "start"},
        "view": {"stroke": None},
    }}


alt.theme.register("nq57", enable=True)(_theme)

# Altair checks each part of a chart against the Vega-Lite schema as it is made ("debug mode"), and the
# whole chart again when Streamlit or the renderer converts it: the second check is enough, and the first
# was a tenth of a national overview view's CPU (benchmarks/bench_load.py).
schemapi.disable_debug_mode()

FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")  # as wide as the container, as tall as it needs
LEGEND_LABEL_FONT = 13  # px, the theme's legend labels
_CHAR_PX = 0.56 * LEGEND_LABEL_FONT  # a character of Source Sans Pro, Vietnamese diacritics included, with room
_ENTRY_PX = 32  # the symbol, its gap to the label and the gap to the next entry


def wrapping_legend(labels: list[str], **properties) -> alt.Legend:
    """A legend whose entries wrap onto as many rows as the chart's width needs: as many columns as entries of
    the longest label fit in the plot's width (Vega's `width` signal, which follows the container), at least
    one. A phone, or a third of a 1280-px screen, gets a column of entries, a wide screen one row; an entry
    still longer than the plot is cut with "…" at the plot's width, never by the page (the tooltip has it)."""
    longest = max((len(label) for label in labels), default=1)
    entry = round(longest * _CHAR_PX + _ENTRY_PX)
    properties.setdefault("columns", alt.ExprRef(f"max(1, min({max(len(labels), 1)}, floor(width / {entry})))"))
    properties.setdefault("labelLimit", alt.ExprRef("max(80, width - 30)"))  # the symbol, its gap and padding
    return alt.Legend(**properties)


TITLE_FONT = 16  # px, the theme's chart titles
_LINE_LENGTHS = (48, 36, 28, 22, 16)  # characters a title line may hold, from a wide chart to a phone's
# the room a title has: on a page, its limit, 40 px less than the chart's box (measured: a 320-px chart cut its
# title at 280 px, "Doanh nghiệp khoa học và công n…"); the plot and its axis in an exported image
_TITLE_ROOM = "(containerSize()[0] > 0 ? containerSize()[0] - 40 : width + 40)"


def title_lines(text: str, length: int) -> list[str]:
    """`text` broken at spaces into lines of at most `length` characters (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= length:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


def fitting_text(text: str, font_px: float | str = TITLE_FONT) -> str | alt.ExprRef:
    """A title that wraps instead of being cut with "…": a Vega expression choosing, by the room the chart has
    (its container follows the screen), the whole text or the text broken into lines that fit. `font_px`: the
    title's type size, or a Vega expression of it (a slide's type grows with its width)."""
    char_px = f"{0.55 * font_px:.2f}" if isinstance(font_px, (int, float)) else f"(0.55 * ({font_px}))"
    lengths = [length for length in _LINE_LENGTHS if length < len(text)]
    if not lengths:
        return text
    fits = f"floor({_TITLE_ROOM} / {char_px})"

    def literal(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    choice = literal(title_lines(text, lengths[-1]))
    for length in reversed(lengths[:-1]):
        choice = f"{fits} >= {length} ? {literal(title_lines(text, length))} : ({choice})"
    return alt.ExprRef(f"{fits} >= {len(text)} ? {literal(text)} : ({choice})")


_WHOLE_TEXT = re.compile(r'>= \d+ \? (?=")')  # where fitting_text's expression names the whole text


def refitted_titles(spec: object, font_px: float | str) -> None:
    """Every wrapping title of a Vega-Lite spec (fitting_text) fitted again for another type size: a slide's
    or an exported image's, larger than the page's."""
    if isinstance(spec, list):
        for item in spec:
            refitted_titles(item, font_px)
        return
    if not isinstance(spec, dict):
        return
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else None
    if isinstance(text, dict) and isinstance(text.get("expr"), str) and _WHOLE_TEXT.search(text["expr"]):
        start = _WHOLE_TEXT.search(text["expr"]).end()
        whole, _ = json.JSONDecoder().raw_decode(text["expr"][start:])
        refitted = fitting_text(whole, font_px)
        title["text"] = refitted.to_dict() if isinstance(refitted, alt.ExprRef) else refitted
    for key, value in spec.items():
        if key not in ("data", "datasets"):
            refitted_titles(value, font_px)


SUBTITLE_LINE = 60  # characters of small print (10 px) a line: a phone's width


def fitting_title(text: str, subtitle: str | None = None, **properties) -> alt.Title:
    """alt.Title whose text wraps to the chart's width (see fitting_text); a subtitle (small print, which Vega
    takes only as fixed text) on lines a phone holds."""
    if subtitle is not None:
        properties["subtitle"] = title_lines(subtitle, SUBTITLE_LINE)
    return alt.Title(fitting_text(text), **properties)
