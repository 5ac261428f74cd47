"""KPI cards: one row of st.metric cards, numbers already formatted for the user's language."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    caption: str | None = None  # the unit, a target or a share, under the number
    delta: str | None = None
    delta_color: str = "normal"


# Streamlit cuts a metric's label to one line ("Đang thực hiện theo lộ tr…"); a leader must read it whole
# at 1280 px on a projector, so labels wrap onto a second line instead.
WRAP_LABELS_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
</style>"""


def kpi_row(kpis: list[Kpi], per_row: int = 4) -> None:
    """Cards, at most `per_row` to a row so labels such as "Doanh nghiệp công nghệ cao" fit."""
    st.html(WRAP_LABELS_CSS)
    for start in range(0, len(kpis), per_row):
        for column, kpi in zip(st.columns(per_row), kpis[start:start + per_row]):
            # the card is a bordered box holding the figure and its caption, as tall as the row's tallest: a row's
            # cards stay equal when one label wraps onto a second line ("Đang thực hiện theo lộ trình" at 1280 px)
            # or one caption runs to three lines; stacked on a phone, each caption stays with its card
            with column, st.container(border=True, height="stretch", gap="small"):
                st.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color=kpi.delta_color)
                if kpi.caption:
                    st.caption(kpi.caption)
