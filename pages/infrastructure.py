"""Digital infrastructure: 5G against the 90% target, fibre, villages without signal or power."""

import pandas as pd
import streamlit as st

from components import cached
from components.breadcrumb import breadcrumb
from components.display import show_chart
from components.charts import trend_lines
from components.headline import infrastructure_kpis
from components.ranking import ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.catalogue import reference_facts
from data_loaders.i18n import format_date, format_number, format_percent

require_app_shell()
lang = language()
unit, day = scope(), as_of()

st.title(tr("infrastructure_title"))
breadcrumb()
st.caption(tr("as_of_caption", date=format_date(day, lang)))
infrastructure_kpis(cached.indicator_totals(unit.code, day), lang)

st.subheader(tr("trend_heading"))
trend = cached.indicator_trend(unit.code, day, 6)
target = reference_facts()["digital_infrastructure"]["fiveg_population_coverage_target_pct"]
coverage, stations, villages = st.columns(3)


def series(rows, fields: dict[str, str], percent: bool = False) -> pd.DataFrame:
    return pd.DataFrame([
        {"date": row["date"].isoformat(), "series": label, "value": row[field],
         "value_label": format_percent(row[field], lang) if percent else format_number(row[field], lang)}
        for row in rows for field, label in fields.items() if row[field] is not None
    ])


with coverage:
    show_chart(trend_lines(series(trend, {"fiveg_coverage_pct": tr("kpi_fiveg_coverage"),
                                               "fiber_coverage_pct": tr("kpi_fiber")}, percent=True),
                                tr("coverage_trend"), lang, target=target))
with stations:
    show_chart(trend_lines(series(trend, {"fiveg_stations": tr("kpi_fiveg_stations")}), tr("stations_trend"), lang),
                    width="stretch")
with villages:
    show_chart(trend_lines(series(trend, {"villages_no_signal": tr("kpi_no_signal"),
                                               "villages_no_power": tr("kpi_no_power")}), tr("villages_trend"), lang),
                    width="stretch")

st.subheader(tr("ranking_heading"))
ranking_section(unit, day, ("fiveg_coverage_pct", "fiveg_stations", "fiber_coverage_pct", "villages_no_signal",
                            "villages_no_power"), lang, key="infrastructure", per_capita_option=True)
