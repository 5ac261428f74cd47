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


def kpi_row(kpis: list[Kpi], columns: int | None = None) -> None:
    for column, kpi in zip(st.columns(columns or len(kpis)), kpis):
        with column:
            st.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color=kpi.delta_color, border=True)
            if kpi.caption:
                st.caption(kpi.caption)
