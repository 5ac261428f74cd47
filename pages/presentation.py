"""Presentation: the briefing of the chosen unit and date as a full-screen slideshow, with the same
deck to download as .pptx and PDF (reports/)."""

import streamlit as st

from components.breadcrumb import page_header
from components.plan_filter import chosen_plan, plan_filter
from components.shell_guard import require_app_shell
from components.slideshow import current_deck, fullscreen_requested, presentation
from components.snapshot_publish import publish_section
from components.state import as_of, compare_date, language, scope, tr

require_app_shell()
unit, day, since = scope(), as_of(), compare_date()
if not fullscreen_requested():
    page_header(tr("nav_presentation"))
    plan = plan_filter(unit, st.columns([2, 1])[0], help_key="plan_filter_deck_help")  # the task slides follow it
else:
    plan = chosen_plan(unit)
presentation(current_deck(unit, day, since, language(), plan))
if not fullscreen_requested():
    publish_section(unit, day)
