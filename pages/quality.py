"""Data quality: "đúng, đủ, sạch, sống" scores for the chosen unit and each unit below it."""

import streamlit as st

from components import cached
from components.breadcrumb import breadcrumb
from components.scorecard import attention, definitions, map_and_scorecard, score_kpis
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.figures.data_quality import SCORES
from data_loaders.i18n import format_date

require_app_shell()
lang = language()
unit, day = scope(), as_of()
settings = cached.settings()

st.title(tr("quality_title"))
breadcrumb()
st.caption(tr("as_of_caption", date=format_date(day, lang)))

result = cached.quality(unit.code, day, settings)
score_kpis(result, lang)
definitions(settings, lang)

if unit.level == "commune":
    st.caption(tr("no_children"))
    st.stop()

st.subheader(tr("quality_scorecard"))
attention(result, settings, lang)
score = st.segmented_control(tr("quality_map_score"), ("overall",) + SCORES, default="overall",
                             key=f"quality_map_score::{lang}", format_func=lambda s: tr(f"quality_{s}"))
map_and_scorecard(unit, result, score or "overall", lang)
