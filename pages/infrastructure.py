"""Digital infrastructure: 5G, fibre, villages without signal or power, each against its target (and
the target's path on the trend charts) where it has one."""

import streamlit as st

from charts.trend import trend_frame
from components import auth, cached
from components.annotations_view import notes_section, show_trend, unit_notes
from components.breadcrumb import page_header
from components.catalogue_view import added_section
from components.headline import infrastructure_kpis, no_data_notice
from components.ranking import ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, language, scope, tr

require_app_shell()
lang = language()
unit, day, since = scope(), as_of(), compare_date()

page_header(tr("infrastructure_title"))
values = cached.indicator_totals(unit.code, day)
unit_name = unit.name if unit.level != "national" else tr("national")
if no_data_notice(values, unit_name, day, lang):
    st.stop()  # a sentence, not five empty cards and three empty charts
infrastructure_kpis(values, cached.target_status(unit.code, day), lang,
                    cached.indicator_totals(unit.code, since) if since else None)

st.subheader(tr("trend_heading"))
trend = cached.indicator_trend(unit.code, day)
CHARTED = ("fiveg_coverage_pct", "fiber_coverage_pct", "fiveg_stations", "villages_no_signal", "villages_no_power")
notes = unit_notes(unit, CHARTED)  # a leader's dated notes, marked on the charts of their indicators
coverage, stations, villages = st.columns(3)

with coverage:
    show_trend(trend_frame(trend, {"fiveg_coverage_pct": tr("kpi_fiveg_coverage"),
                                  "fiber_coverage_pct": tr("kpi_fiber")}, lang, percent=True),
               tr("coverage_trend"), cached.targets_for(unit.code, CHARTED[:2]), notes, CHARTED[:2])
with stations:
    show_trend(trend_frame(trend, {"fiveg_stations": tr("kpi_fiveg_stations")}, lang),
               tr("stations_trend"), cached.targets_for(unit.code, CHARTED[2:3]), notes, CHARTED[2:3])
with villages:
    show_trend(trend_frame(trend, {"villages_no_signal": tr("kpi_no_signal"), "villages_no_power": tr("kpi_no_power")},
                           lang),
               tr("villages_trend"), cached.targets_for(unit.code, CHARTED[3:]), notes, CHARTED[3:])
notes_section(auth.current_account(), unit, notes, (CHARTED[:2], CHARTED[2:3], CHARTED[3:]), key="infrastructure")

added = added_section(unit, day, since, "infrastructure", lang)  # indicators an administrator added

st.subheader(tr("ranking_heading"))
ranking_section(unit, day, ("fiveg_coverage_pct", "fiveg_stations", "fiber_coverage_pct", "villages_no_signal",
                            "villages_no_power", *added), lang, key="infrastructure", per_capita_option=True)
