"""Directions (ý kiến chỉ đạo): what leaders asked of the chosen unit and the units under it, the
answers with their evidence, and — for who may — the forms to write, answer and close them."""

import streamlit as st

from components import auth, cached
from components.breadcrumb import breadcrumb
from components.directions_view import direction_list, local_today, new_direction_form, show_outcome
from components.shell_guard import require_app_shell
from components.state import language, scope, tr
from data_loaders.figures.directions import DIRECTION_STATES, direction_counts
from data_loaders.follow_up import directions
from data_loaders.i18n import format_date, format_number

require_app_shell()
account = auth.require("view")
lang = language()
unit = scope()
day = local_today()  # directions are live: their states are today's, whatever date the figures show
engine = cached.engine()

st.title(tr("directions_title"))
breadcrumb()
st.caption(tr("directions_today_caption", date=format_date(day, lang)) + " · " + tr("directions_intro"))
show_outcome()
counts = direction_counts(unit.code, day, engine)
if directions.may_direct(account, unit.code):
    new_direction_form(account, unit, directions.tasks_to_direct(unit.code, engine=engine), day)
chosen = st.pills(tr("filter_status"), DIRECTION_STATES, selection_mode="multi",
                  default=["overdue", "open", "answered"], key=f"directions::states::{lang}",
                  format_func=lambda state: f"{tr(f'direction_state_{state}')} ({format_number(counts[state], lang)})")
rows = directions.list_directions(account, unit.code, day, states=tuple(chosen or DIRECTION_STATES), engine=engine)
direction_list(account, rows)
