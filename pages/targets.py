"""Targets: what the chosen unit is measured against — each indicator's target (its own, its
province's or the nation's), its value at the date, met or not, on the path or below it — the targets
set inside its scope, and for its administrators the form to set or remove one."""

from components import auth
from components.breadcrumb import page_header
from components.shell_guard import require_app_shell
from components.state import as_of, scope, tr
from components.targets_form import manage_targets, target_cards, targets_table

require_app_shell()
unit, day = scope(), as_of()

page_header(tr("nav_targets"))
target_cards(unit, day)
targets_table(unit)
manage_targets(auth.current_account(), unit)
