"""The app's Altair theme "nq57", registered and enabled on import, and the colours every chart shares:
the same look on a page, in a downloaded image and on a slide (charts/render.py scales its type sizes)."""

from __future__ import annotations

import altair as alt

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
