"""Innovation ecosystem: S&T, high-tech and digital-tech enterprises, AI experts, absolute and per capita."""

import pandas as pd
import streamlit as st

from components import cached
from components.breadcrumb import breadcrumb
from components.display import show_chart
from components.charts import trend_lines
from components.headline import ecosystem_kpis
from components.ranking import ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.i18n import format_date, format_number

require_app_shell()
lang = language()
unit, day = scope(), as_of()

st.title(tr("ecosystem_title"))
breadcrumb()
st.caption(tr("as_of_caption", date=format_date(day, lang)))
ecosystem_kpis(cached.indicator_totals(unit.code, day), lang)

st.subheader(tr("trend_heading"))
trend = cached.indicator_trend(unit.code, day, 6)
left, right = st.columns(2)
fields_left = {"st_enterprises": tr("kpi_st"), "high_tech_enterprises": tr("kpi_high_tech"), "ai_experts": tr("kpi_ai_experts")}
fields_right = {"digital_tech_enterprises": tr("kpi_digital_tech")}
for column, fields in ((left, fields_left), (right, fields_right)):
    frame = pd.DataFrame([
        {"date": row["date"].isoformat(), "series": label, "value": row[field], "value_label": format_number(row[field], lang)}
        for row in trend for field, label in fields.items() if row[field] is not None
    ])
    with column:
        show_chart(trend_lines(frame, tr("enterprises_trend"), lang))

st.subheader(tr("ranking_heading"))
ranking_section(unit, day, ("st_enterprises", "high_tech_enterprises", "digital_tech_enterprises", "ai_experts"),
                lang, key="ecosystem", per_capita_option=True)
