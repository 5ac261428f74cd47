"""The leader's page ("Bảng điều hành"): each block of the unit's layout drawn with the components and
cached figures the other pages use (KPI cards, status charts, the warning cards, the ranking and map,
the trend lines), the edit mode in which the unit's administrators add, remove, order and set the
blocks, and whether an account lands on it (the accounts of a unit that designed one)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import streamlit as st

from charts.status import status_bars, status_breakdown, status_trend_chart
from charts.trend import trend_frame
from components import auth, cached
from components.annotations_view import show_trend, unit_notes
from components.display import show_chart_of
from components.headline import delta, task_kpis
from components.kpi import Kpi, kpi_row
from components.markdown import escape
from components.ranking import metric, ranking_section
from components.state import language, tr
from components.warning_list import top_warnings
from data_loaders.figures import definitions as rules
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import COMMUNE_KEY, LANG_KEY, PROVINCE_KEY
from data_loaders.follow_up import leader_board as boards
from data_loaders.i18n import format_date, format_datetime, format_number, format_percent, t
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store.models import NATIONAL_CODE

_KIND_LABELS = {"kpis": "board_kind_kpis", "task_status": "board_kind_task_status", "warnings": "board_kind_warnings",
                "ranking": "board_kind_ranking", "trend": "board_kind_trend", "map": "board_kind_map"}
_KIND_ICONS = {"kpis": ":material/speed:", "task_status": ":material/task_alt:",
               "warnings": ":material/notifications_active:", "ranking": ":material/leaderboard:",
               "trend": ":material/show_chart:", "map": ":material/map:"}
PAGE = "pages/leader_board.py"
_OUTCOME = "_nq57_board_outcome"
_LANDED = "_nq57_board_landed"
_ids = itertools.count(1)


def kind_label(kind: str, lang: str) -> str:
    return t(_KIND_LABELS[kind], lang)


def item_label(code: str, lang: str) -> str:
    """A KPI, ranking, map or trend choice in words: task figures and indicators."""
    if code in ("completed", "on_schedule"):
        return t("status_completed" if code == "completed" else "status_on_schedule", lang)
    if code == boards.TASK_TREND:
        return t("status_trend_file", lang)
    return metric(code, lang).label


def _plan_label(code: str, lang: str) -> str:
    names = {plan.code: plan.label(lang) for plan in cached.visible_plans(NATIONAL_CODE)}
    return names.get(code, code)


# --- drawing the blocks ------------------------------------------------------------------------------

def _task_kpi(code: str, status: dict, previous: dict | None, lang: str) -> Kpi:
    total = status["total"]
    if code == "on_time_rate":
        rate = rules.on_time_rate(total, status["overdue"]) if total else None
        before = (rules.on_time_rate(previous["total"], previous["overdue"])
                  if previous and previous["total"] else None)
        change = delta(rate, None if before is None else {"rate": before}, "rate", lang, percent=True)
        return Kpi(item_label(code, lang), format_percent(rate, lang, 1), None, change, "normal")
    key = "total" if code == "tasks_total" else code
    share = (t("share_of_total", lang, pct=format_number(100 * status[key] / total, lang, 1))
             if total and key != "total" else None)
    colour = "inverse" if code == "overdue" else "off" if key in ("total", "on_schedule") else "normal"
    return Kpi(item_label(code, lang), format_number(status[key], lang), share,
               delta(status[key], previous, key, lang), colour)


def _indicator_kpi(code: str, unit: UnitInfo, values: dict, previous: dict | None, lang: str) -> Kpi:
    indicator = cached.indicator_definitions()[code]
    value = values.get(code)
    percent = indicator.unit_vi == "%"
    shown = format_percent(value, lang) if percent else format_number(value, lang, indicator.decimals)
    target = boards.indicator_target(code, unit.code, cached.engine())
    caption = None
    if target is not None:
        level = format_percent(target["value"], lang, 0) if percent else format_number(target["value"], lang)
        caption = t("board_target_caption", lang, target=level, date=format_date(target["date"], lang))
        met = boards.target_met(value, target)
        if met is not None:
            badge = (f":green-badge[{t('board_target_met', lang)}]" if met
                     else f":orange-badge[{t('board_target_not_met', lang)}]")
            caption = f"{badge} {caption}"
    return Kpi(indicator.label(lang), shown, caption, delta(value, previous, code, lang, percent=percent),
               "normal" if indicator.higher_is_better else "inverse")


def _kpis_block(unit: UnitInfo, day: dt.date, since: dt.date | None, options: dict, lang: str) -> None:
    items = options["items"]
    cards = []
    if any(code in boards.TASK_KPIS for code in items):
        status = cached.task_status(unit.code, day)
        before = cached.task_status(unit.code, since) if since else None
    if any(code not in boards.TASK_KPIS for code in items):
        values = cached.indicator_totals(unit.code, day)
        previous = cached.indicator_totals(unit.code, since) if since else None
    for code in items:
        cards.append(_task_kpi(code, status, before, lang) if code in boards.TASK_KPIS
                     else _indicator_kpi(code, unit, values, previous, lang))
    # three to a row when a label is long ("Tỷ lệ dân số được phủ sóng 5G"), as the overview's cards
    long_label = any(len(card.label) > 24 for card in cards)
    kpi_row(cards, per_row=3 if long_label or len(cards) in (3, 5, 6) else 4)


def _task_status_block(unit: UnitInfo, day: dt.date, since: dt.date | None, options: dict, lang: str,
                       key: str) -> None:
    chosen = options["plans"]
    if not chosen:
        status = cached.task_status(unit.code, day)
        if not status["total"]:  # a sentence, not four cards of 0 (a commune with no tasks)
            st.info(tr("no_tasks"))
            return
        task_kpis(status, lang, cached.task_status(unit.code, since) if since else None)
        if status["total"]:
            left, right = st.columns(2)
            with left:
                show_chart_of(status_bars, (status, lang), name=tr("tasks_heading"), key=f"{key}::bars")
            with right:
                show_chart_of(status_trend_chart, (cached.task_status_trend(unit.code, day), lang),
                              name=tr("status_trend_file"), key=f"{key}::trend")
        return
    st.caption(", ".join(escape(_plan_label(code, lang)) for code in chosen))
    # each chosen plan counted with the plan filter of the task figures: a province's programme is
    # counted here because the block chose it (unfiltered figures count the national plans only)
    rows = [{"key": code, **cached.task_status(unit.code, day, code)} for code in chosen]
    rows = sorted((row for row in rows if row["total"]), key=lambda r: (-r["overdue"], -r["total"], r["key"]))
    if not rows:
        st.info(tr("board_no_plan_tasks"))
        return
    if len(rows) == 1:
        task_kpis(rows[0], lang)
    show_chart_of(status_breakdown, (rows, lang),
                  {"names": {row["key"]: _plan_label(row["key"], lang) for row in rows}, "label_width": 32},
                  name=tr("board_kind_task_status"), key=f"{key}::plans")


def _trend_block(unit: UnitInfo, day: dt.date, options: dict, lang: str, key: str) -> None:
    code = options["indicator"]
    if code == boards.TASK_TREND:
        show_chart_of(status_trend_chart, (cached.task_status_trend(unit.code, day), lang),
                      name=tr("status_trend_file"), key=f"{key}::chart")
        return
    indicator = cached.indicator_definitions()[code]
    target = boards.indicator_target(code, unit.code, cached.engine())
    label = indicator.label(lang)
    frame = trend_frame(cached.indicator_trend(unit.code, day), {code: label}, lang, percent=indicator.unit_vi == "%")
    show_trend(frame, label, [target] if target else [], unit_notes(unit, (code,)), (code,), key=f"{key}::chart")


def render_blocks(unit: UnitInfo, day: dt.date, since: dt.date | None, blocks: list[dict], key: str) -> None:
    """Each block under its heading, in the layout's order."""
    lang = language()
    for index, block in enumerate(blocks):
        kind, options = block["kind"], block["options"]
        block_key = f"{key}::{index}::{kind}"
        heading = kind_label(kind, lang)
        if kind in ("ranking", "map", "trend"):
            heading = f"{heading}: {item_label(options.get('metric') or options.get('indicator'), lang)}"
        if kind == "warnings":
            head = cached.warnings_head(unit.code, day, cached.settings(), count=options["count"])
            shown = len(head["warnings"])  # "3 cảnh báo" over the one there is: no
            heading = tr("board_top_warnings", count=shown) if shown else heading
        with st.container(border=True):
            st.markdown(f"#### {escape(heading)}")
            if kind == "kpis":
                _kpis_block(unit, day, since, options, lang)
            elif kind == "task_status":
                _task_status_block(unit, day, since, options, lang, block_key)
            elif kind == "warnings":
                top_warnings(head, lang, key=block_key)
            elif kind == "ranking":
                ranking_section(unit, day, (options["metric"],), lang, key=block_key, show_map=False)
            elif kind == "map":
                ranking_section(unit, day, (options["metric"],), lang, key=block_key)
            else:
                _trend_block(unit, day, options, lang, block_key)


# --- the edit mode -----------------------------------------------------------------------------------

def _draft_key(unit: UnitInfo) -> str:
    return f"_nq57_board_draft::{unit.code}"


def editing(unit: UnitInfo) -> bool:
    return _draft_key(unit) in st.session_state


def _start(blocks: list[dict], unit_code: str) -> None:
    st.session_state[f"_nq57_board_draft::{unit_code}"] = [
        {"id": next(_ids), "kind": block["kind"], "options": dict(block["options"])} for block in blocks]


def _stop(unit_code: str) -> None:
    st.session_state.pop(f"_nq57_board_draft::{unit_code}", None)


def _draft(unit_code: str) -> list[dict]:
    return st.session_state[f"_nq57_board_draft::{unit_code}"]


def _move(unit_code: str, index: int, step: int) -> None:
    draft = _draft(unit_code)
    other = index + step
    if 0 <= other < len(draft):
        draft[index], draft[other] = draft[other], draft[index]


def _remove(unit_code: str, index: int) -> None:
    del _draft(unit_code)[index]


def _add(unit_code: str, widget: str) -> None:
    kind = st.session_state.get(widget)
    if kind in boards.KINDS:
        _draft(unit_code).append({"id": next(_ids), "kind": kind, "options": dict(boards.DEFAULT_OPTIONS[kind])})


def _set_option(unit_code: str, block_id: int, option: str, widget: str) -> None:
    for block in _draft(unit_code):
        if block["id"] == block_id:
            value = st.session_state.get(widget)
            block["options"][option] = list(value) if isinstance(value, (list, tuple)) else value


def _save(account: Account, unit: UnitInfo) -> None:
    blocks = [{"kind": block["kind"], "options": block["options"]} for block in _draft(unit.code)]
    try:
        boards.save_board(account, unit.code, blocks, engine=cached.engine())
    except AccountError as error:
        st.session_state[_OUTCOME] = ("error", auth.error_message(error))
        return
    _stop(unit.code)
    st.session_state[_OUTCOME] = ("success", tr("board_saved", unit=unit.name))


def _reset(account: Account, unit: UnitInfo) -> None:
    try:
        boards.reset_board(account, unit.code, engine=cached.engine())
    except AccountError as error:
        st.session_state[_OUTCOME] = ("error", auth.error_message(error))
        return
    _stop(unit.code)
    st.session_state[_OUTCOME] = ("success", tr("board_reset_done", unit=unit.name))


def _option_widgets(unit: UnitInfo, block: dict, lang: str) -> None:
    kind, options, block_id = block["kind"], block["options"], block["id"]
    widget = f"board_option::{unit.code}::{block_id}::{lang}"
    callback = {"on_change": _set_option}
    indicators = tuple(indicator.code for indicator in cached.indicator_catalogue(unit.code))
    if kind == "kpis":
        st.multiselect(tr("board_option_items"), boards.TASK_KPIS + indicators, default=options["items"],
                       key=widget, format_func=lambda code: item_label(code, lang), max_selections=boards.MAX_KPIS,
                       args=(unit.code, block_id, "items", widget), **callback)
    elif kind == "task_status":
        st.multiselect(tr("board_option_plans"), [plan.code for plan in cached.visible_plans(unit.code)],
                       default=options["plans"], key=widget,
                       format_func=lambda code: _plan_label(code, lang), placeholder=tr("board_all_plans"),
                       args=(unit.code, block_id, "plans", widget), **callback)
    elif kind == "warnings":
        st.number_input(tr("board_option_count"), min_value=1, max_value=boards.MAX_WARNINGS, step=1,
                        value=options["count"], key=widget, args=(unit.code, block_id, "count", widget), **callback)
    elif kind in ("ranking", "map"):
        choices = boards.TASK_METRICS + indicators
        st.selectbox(tr("metric"), choices, index=choices.index(options["metric"]), key=widget,
                     format_func=lambda code: item_label(code, lang), args=(unit.code, block_id, "metric", widget),
                     **callback)
    else:
        choices = (boards.TASK_TREND,) + indicators
        st.selectbox(tr("metric"), choices, index=choices.index(options["indicator"]), key=widget,
                     format_func=lambda code: item_label(code, lang),
                     args=(unit.code, block_id, "indicator", widget), **callback)


def _editor(account: Account, unit: UnitInfo) -> None:
    lang = language()
    draft = _draft(unit.code)
    with st.container(border=True):
        st.markdown(f"#### {tr('board_edit')}")
        st.caption(tr("board_edit_intro"))
        for index, block in enumerate(draft):
            with st.container(border=True):
                with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                    st.markdown(f"**{index + 1}. {escape(kind_label(block['kind'], lang))}**", width="stretch")
                    st.button(tr("board_move_up"), key=f"board_up::{block['id']}", icon=":material/arrow_upward:",
                              disabled=index == 0, on_click=_move, args=(unit.code, index, -1))
                    st.button(tr("board_move_down"), key=f"board_down::{block['id']}",
                              icon=":material/arrow_downward:", disabled=index == len(draft) - 1, on_click=_move,
                              args=(unit.code, index, 1))
                    st.button(tr("board_remove"), key=f"board_remove::{block['id']}", icon=":material/delete:",
                              on_click=_remove, args=(unit.code, index))
                _option_widgets(unit, block, lang)
        kind_column, add_column = st.columns([3, 1], vertical_alignment="bottom")
        widget = f"board_add_kind::{unit.code}::{lang}"
        kind_column.selectbox(tr("board_add_kind"), boards.KINDS, key=widget,
                              format_func=lambda kind: kind_label(kind, lang))
        add_column.button(tr("board_add"), key="board_add", icon=":material/add:", on_click=_add,
                          args=(unit.code, widget), disabled=len(draft) >= boards.MAX_BLOCKS, width="stretch")
        with st.container(horizontal=True, gap="small"):
            st.button(tr("board_save"), key="board_save", type="primary", icon=":material/save:", on_click=_save,
                      args=(account, unit))
            st.button(tr("board_cancel"), key="board_cancel", icon=":material/close:", on_click=_stop,
                      args=(unit.code,))
            st.button(tr("board_reset"), key="board_reset", icon=":material/restart_alt:", on_click=_reset,
                      args=(account, unit))


def leader_board(unit: UnitInfo, day: dt.date, since: dt.date | None) -> None:
    """The unit's page: who designed it, the edit mode for its administrators, then its blocks (the
    draft being edited, as a preview)."""
    lang = language()
    account = auth.current_account()
    saved = boards.board(unit.code, engine=cached.engine())
    unit_name = unit.name if unit.level != "national" else tr("board_national_name")
    if saved["custom"]:
        st.caption(tr("board_custom_caption", unit=unit_name, user=saved["updated_by"],
                      time=format_datetime(saved["updated_at"], lang)))
    else:
        st.caption(tr("board_default_caption", unit=unit_name))
    kind, text = st.session_state.pop(_OUTCOME, (None, None))
    if kind == "error":
        st.error(text, icon=":material/block:")
    elif kind == "success":
        st.success(text, icon=":material/check_circle:")
    may_edit = boards.may_edit_board(account, unit.code)
    if may_edit and editing(unit):
        _editor(account, unit)
        blocks = [{"kind": block["kind"], "options": block["options"]} for block in _draft(unit.code)]
    else:
        if may_edit:
            st.button(tr("board_edit"), key="board_edit", icon=":material/edit:", on_click=_start,
                      args=(saved["blocks"], unit.code))
        blocks = saved["blocks"]
    render_blocks(unit, day, since, blocks, key=f"board::{unit.code}::{day}")


def lands_on_board(account: Account | None) -> bool:
    """Whether this run opens the account's own leader's page instead of the overview: once per
    sign-in (or per browser tab), when the unit the account is scoped to designed one and the link
    names nothing but that unit (a link to a view, with its dates, or to another unit, opens that view).
    Decided before app.py writes a new sign-in's cookie, which then waits for the page it lands on."""
    if account is None or st.session_state.get(_LANDED) == account.username:
        return False
    st.session_state[_LANDED] = account.username
    own: dict[str, str] = {}
    if account.scope_code != NATIONAL_CODE:
        unit = cached.get_unit(account.scope_code)
        own = ({PROVINCE_KEY: unit.code} if unit.level == "province"
               else {PROVINCE_KEY: unit.province_code or "", COMMUNE_KEY: unit.code})
    if set(st.query_params) - {LANG_KEY, PROVINCE_KEY, COMMUNE_KEY}:
        return False
    if any(st.query_params.get(key) not in (None, own.get(key)) for key in (PROVINCE_KEY, COMMUNE_KEY)):
        return False
    return boards.has_board(account.scope_code, engine=cached.engine())



def open_board_instead(page: Any) -> None:
    """On landing: when the overview (the default page) is about to run, the leader's page instead."""
    if page.url_path == "":
        st.switch_page(PAGE, query_params=st.query_params.to_dict())
