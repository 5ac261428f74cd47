"""The breadcrumb: "Toàn quốc › Lâm Đồng › Xã …", each step a button back up the drill path."""

from __future__ import annotations

import streamlit as st

from components.state import as_of, drill_path, go_to, language, tr
from data_loaders.i18n import format_date
from data_loaders.store.models import NATIONAL_CODE


def breadcrumb() -> None:
    path = drill_path()
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for index, unit in enumerate(path):
            label = tr("level_national") if unit.code == NATIONAL_CODE else unit.name
            last = index == len(path) - 1
            st.button(
                label if last else f"{label} ›",
                key=f"crumb::{unit.code}",
                type="secondary" if last else "tertiary",
                disabled=last,
                on_click=go_to,
                args=(unit.code,),
                width="content",
            )


def page_header(title: str) -> None:
    """Every page's top: its title, the breadcrumb, the date its figures are frozen at, and what they
    count (submissions not yet approved, or approved figures only)."""
    from components.approvals_view import approval_caption  # the approvals' view reads the shared state too

    st.title(title)
    breadcrumb()
    st.caption(tr("as_of_caption", date=format_date(as_of(), language())))
    approval_caption(drill_path()[-1], as_of())
