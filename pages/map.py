"""Map: any indicator or task metric across the provinces (or a province's communes), click to drill."""

import streamlit as st

from components.breadcrumb import breadcrumb
from components.ranking import TASK_METRICS, ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.catalogue import INDICATORS
from data_loaders.i18n import format_date

require_app_shell()
lang = language()
unit, day = scope(), as_of()

st.title(tr("map_title"))
breadcrumb()
st.caption(tr("as_of_caption", date=format_date(day, lang)))
metrics = TASK_METRICS + tuple(i.code for i in INDICATORS if i.code != "population") + ("population",)
ranking_section(unit, day, metrics, lang, key="map", per_capita_option=True)
