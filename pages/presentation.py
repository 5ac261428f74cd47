"""Presentation: the briefing of the chosen unit and date as a full-screen slideshow, with the same
deck to download as .pptx and PDF (reports/)."""

from components.breadcrumb import page_header
from components.shell_guard import require_app_shell
from components.slideshow import current_deck, fullscreen_requested, presentation
from components.snapshot_publish import publish_section
from components.state import as_of, compare_date, language, scope, tr

require_app_shell()
unit, day, since = scope(), as_of(), compare_date()
if not fullscreen_requested():
    page_header(tr("nav_presentation"))
presentation(current_deck(unit, day, since, language()))
if not fullscreen_requested():
    publish_section(unit, day)
