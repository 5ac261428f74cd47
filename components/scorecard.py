"""The data-quality scorecard: the four scores defined in one sentence each, a table of the units
below, a map of one chosen score, and the units whose data most need attention."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.maps import commune_points, province_choropleth
from components import auth, cached
from components.directions_view import open_requested_direction, request_direction
from components.display import show_chart
from components.exports import show_table
from components.kpi import Kpi, kpi_row
from components.state import on_chart_select
from components.tables import NumberFormat, column_config, header_width, task_frame
from data_loaders.figures.data_quality import SCORES, needing_attention, overall
from data_loaders.figures.scope import UnitInfo
from data_loaders.follow_up.directions import may_direct
from data_loaders.i18n import format_number, t


def _score_text(value: float | None, lang: str) -> str:
    return t("quality_no_data", lang) if value is None else format_number(value, lang, 1)


def score_kpis(result: dict, lang: str) -> None:
    scores = result["scores"]
    kpi_row([Kpi(t(f"quality_{score}", lang), _score_text(scores[score], lang)) for score in SCORES]
            + [Kpi(t("quality_overall", lang), _score_text(overall(scores), lang))], per_row=len(SCORES) + 1)


def definitions(settings: dict, lang: str) -> None:
    weight = format_number(settings["clean_resolved_weight"], lang, 2)
    params = {"clean": {"weight": weight},
              "live": {"full": settings["live_full_days"], "zero": settings["live_zero_days"]}}
    for score in SCORES:
        st.markdown(f"- {t(f'quality_{score}_def', lang, **params.get(score, {}))}")


def scorecard_frame(result: dict, lang: str) -> pd.DataFrame:
    """One row per unit below: name, overall (first: in a narrow column beside the map it is what shows), the
    four scores, days since the last report."""
    rows = []
    for child in result["children"]:
        rows.append({
            "code": child["unit"]["code"], t("unit_name", lang): child["unit"]["name"],
            t("quality_overall", lang): overall(child["scores"]),
            **{t(f"quality_{score}", lang): child["scores"][score] for score in SCORES},
            t("quality_days_since", lang): child["figures"]["days_since_report"],
        })
    return pd.DataFrame(rows)


def scorecard_table(result: dict, lang: str) -> None:
    frame = scorecard_frame(result, lang)
    if frame.empty:
        return
    # Scores as numbers to one decimal, the language's way (68,8), not progress bars: a bar's label only
    # takes a printf format, which cannot write a decimal comma.
    scores = {t(f"quality_{score}", lang): NumberFormat(1) for score in (*SCORES, "overall")}
    # Beside the map the table has about 580 px at 1920×1080: each figure's column as wide as its header (the
    # days since the last report under a short one, its full name in the header's tooltip), the name the rest.
    days = t("quality_days_since", lang)
    config: dict = {"code": None, t("unit_name", lang): st.column_config.TextColumn(t("unit_name", lang), width=130),
                    days: st.column_config.NumberColumn(t("quality_days_since_short", lang), help=days,
                                                        width=header_width(t("quality_days_since_short", lang)))}
    for label in scores:
        config[label] = st.column_config.NumberColumn(label, width=header_width(label))
    show_table(frame.sort_values(t("quality_overall", lang), kind="stable", na_position="first"),
               name=t("quality_scorecard", lang), key="quality_scorecard", column_config=config,
               number_formats=scores, lead=(t("unit_name", lang), t("quality_overall", lang)))



# The scorecard beside the map needs about 560 px (a name and six figures): on a screen narrower than
# SIDE_BY_SIDE_MIN_PX (a projector's 1280, a laptop) the map and the table are stacked, each the full width,
# instead of the table scrolling sideways in 2/5 of it (only the row holding the map, not the download buttons' row).
# The class is the one st.container(key=…) gives.
SIDE_BY_SIDE_MIN_PX = 1600
SPLIT_CSS = f"""<style>
@media (max-width: {SIDE_BY_SIDE_MIN_PX - 1}px) {{
  .st-key-nq57-quality-split .stHorizontalBlock:has(> .stColumn [data-testid="stVegaLiteChart"]) {{
    flex-direction: column;
  }}
  .st-key-nq57-quality-split .stHorizontalBlock:has(> .stColumn [data-testid="stVegaLiteChart"]) > .stColumn {{
    width: 100%; flex: 1 1 auto; min-width: 100%;
  }}
}}
</style>"""


def map_and_scorecard(unit: UnitInfo, result: dict, score: str, lang: str) -> None:
    """The chosen score's map (at least half the content width on a wide screen) beside the scorecard,
    stacked on a narrower screen."""
    st.html(SPLIT_CSS)
    with st.container(key="nq57-quality-split"):
        map_column, table_column = st.columns([3, 2])
        with map_column:
            score_map(unit, result, score, lang, key="quality")
            st.caption(t("click_to_drill", lang))
        with table_column:
            scorecard_table(result, lang)


def attention(result: dict, settings: dict, lang: str) -> None:
    worst = needing_attention(result, settings["attention_count"])
    if worst:
        names = ", ".join(f"{w['unit']['name']} ({format_number(w['overall'], lang, 1)})" for w in worst)
        st.warning(t("quality_attention", lang, units=names), icon=":material/priority_high:")
    else:
        st.success(t("quality_attention_none", lang))


def score_map(unit: UnitInfo, result: dict, score: str, lang: str, key: str) -> None:
    """The chosen score across the provinces (national) or the province's communes; click to drill."""
    if unit.level == "commune" or not result["children"]:
        return
    frame = pd.DataFrame([{"code": c["unit"]["code"], "name": c["unit"]["name"],
                           "value": overall(c["scores"]) if score == "overall" else c["scores"][score]}
                          for c in result["children"]])
    title = t(f"quality_{score}", lang)
    map_key = f"{key}::map::{unit.code}::{score}"
    if unit.level == "national":
        chart = province_choropleth(frame, "value", title, lang, decimals=1, percent=False)
    else:
        coordinates = cached.unit_coordinates(unit.code)
        frame = frame.assign(lat=[coordinates.get(c, (None, None))[0] for c in frame["code"]],
                             lon=[coordinates.get(c, (None, None))[1] for c in frame["code"]])
        chart = commune_points(frame, "value", title, lang, province_code=unit.code, decimals=1, percent=False)
    show_chart(chart, key=map_key, name=f"{t('nav_map', lang)} {title}",
               on_select=lambda: on_chart_select(map_key), selection_mode="unit")


# --- accountability: ranking tables (the emulation scorecard) -----------------------------------


def rank_change_label(change: int | None, lang: str) -> str:
    if change is None:
        return t("rank_new", lang)
    if change > 0:
        return "▲ " + t("rank_up", lang, places=change)
    if change < 0:
        return "▼ " + t("rank_down", lang, places=-change)
    return "= " + t("rank_same", lang)


def ranking_frame(rows: list[dict], lang: str, own_label: str | None = None) -> pd.DataFrame:
    """Ranked rows (from accountability.rank_change) with translated headers."""
    return pd.DataFrame([{
        t("col_rank", lang): row["rank"],
        t("col_rank_change", lang): rank_change_label(row.get("change"), lang),
        t("col_agency_or_unit", lang): own_label if row.get("own") and own_label else row["name"],
        t("col_total", lang): row["total"],
        t("col_completed", lang): row["completed"],
        t("col_overdue", lang): row["overdue"],
        t("col_on_time_rate", lang): row["on_time_rate"],
        t("col_overdue_rate", lang): row["overdue_rate"],
        t("bucket_le_30", lang): row["le_30"],
        t("bucket_31_90", lang): row["31_90"],
        t("bucket_gt_90", lang): row["gt_90"],
    } for row in rows if row["total"]])


# A projector's 1280×720 leaves a table about 820 px beside the sidebar (tests/browser/test_tables_fit.py); a
# row's check box takes 36 of them when a row can be picked.
TABLE_AT_1280_PX, CHECK_BOX_PX = 810, 36
# The ranking on screen: the place and its change, who, their tasks, the overdue ones, the on-time rate (the
# rank's rule) and those overdue more than 90 days; completed, the overdue rate (100 minus the on-time rate)
# and the two shorter lateness buckets (the page's cards above give them for the whole scope) are in the
# downloads and a tapped row's card on a phone.
RANKING_SHOWN = ("col_rank", "col_rank_change", "col_agency_or_unit", "col_total", "col_overdue", "col_on_time_rate",
                 "bucket_gt_90")


def ranking_columns(frame: pd.DataFrame, lang: str, selectable: bool) -> tuple[dict, tuple[str, ...]]:
    """(column_config, column_order) that fit the ranking on a projector: each figure's column as wide as
    its header or widest cell, the name what is left (cut with "…" if longer; whole in the downloads)."""
    labels = {key: t(key, lang) for key in RANKING_SHOWN}
    widths = {key: header_width(max([labels[key], *(str(cell) for cell in frame[labels[key]])], key=len))
              for key in RANKING_SHOWN if key != "col_agency_or_unit"}
    widths["col_rank"] = header_width(labels["col_rank"])  # a number of at most three digits
    name_px = TABLE_AT_1280_PX - sum(widths.values()) - (CHECK_BOX_PX if selectable else 0)
    overdue_90 = f"{t('status_overdue', lang)} {labels['bucket_gt_90']}"
    config = {labels[key]: st.column_config.Column(labels[key], width=widths.get(key, name_px),
                                                   help=overdue_90 if key == "bucket_gt_90" else None)
              for key in RANKING_SHOWN}
    return config, tuple(labels[key] for key in RANKING_SHOWN)


def ranking_table(rows: list[dict], lang: str, own_label: str | None = None, *, name: str, key: str,
                  units: bool = False) -> None:
    """The ranking as a table. With `units` (rows are units, keyed by their code), a leader who may
    direct them picks a row and writes a direction to that unit (as from a task's warning card)."""
    frame = ranking_frame(rows, lang, own_label)
    if frame.empty:
        st.info(t("accountability_no_tasks", lang))
        return
    rates = {t(column, lang): NumberFormat(1, percent=True) for column in ("col_on_time_rate", "col_overdue_rate")}
    lead = (t("col_agency_or_unit", lang), t("col_on_time_rate", lang), t("col_rank", lang))
    shown = [row for row in rows if row["total"]]  # the frame's rows, in its order
    account = auth.current_account() if units else None
    if account is None or not any(may_direct(account, row["key"]) for row in shown):
        config, order = ranking_columns(frame, lang, selectable=False)
        show_table(frame, name=name, key=key, number_formats=rates, lead=lead, column_config=config,
                   column_order=order)
        return
    open_requested_direction()
    st.caption(t("ranking_direct_help", lang))
    config, order = ranking_columns(frame, lang, selectable=True)
    selection = show_table(frame, name=name, key=key, number_formats=rates, on_select="rerun",
                           selection_mode="single-row", lead=lead, column_config=config, column_order=order)
    picked = selection.selection.rows if selection else []
    if picked and picked[0] < len(shown) and may_direct(account, shown[picked[0]]["key"]):
        row = shown[picked[0]]
        label = own_label if row.get("own") and own_label else row["name"]
        st.button(t("direct_unit_button", lang, unit=label), key=f"{key}::direct", icon=":material/assignment_late:",
                  type="primary", on_click=request_direction, args=(row["key"],))


def bucket_kpis(buckets: dict[str, int], lang: str) -> None:
    kpi_row([Kpi(f"{t('status_overdue', lang)} {t(f'bucket_{b}', lang)}", format_number(buckets[b], lang))
             for b in ("le_30", "31_90", "gt_90")])


# An official's tasks on screen: what, how late, in what state, by when, how far; the owning unit and the lead
# agency are in the downloads and a tapped row's card (the title keeps what a projector's 1280 px leave).
OFFICIAL_TASK_SHOWN = ("code", "title", "days_overdue", "derived_status", "deadline", "progress_pct")
OFFICIAL_TASK_COLUMNS = (*OFFICIAL_TASK_SHOWN, "owner_name", "lead_agency")
PROGRESS_PX = 90


def official_tasks_table(tasks: list[dict], lang: str, *, name: str, key: str) -> None:
    """One official's tasks (accountability.official_tasks), fitting a projector."""
    frame = task_frame(tasks, lang, OFFICIAL_TASK_COLUMNS)
    labels = {column: label for column, label in zip(OFFICIAL_TASK_COLUMNS, frame.columns)}
    config = column_config(lang)
    widths = {column: header_width(max([labels[column], *(str(cell) for cell in frame[labels[column]])], key=len))
              for column in ("code", "days_overdue", "derived_status", "deadline")}
    widths["progress_pct"] = PROGRESS_PX
    widths["title"] = TABLE_AT_1280_PX - sum(widths.values())
    for column, width in widths.items():
        own = config.get(labels[column]) or st.column_config.Column(labels[column])
        config[labels[column]] = {**own, "width": width}
    show_table(frame, name=name, key=key, column_config=config, column_order=[labels[c] for c in OFFICIAL_TASK_SHOWN],
               lead=(labels["title"], labels["derived_status"]))


def officials_frame(rows: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame([{
        t("col_official", lang): row["official"],
        t("col_total", lang): row["total"],
        t("col_completed", lang): row["completed"],
        t("col_overdue", lang): row["overdue"],
        t("col_max_days_overdue", lang): row["max_days_overdue"],
    } for row in rows])
