"""Publishing the conference snapshot from the presentation page: an administrator writes the
briefing of the chosen unit and date as a static site into the folder nginx serves at /snapshot/
(NQ57_SNAPSHOT_DIR, var/snapshot by default; deploy/), and gets the link to send to the bridge points."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import streamlit as st

from components import auth, cached
from components.state import language, tr
from data_loaders.figures.scope import UnitInfo
from data_loaders.identity import access
from reports.snapshot import write_snapshot

PROJECT_DIR = Path(__file__).resolve().parent.parent


def snapshot_dir() -> Path:
    return Path(os.environ.get("NQ57_SNAPSHOT_DIR") or PROJECT_DIR / "var" / "snapshot")


_OUTCOME_KEY = "_nq57_snapshot_outcome"


def publish_section(unit: UnitInfo, day: dt.date) -> None:
    """The publish button, for administrators only (it writes files the proxy serves to everyone). The
    work is done in the button's callback, before the page runs again, so no rerun loses the click."""
    account = auth.current_account()
    if not access.may(account, "manage_settings"):
        return
    with st.expander(tr("snapshot_publish_heading"), icon=":material/public:",
                     expanded=_OUTCOME_KEY in st.session_state):
        st.caption(tr("snapshot_publish_help", folder=str(snapshot_dir())))
        st.button(tr("snapshot_publish"), key="snapshot_publish", icon=":material/publish:", on_click=_publish,
                  args=(unit, day, language()))
        kind, text = st.session_state.pop(_OUTCOME_KEY, (None, None))
        if kind == "success":
            st.success(text, icon=":material/check_circle:")
        elif kind == "error":
            st.error(text, icon=":material/block:")


def _publish(unit: UnitInfo, day: dt.date, lang: str) -> None:
    name = f"{unit.code.lower()}-{day.isoformat()}-{lang}"
    try:
        deck = write_snapshot(unit.code, day, snapshot_dir() / name, lang=lang, engine=cached.engine())
    except OSError as error:
        st.session_state[_OUTCOME_KEY] = ("error", tr("snapshot_publish_failed",
                                                      detail=error.strerror or type(error).__name__))
        return
    base = cached.settings()["public_base_url"].rstrip("/")
    st.session_state[_OUTCOME_KEY] = ("success", tr("snapshot_published", count=len(deck.slides),
                                                    url=f"{base}/snapshot/{name}/"))
