"""The headline KPI rows shared by the overview and the topic pages."""

from __future__ import annotations

import streamlit as st

from components.kpi import Kpi, kpi_row
from data_loaders.figures.definitions import on_time_rate
from data_loaders.figures.indicators import per_inhabitants
from data_loaders.figures.targets import TargetStatus, status_messages, target_item
from data_loaders.i18n import format_compact, format_date, format_number, format_percent, t
from data_loaders.i18n.message import render


def delta(current: float | None, previous: dict | None, key: str, lang: str, percent: bool = False) -> str | None:
    """The change since the comparison date, signed and formatted ("+12", "−1,5 điểm %")."""
    if previous is None or current is None or previous.get(key) is None:
        return None
    change = current - previous[key]
    if abs(change) < 1e-9:
        return None  # unchanged: no arrow
    text = format_number(abs(change), lang, 1 if percent else 0)
    text = t("delta_points", lang, value=text) if percent else text
    return f"{'-' if change < 0 else '+'}{text}"


# Whether a rise is good news: green when it is, red when it is not, grey when it is neither.
_DELTA_COLOURS = {"total": "off", "completed": "normal", "on_schedule": "off", "overdue": "inverse",
                  "villages_no_signal": "inverse", "villages_no_power": "inverse"}


def _kpi(label: str, value: str, caption: str | None, current, previous: dict | None, key: str, lang: str,
         percent: bool = False, targets: dict[str, TargetStatus] | None = None) -> Kpi:
    """A card; with a target for `key` among `targets`, its caption says whether it is met."""
    status = (targets or {}).get(key)
    if status is not None:
        caption = " · ".join(part for part in (target_caption(status, lang), caption) if part)
    return Kpi(label, value, caption, delta(current, previous, key, lang, percent), _DELTA_COLOURS.get(key, "normal"))


def target_caption(status: TargetStatus, lang: str) -> str:
    """A KPI card's "đạt / chưa đạt" (figures/targets.py `status_messages`) in the reader's language."""
    return " · ".join(render(part, lang) for part in status_messages(status))


def task_kpis(status: dict[str, int], lang: str, previous: dict | None = None) -> None:
    total = status["total"]

    def share(count: int) -> str:
        return t("share_of_total", lang, pct=format_number(100 * count / total, lang, 1)) if total else ""

    kpi_row([
        _kpi(t("tasks_total", lang), format_number(total, lang), None, total, previous, "total", lang),
        *(_kpi(t(f"status_{key}", lang), format_number(status[key], lang), share(status[key]), status[key], previous,
               key, lang) for key in ("completed", "on_schedule", "overdue")),
    ])


def infrastructure_kpis(values: dict, targets: dict[str, TargetStatus], lang: str,
                        previous: dict | None = None) -> None:
    """The digital-infrastructure cards; `targets` (components/cached.target_status) adds "đạt / chưa
    đạt" to each card whose indicator has a target."""
    kpi_row(per_row=3, kpis=[
        _kpi(t("kpi_fiveg_stations", lang), format_number(values.get("fiveg_stations"), lang), None,
             values.get("fiveg_stations"), previous, "fiveg_stations", lang, targets=targets),
        _kpi(t("kpi_fiveg_coverage", lang), format_percent(values.get("fiveg_coverage_pct"), lang), None,
             values.get("fiveg_coverage_pct"), previous, "fiveg_coverage_pct", lang, percent=True, targets=targets),
        _kpi(t("kpi_fiber", lang), format_percent(values.get("fiber_coverage_pct"), lang), None,
             values.get("fiber_coverage_pct"), previous, "fiber_coverage_pct", lang, percent=True, targets=targets),
        *(_kpi(t(label, lang), format_number(values.get(key), lang), None, values.get(key), previous, key, lang,
               targets=targets)
          for label, key in (("kpi_no_signal", "villages_no_signal"), ("kpi_no_power", "villages_no_power"))),
    ])


def per_100k(value: float | None, population: float | None, lang: str) -> str | None:
    per = per_inhabitants(value, population)
    return None if per is None else t("per_100k", lang, value=format_number(per, lang, 2))


def ecosystem_kpis(values: dict, lang: str, previous: dict | None = None,
                   targets: dict[str, TargetStatus] | None = None) -> None:
    population = values.get("population")
    kpi_row([
        _kpi(t(label, lang), format_number(values.get(code), lang), per_100k(values.get(code), population, lang),
             values.get(code), previous, code, lang, targets=targets)
        for label, code in (("kpi_st", "st_enterprises"), ("kpi_high_tech", "high_tech_enterprises"),
                            ("kpi_digital_tech", "digital_tech_enterprises"), ("kpi_ai_experts", "ai_experts"))
    ])
    compact, whole = format_compact(population, lang), format_number(population, lang)
    # "101,3 triệu (101.300.000 người)"; a commune's "52.333 người" once, not "52.333 (52.333 người)"
    people = f"{whole} {t('unit_people', lang)}"
    st.caption(f"{t('kpi_population', lang)}: " + (people if compact == whole else f"{compact} ({people})"))


def headline_sentence(unit_name: str, status: dict[str, int], rank: tuple[int, int] | None, day, lang: str) -> str:
    """The deck's headline sentence: "Lâm Đồng: 95% nhiệm vụ đúng hạn, 1 quá hạn, xếp thứ 5/34." — or,
    for a unit without tasks, that it has none by the date."""
    if not status["total"]:
        return t("deck_no_tasks_sentence", lang, unit=unit_name, date=format_date(day, lang)) + "."
    sentence = t("deck_headline_sentence", lang, unit=unit_name,
                 rate=format_percent(on_time_rate(status["total"], status["overdue"]), lang, 0),
                 overdue=format_number(status["overdue"], lang))
    if rank:
        sentence += t("deck_rank", lang, rank=rank[0], count=rank[1])
    return sentence + "."


def no_data_notice(values: dict, unit_name: str, day, lang: str) -> bool:
    """A sentence, instead of a row of empty cards' meaning, when a unit has no indicator data by the
    date; True when it said so."""
    if any(value is not None for value in values.values()):
        return False
    st.info(t("warnings_no_data_sentence", lang, unit=unit_name, date=format_date(day, lang)))
    return True


def targets_sentence(statuses: dict[str, TargetStatus], lang: str) -> str:
    """The targets a unit is measured against, in a line: "phủ sóng 5G 90% đến 31/12/2025"."""
    parts = [render(target_item(status["target"]), lang) for status in statuses.values()]
    return "; ".join(parts) if parts else t("targets_none", lang)
