"""Innovation ecosystem: S&T, high-tech and digital-tech enterprises, AI experts, absolute and per capita."""

import streamlit as st

from charts.trend import trend_frame
from components import auth, cached
from components.annotations_view import notes_section, show_trend, unit_notes
from components.breadcrumb import page_header
from components.catalogue_view import added_section
from components.headline import ecosystem_kpis, no_data_notice
from components.ranking import ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, language, scope, tr

require_app_shell()
lang = language()
unit, day, since = scope(), as_of(), compare_date()

page_header(tr("ecosystem_title"))
values = cached.indicator_totals(unit.code, day)
if no_data_notice(values, unit.name if unit.level != "national" else tr("national"), day, lang):
    st.stop()  # a sentence, not empty cards and charts
ecosystem_kpis(values, lang, cached.indicator_totals(unit.code, since) if since else None,
               cached.target_status(unit.code, day))

st.subheader(tr("trend_heading"))
trend = cached.indicator_trend(unit.code, day)
left, right = st.columns(2)
fields_left = {"st_enterprises": tr("kpi_st"), "high_tech_enterprises": tr("kpi_high_tech"),
               "ai_experts": tr("kpi_ai_experts")}
fields_right = {"digital_tech_enterprises": tr("kpi_digital_tech")}
notes = unit_notes(unit, (*fields_left, *fields_right))
# each chart titled with what it shows: the left one holds AI experts too, not only enterprises
for column, fields, title in ((left, fields_left, tr("ecosystem_trend_enterprises")),
                              (right, fields_right, tr("ecosystem_trend_digital"))):
    frame = trend_frame(trend, fields, lang)
    with column:
        show_trend(frame, title, cached.targets_for(unit.code, fields), notes, tuple(fields))
notes_section(auth.current_account(), unit, notes, (tuple(fields_left), tuple(fields_right)), key="ecosystem")

added = added_section(unit, day, since, "ecosystem", lang)  # indicators an administrator added

st.subheader(tr("ranking_heading"))
ranking_section(unit, day, ("st_enterprises", "high_tech_enterprises", "digital_tech_enterprises", "ai_experts",
                            *added), lang, key="ecosystem", per_capita_option=True)
