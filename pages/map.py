"""Map: any indicator or task metric across the provinces (or a province's communes), click to drill."""

from components import cached
from components.breadcrumb import page_header
from components.ranking import TASK_METRICS, ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr

require_app_shell()
lang = language()
unit, day = scope(), as_of()

page_header(tr("map_title"))
# every active indicator of the catalogue at this unit (a province's own at that province), population last
indicators = tuple(i.code for i in cached.indicator_catalogue(unit.code))
metrics = TASK_METRICS + tuple(c for c in indicators if c != "population") + ("population",)
ranking_section(unit, day, metrics, lang, key="map", per_capita_option=True)
