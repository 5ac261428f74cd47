"""The metric layer: each figure's one definition, its typed result, and the cache keyed on the
data version. Pages (through components/cached.py), warnings, rankings, quality scores, decks, the
command line and the benchmarks all read their figures from here.

- definitions.py — the rules: status at a date, overdue, days overdue, lateness, on-time rate, rank,
  the default comparison date;
- scope.py — which rows a figure covers (a unit and everything under it; the tasks of the national plans,
  or of the plan chosen: `counted_tasks`), units, data dates;
- tasks.py, indicators.py — task status and indicator rollups for a unit, its children, over time;
- headline.py — the headline figures (`summary` command);
- targets.py — which target a unit is measured against, its path, met or not (`target_for`, `target_status`);
- early_warnings.py, accountability.py, data_quality.py — early warnings, rankings, data-quality scores;
- cache.py — how every consumer reads a figure (shared across processes, keyed on the data version);
- views.py — what a link opens (query-string keys, page paths): a contract.

The names below are the figures themselves, for callers that want them all in one place.
"""

from data_loaders.figures.accountability import by_official as tasks_by_official
from data_loaders.figures.accountability import official_tasks, overdue_buckets, rank_change, ranking
from data_loaders.figures.data_quality import quality
from data_loaders.figures.definitions import default_comparison_date, month_ends
from data_loaders.figures.early_warnings import warnings
from data_loaders.figures.headline import summary
from data_loaders.figures.indicators import (
                                             indicator_series,
                                             indicator_totals,
                                             indicator_trend,
                                             indicators_by_child,
                                             per_inhabitants,
)
from data_loaders.figures.scope import (
                                             UnitInfo,
                                             UnknownUnit,
                                             child_count,
                                             child_units,
                                             earliest_data_date,
                                             get_unit,
                                             holds_sample_data,
                                             latest_data_date,
                                             unit_coordinates,
                                             unit_path,
                                             units_for_search,
)
from data_loaders.figures.targets import target_for, target_status
from data_loaders.figures.tasks import (
                                             task_detail,
                                             task_filter_options,
                                             task_list,
                                             task_status,
                                             task_status_by,
                                             task_status_by_child,
                                             task_status_trend,
)

__all__ = [
    "UnitInfo", "UnknownUnit", "child_count", "child_units", "default_comparison_date", "earliest_data_date",
    "get_unit", "holds_sample_data", "indicator_series", "indicator_totals", "indicator_trend", "indicators_by_child",
    "latest_data_date", "month_ends", "official_tasks", "overdue_buckets", "per_inhabitants", "quality", "rank_change",
    "ranking",
    "summary", "target_for", "target_status", "task_detail", "task_filter_options", "task_list", "task_status",
    "task_status_by",
    "task_status_by_child", "task_status_trend", "tasks_by_official", "unit_coordinates", "unit_path",
    "units_for_search", "warnings",
]
