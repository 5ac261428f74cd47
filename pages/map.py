"""Map: any indicator or task metric across the provinces (or a province's communes), click to drill."""


from components.breadcrumb import page_header
from components.ranking import TASK_METRICS, ranking_section
from components.shell_guard import require_app_shell
from components.state import as_of, language, scope, tr
from data_loaders.store.catalogue import INDICATORS

require_app_shell()
lang = language()
unit, day = scope(), as_of()

page_header(tr("map_title"))
metrics = TASK_METRICS + tuple(i.code for i in INDICATORS if i.code != "population") + ("population",)
ranking_section(unit, day, metrics, lang, key="map", per_capita_option=True)
