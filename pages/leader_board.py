"""Leader's board ("Bảng điều hành"): the page the chosen unit designed from blocks (or the default
one), shareable by link like every page; its administrators edit it here."""

from components.breadcrumb import page_header
from components.leader_board import leader_board
from components.shell_guard import require_app_shell
from components.state import as_of, compare_date, scope, tr

require_app_shell()
unit, day, since = scope(), as_of(), compare_date()
page_header(tr("nav_leader_board"))
leader_board(unit, day, since)
