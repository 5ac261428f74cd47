"""The warnings list: counts per kind, then each warning, most urgent first (the URGENCY order of
figures/early_warnings.py), with a button that opens its drill-down view (the task list of its unit, or
the unit's indicators); and the overview's three most urgent."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from components import auth, cached
from components.directions_view import start_direction_on
from components.exports import PHONE_MAX_PX
from components.kpi import Kpi, kpi_row
from components.markdown import escape
from components.state import go_to
from data_loaders.figures.early_warnings import KINDS, WORST_SHOWN, WarningsSummary, warning_counts
from data_loaders.figures.targets import is_percent
from data_loaders.figures.tasks import document_message
from data_loaders.follow_up.directions import may_direct
from data_loaders.i18n import format_number, format_percent, t, tn
from data_loaders.i18n.message import render
from data_loaders.identity.accounts import Account

PAGE_SIZE = 30
TARGET_PAGE = {"overdue": "pages/tasks.py", "due_soon_behind": "pages/tasks.py", "stalled": "pages/tasks.py",
               "not_reporting": "pages/infrastructure.py", "off_target": "pages/infrastructure.py"}
ICON = {"overdue": ":material/alarm:", "due_soon_behind": ":material/hourglass_bottom:",
        "stalled": ":material/pause_circle:", "not_reporting": ":material/report_off:",
        "off_target": ":material/trending_down:"}
_OPEN_KEY = "_nq57_warning_open"


def _page_of(item: dict) -> str:
    """The page a warning opens: an ecosystem indicator off its target opens the ecosystem page."""
    indicator = cached.indicator_definitions().get(item.get("indicator") or "")
    if item["kind"] == "off_target" and indicator is not None and indicator.group == "ecosystem":
        return "pages/ecosystem.py"
    return TARGET_PAGE[item["kind"]]
COLOUR = {"overdue": "red", "due_soon_behind": "orange", "stalled": "orange", "not_reporting": "violet",
          "off_target": "blue"}


# Below PHONE_MAX_PX (where Streamlit stacks columns and the tables turn compact) a card's text takes its whole
# width and its buttons go under it, side by side; wider, the buttons stay beside the text. The classes are
# those st.container(key=…) gives the card and its buttons' block.
CARD_CSS = f"""<style>
@media (max-width: {PHONE_MAX_PX}px) {{
  [class*="st-key-nq57-warning-"]:not([class*="st-key-nq57-warning-actions-"]) {{
    flex-direction: column; align-items: stretch;
  }}
  [class*="st-key-nq57-warning-actions-"] {{flex-direction: row; flex-wrap: wrap}}
}}
</style>"""


def _request_drill_down(unit_code: str, page: str) -> None:
    """Button callback: drill to the warning's unit, and ask the next run to open its page (a page
    switch cannot happen inside a callback; the request survives any rerun in between)."""
    go_to(unit_code)
    st.session_state[_OPEN_KEY] = page


def _request_direction(unit_code: str, task_code: str) -> None:
    """Button callback: open the directions page at the task's unit with the form on this task."""
    start_direction_on(task_code)
    _request_drill_down(unit_code, "pages/directions.py")


def open_requested_page() -> None:
    """Open the page a warning's button asked for, keeping the drill path and date in the URL."""
    page = st.session_state.pop(_OPEN_KEY, None)
    if page:
        st.switch_page(page, query_params=st.query_params.to_dict())


def warning_counts_row(result: dict, lang: str) -> None:
    counts = warning_counts(result)
    # the five kinds on one row at 1280 px (four to a row left the fifth alone on a second)
    kpi_row([Kpi(t(f"warning_kind_{kind}", lang), format_number(counts[kind], lang)) for kind in KINDS],
            per_row=len(KINDS))


def _names(communes: list[dict], lang: str, limit: int = 20, indicator: str | None = None) -> str:
    """The communes of a grouped card, lowest first where they carry a value: "Xã A (0,0%), Xã B …"."""
    def value(number: float) -> str:  # a percentage, or a count (villages without signal)
        percent = indicator is None or is_percent(indicator)
        return format_percent(number, lang) if percent else format_number(number, lang)

    shown = [f"{c['name']} ({value(c['current_pct'])})" if "current_pct" in c else c["name"]
             for c in communes[:limit]]
    return ", ".join(shown) + (" …" if len(communes) > limit else "")


def warning_card(item: dict, lang: str, key: str, account: Account | None) -> None:
    """One warning: its kind, what it says (a task's title, unit, province, lead agency and official;
    a group's count and worst communes), and a button that opens its drill-down."""
    # The buttons take the width of their words and the text the rest (a column in proportion, 1/6 of the
    # card, left "Chỉ đạo" a few letters wide in a leader's board block at 1280 px). On a phone (CARD_CSS)
    # the card stacks: the text the card's whole width, the buttons under it.
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="medium",
                      key=f"nq57-warning-{key}"):
        with st.container(width="stretch"):
            st.badge(t(f"warning_kind_{item['kind']}", lang), icon=ICON[item["kind"]], color=COLOUR[item["kind"]])
            st.markdown(escape(render(item["message"], lang)))
            document = item.get("document")
            if document:
                st.caption(escape(render(document_message(document["number"], document["date"]), lang)))
            if item["kind"] == "not_reporting" and item["count"] > 1:
                st.caption(_names(item["communes"], lang))
            elif item.get("below_path") and item["below_path"]["count"] > WORST_SHOWN:
                st.caption(t("warnings_below_path_list", lang) + " " + _names(item["below_path"]["communes"], lang,
                                                                            indicator=item.get("indicator")))
        with st.container(width="content", key=f"nq57-warning-actions-{key}"):
            st.button(t("warning_open", lang), key=key, icon=":material/open_in_new:",
                      on_click=_request_drill_down, args=(item["unit"]["code"], _page_of(item)))
            if item.get("task") and may_direct(account, item["unit"]["code"]):
                st.button(t("warning_direct", lang), key=f"{key}::direct", icon=":material/assignment_late:",
                          on_click=_request_direction, args=(item["unit"]["code"], item["task"]))


def top_warnings(head: dict, lang: str, key: str) -> None:
    """The overview's short list: a unit's most urgent warnings (components/cached.warnings_head) and a
    link to all of them."""
    open_requested_page()
    st.html(CARD_CSS)
    items, total = head["warnings"], head["total"]
    if not items:
        st.success(t("warnings_none", lang))
        return
    account = auth.current_account()  # read once for the cards' "Chỉ đạo" buttons
    for index, item in enumerate(items):
        warning_card(item, lang, key=f"{key}::open::{index}", account=account)
    if total > len(items):
        st.button(tn("warnings_see_all", total, lang, count=format_number(total, lang)),
                  key=f"{key}::all", icon=":material/notifications:",
                  on_click=lambda: st.session_state.__setitem__(_OPEN_KEY, "pages/warnings.py"))


def listed(items: list[dict]) -> tuple[dict, Callable[[list[str] | None, int], dict]]:
    """`warning_list`'s two arguments for warnings already in hand (the inbox's new ones)."""
    def shown_of(kinds: list[str] | None, count: int) -> dict:
        return {"warnings": [item for item in items if kinds is None or item["kind"] in kinds][:count]}

    return {"warnings": items}, shown_of


def warning_list(summary: WarningsSummary, shown_of: Callable[[list[str] | None, int], WarningsSummary], lang: str,
                 key: str) -> None:
    """The warnings of the chosen kinds, PAGE_SIZE at a time, in the order of urgency. `summary` gives the counts
    of every kind; `shown_of(kinds, count)` the first `count` warnings of `kinds` (None: every kind), so that only
    the warnings shown are built (a nation has 9,500)."""
    open_requested_page()
    st.html(CARD_CSS)
    counts = warning_counts(summary)
    present = [kind for kind in KINDS if counts[kind]]
    if not present:
        st.success(t("warnings_none", lang))
        return
    chosen = st.pills(t("filter_status", lang), present, selection_mode="multi", default=present,
                      key=f"{key}::kinds::{lang}",
                      format_func=lambda kind: f"{t(f'warning_kind_{kind}', lang)} "
                                               f"({format_number(counts[kind], lang)})",
                      label_visibility="collapsed")
    st.caption(t("warnings_order", lang))
    kinds = None if not chosen or set(chosen) >= set(present) else list(chosen)  # none chosen: every kind
    total = sum(counts[kind] for kind in (kinds or present))
    limit_key = f"{key}::shown"
    shown = st.session_state.get(limit_key, PAGE_SIZE)
    items = shown_of(kinds, shown)["warnings"][:shown]
    account = auth.current_account()  # read once for the cards' "Chỉ đạo" buttons
    for index, item in enumerate(items):
        warning_card(item, lang, key=f"{key}::open::{index}", account=account)
    st.caption(tn("warnings_shown", total, lang, shown=format_number(min(shown, total), lang),
                 total=format_number(total, lang)))
    if shown < total:
        st.button(t("warnings_show_more", lang), key=f"{key}::more",
                  on_click=lambda: st.session_state.__setitem__(limit_key, shown + PAGE_SIZE))
