"""The headline KPI rows shared by the overview and the topic pages."""

from __future__ import annotations

import streamlit as st

from components.kpi import Kpi, kpi_row
from data_loaders.catalogue import reference_facts
from data_loaders.i18n import format_compact, format_date, format_number, format_percent, t


def task_kpis(status: dict[str, int], lang: str) -> None:
    total = status["total"]

    def share(count: int) -> str:
        return t("share_of_total", lang, pct=format_number(100 * count / total, lang, 1)) if total else ""

    kpi_row([
        Kpi(t("tasks_total", lang), format_number(total, lang)),
        Kpi(t("status_completed", lang), format_number(status["completed"], lang), share(status["completed"])),
        Kpi(t("status_on_schedule", lang), format_number(status["on_schedule"], lang), share(status["on_schedule"])),
        Kpi(t("status_overdue", lang), format_number(status["overdue"], lang), share(status["overdue"])),
    ])


def fiveg_target_caption(coverage: float | None, lang: str) -> str:
    facts = reference_facts()["digital_infrastructure"]
    target = facts["fiveg_population_coverage_target_pct"]
    caption = t("fiveg_target_caption", lang, target=target, date=format_date(facts["target_date"], lang))
    if coverage is None:
        return caption
    if coverage >= target:
        return f"{caption} · {t('target_reached', lang, target=target)}"
    return f"{caption} · {t('gap_to_target', lang, gap=format_number(target - coverage, lang, 1), target=target)}"


def infrastructure_kpis(values: dict, lang: str) -> None:
    kpi_row(per_row=3, kpis=[
        Kpi(t("kpi_fiveg_stations", lang), format_number(values.get("fiveg_stations"), lang)),
        Kpi(t("kpi_fiveg_coverage", lang), format_percent(values.get("fiveg_coverage_pct"), lang),
            fiveg_target_caption(values.get("fiveg_coverage_pct"), lang)),
        Kpi(t("kpi_fiber", lang), format_percent(values.get("fiber_coverage_pct"), lang)),
        Kpi(t("kpi_no_signal", lang), format_number(values.get("villages_no_signal"), lang)),
        Kpi(t("kpi_no_power", lang), format_number(values.get("villages_no_power"), lang)),
    ])


def per_100k(value: float | None, population: float | None, lang: str) -> str | None:
    if value is None or not population:
        return None
    return t("per_100k", lang, value=format_number(100_000 * value / population, lang, 2))


def ecosystem_kpis(values: dict, lang: str) -> None:
    population = values.get("population")
    kpi_row([
        *(Kpi(t(label, lang), format_number(values.get(code), lang), per_100k(values.get(code), population, lang))
          for label, code in (("kpi_st", "st_enterprises"), ("kpi_high_tech", "high_tech_enterprises"),
                              ("kpi_digital_tech", "digital_tech_enterprises"), ("kpi_ai_experts", "ai_experts"))),
    ])
    st.caption(f"{t('kpi_population', lang)}: {format_compact(population, lang)} "
               f"({format_number(population, lang)} {t('unit_people', lang)})")
