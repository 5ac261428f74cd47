"""The national overview's figures the naive way (whole tables into pandas) against the metric layer (issue 17).

Most dashboards load whole tables into pandas (`SELECT *`, typically kept in `st.cache_data`) and filter
and group them in memory. This script computes the figures the national overview shows both ways:

- naive: `pandas.read_sql` of every table the figures need (tasks, task reports, indicator values, units,
  indicators, plans, agencies, targets), then pandas — each task's latest report at a date by
  `drop_duplicates`, indicator rollups by `pivot` and column sums, the warnings by boolean masks and a loop
  over the communes for the target trends. Written as a dashboard would write it: no deliberate slowness,
  no SQL aggregation;
- project, cold: each figure computed by its definition in `data_loaders.figures` (SQL aggregation on the
  server, the summaries maintained at commit) as the first viewer after an upload computes it — the rollup
  cache empty (the figures are called directly, so nothing is written: the database stays read-only);
- project, shared (`--shared`, writes the rollup cache): through `figures.cache.read` once filled, what any
  app process pays once the figures are shared; beside the naive dashboard's warm run (the frames already
  in memory: only the pandas part).

The figures are those pages/overview.py reads through `figures.cache.read` at the national level without a
comparison date (`OVERVIEW_FIGURES`; tests/integration/test_bench_naive.py records the page and checks the
list): the as-of date, task status, its 6-month trend, indicator totals, the targets in force and the
target status of the cards, and the warnings summary (the first `early_warnings.HEAD` warnings in order, the
total and the count of each kind; the page shows the top three and the total). Both ways must give the same
figures: every figure is compared (integers exactly, floats to 1e-9 relative) and the script stops with the
differences if any differ.

    python -m benchmarks.bench_naive                  # national-scale PostgreSQL nq57_bench ($TEST_DATABASE_URL)
    python -m benchmarks.bench_naive --pg URL         # the same on another server
    python -m benchmarks.bench_naive --small          # the small sample on SQLite (seconds)
    python -m benchmarks.bench_naive --url URL [--shared] [--repeat 3] [--no-memory]

Peak memory: peak Python allocation (tracemalloc, numpy's buffers included) of each way in a separate,
untimed run; and the naive frames' own size (what each app process would hold in its cache).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks import national_scale  # noqa: E402
from data_loaders.figures import cache, early_warnings, indicators, scope, sources, targets, tasks  # noqa: E402
from data_loaders.figures.definitions import month_ends  # noqa: E402
from data_loaders.store import engine as db  # noqa: E402
from data_loaders.store import indicator_catalogue  # noqa: E402
from data_loaders.store.models import NATIONAL_CODE  # noqa: E402
from data_loaders.store.settings import get_settings  # noqa: E402

UNIT = NATIONAL_CODE
TREND_MONTHS = cache.TREND_MONTHS
REL_TOL = 1e-9  # floats: sums in another order differ in the last bits
# What pages/overview.py reads through figures.cache.read at the nation without ?compare= (besides units,
# the data dates and the approval caption's counts): the test records the page and checks this list.
OVERVIEW_FIGURES = ("task_status", "task_status_trend", "indicator_totals", "targets_in_force", "warnings_summary")


# --- the naive way ----------------------------------------------------------------------------------


@dataclass
class Frames:
    """Every table the figures need, whole, as a dashboard's `load()` keeps them."""
    tasks: pd.DataFrame
    reports: pd.DataFrame
    values: pd.DataFrame
    units: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame
    agencies: pd.DataFrame
    targets: pd.DataFrame
    load_seconds: dict[str, float] = field(default_factory=dict)

    def megabytes(self) -> float:
        frames = (self.tasks, self.reports, self.values, self.units, self.indicators, self.plans, self.agencies,
                  self.targets)
        return sum(int(f.memory_usage(deep=True).sum()) for f in frames) / 2**20


TABLES = {  # table -> the date columns pandas parses
    "task": ["deadline", "document_date"],
    "task_report": ["report_date"],
    "indicator_value": ["period"],
    "admin_unit": [],
    "indicator": [],
    "plan": [],
    "agency": [],
    "target": ["target_date", "baseline_date"],
}


def load(engine) -> Frames:
    """`SELECT *` of each table into a DataFrame (what `@st.cache_data def load()` does)."""
    frames, seconds = {}, {}
    with engine.connect() as conn:
        for table, dates in TABLES.items():
            started = time.perf_counter()
            frames[table] = pd.read_sql(f"SELECT * FROM {table}", conn, parse_dates=dates)  # noqa: S608
            seconds[table] = time.perf_counter() - started
    started = time.perf_counter()
    # sorted once, so "the latest row on or before a date" is the last one kept
    reports = frames["task_report"].sort_values(["task_id", "report_date"], ignore_index=True)
    values = frames["indicator_value"].sort_values(["indicator_code", "unit_code", "period"], ignore_index=True)
    seconds["sort"] = time.perf_counter() - started
    return Frames(frames["task"], reports, values, frames["admin_unit"], frames["indicator"], frames["plan"],
                  frames["agency"], frames["target"], seconds)


def _day(value: dt.date) -> pd.Timestamp:
    return pd.Timestamp(value)


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


class Naive:
    """The overview's figures from the frames, in pandas."""

    def __init__(self, frames: Frames, settings: dict):
        self.f = frames
        self.settings = settings
        provincial = frames.plans.loc[frames.plans["owner_province_code"].notna(), "code"]
        self.counted = frames.tasks[~frames.tasks["plan"].isin(provincial)]  # the national plans' tasks
        self.counted_reports = frames.reports[frames.reports["task_id"].isin(self.counted["id"])]
        self.communes = frames.units[frames.units["level"] == "commune"]
        ind = frames.indicators.sort_values(["sort_order", "code"])
        self.national_indicators = ind[ind["owner_province_code"].isna()]
        self.by_code = frames.indicators.set_index("code")
        self._latest_values: dict[dt.date, pd.DataFrame] = {}

    # dates
    def latest_data_date(self) -> dt.date:
        return max(self.counted_reports["report_date"].max(), self.f.values["period"].max()).date()

    def earliest_data_date(self) -> dt.date:
        return min(self.counted_reports["report_date"].min(), self.f.values["period"].min()).date()

    def trend_days(self, as_of: dt.date, months: int) -> list[dt.date]:
        earliest = self.earliest_data_date()
        return [day for day in month_ends(as_of, months) if day >= earliest]

    # tasks
    def tasks_at(self, day: dt.date) -> pd.DataFrame:
        """The counted tasks that exist at `day`, each with its latest report on or before it."""
        reports = self.counted_reports[self.counted_reports["report_date"] <= _day(day)]
        latest = reports.drop_duplicates("task_id", keep="last")
        return self.counted.merge(latest[["task_id", "status", "progress_pct", "report_date"]],
                                  left_on="id", right_on="task_id")

    def task_status(self, day: dt.date) -> dict[str, int]:
        at = self.tasks_at(day)
        completed = at["status"] == "completed"
        overdue = ~completed & (at["deadline"] < _day(day))
        return {"total": len(at), "completed": int(completed.sum()),
                "on_schedule": int((~completed & ~overdue).sum()), "overdue": int(overdue.sum())}

    def task_status_trend(self, as_of: dt.date, months: int) -> list[dict]:
        return [{"date": day, **self.task_status(day)} for day in self.trend_days(as_of, months)]

    # indicators
    def latest_values(self, day: dt.date) -> pd.DataFrame:
        """Each (indicator, unit)'s latest value on or before `day`."""
        if day not in self._latest_values:
            values = self.f.values[self.f.values["period"] <= _day(day)]
            self._latest_values[day] = values.drop_duplicates(["indicator_code", "unit_code"], keep="last")
        return self._latest_values[day]

    def commune_table(self, day: dt.date) -> pd.DataFrame:
        """One row per commune with a value of anything by `day`: its province and a column per indicator."""
        latest = self.latest_values(day)
        latest = latest[latest["unit_code"].isin(self.communes["code"])]
        wide = latest.pivot(index="unit_code", columns="indicator_code", values="value")
        return wide.join(self.communes.set_index("code")["province_code"])

    @staticmethod
    def rolled(table: pd.DataFrame, latest: pd.DataFrame, code: str, rollup: str) -> float | None:
        """One indicator of the communes of `table` combined by its rollup."""
        if code not in table.columns:
            return None
        column = table[code]
        if rollup == "sum":
            present = column.dropna()
            return float(present.sum()) if len(present) else None
        if rollup == "population_weighted":
            if "population" not in table.columns:
                return None
            both = column.notna() & table["population"].notna()
            weight = table.loc[both, "population"].sum()
            return float((column[both] * table.loc[both, "population"]).sum() / weight) if weight else None
        if rollup == "average":
            present = column.dropna()
            return float(present.sum() / len(present)) if len(present) else None
        # latest: the newest period any commune reported, the mean of the communes that reported it
        rows = latest[(latest["indicator_code"] == code) & latest["unit_code"].isin(table.index)]
        if rows.empty:
            return None
        newest = rows[rows["period"] == rows["period"].max()]
        return float(newest["value"].sum() / len(newest))

    def indicator_totals(self, day: dt.date) -> dict[str, float | None]:
        table, latest = self.commune_table(day), self.latest_values(day)
        result = {}
        for row in self.national_indicators.itertuples():
            if row.rollup == "none" or "commune" not in row.reporting_levels.split(","):  # not rolled up: its own
                own = latest[(latest["indicator_code"] == row.code) & (latest["unit_code"] == UNIT)]
                result[row.code] = _float(own["value"].iloc[0]) if len(own) else None
            else:
                result[row.code] = self.rolled(table, latest, row.code, row.rollup)
        return result

    # targets
    def higher_is_better(self, code: str) -> bool:
        return bool(self.by_code.at[code, "higher_is_better"])

    def reaches(self, code: str, value: float, threshold: float) -> bool:
        return value >= threshold if self.higher_is_better(code) else value <= threshold

    def in_force(self) -> pd.DataFrame:
        return self.f.targets[self.f.targets["ended_at"].isna()]

    def targets_in_force(self) -> list[dict]:
        rows = self.in_force().merge(self.f.units[["code", "name"]], how="left", left_on="unit_code",
                                     right_on="code")
        rows = rows.assign(national=rows["unit_code"] != UNIT).sort_values(["indicator_code", "national",
                                                                            "unit_code"])
        return [{"id": int(r.id), "indicator": r.indicator_code, "unit_code": r.unit_code,
                 "value": float(r.target_value), "date": _date(r.target_date),
                 "baseline_value": _float(r.baseline_value), "baseline_date": _date(r.baseline_date),
                 "higher_is_better": self.higher_is_better(r.indicator_code)} for r in rows.itertuples()]

    @staticmethod
    def path(target: dict, day: dt.date) -> float | None:
        start, first, end, last = target["baseline_date"], target["baseline_value"], target["date"], target["value"]
        if start is None or first is None:
            return None
        if day <= start:
            return first
        if day >= end or end <= start:
            return last
        return first + (last - first) * (day - start).days / (end - start).days

    def target_of(self, targets_: list[dict], code: str, unit: str, province: str | None) -> tuple[dict | None, bool]:
        own = {t["unit_code"]: t for t in targets_ if t["indicator"] == code}
        if unit in own:
            return own[unit], False
        if self.by_code.at[code, "rollup"] == "sum":  # a count's target is its own unit's alone
            return None, False
        for above in (province, UNIT):
            if above and above != unit and above in own:
                return own[above], True
        return None, False

    def target_status(self, day: dt.date, totals: dict, targets_: list[dict]) -> dict[str, dict]:
        result = {}
        for code in self.national_indicators.loc[self.national_indicators["retired_at"].isna(), "code"]:
            target, inherited = self.target_of(targets_, code, UNIT, None)
            if target is None:
                continue
            value, path = totals.get(code), self.path(target, day)
            met = None if value is None else self.reaches(code, value, target["value"])
            result[code] = {"value": value, "target": target["id"], "inherited": inherited, "path": path, "met": met,
                            "on_path": None if value is None or path is None else self.reaches(code, value, path),
                            "gap": None if value is None else 0.0 if met else abs(target["value"] - value)}
        return result

    # warnings
    def task_warnings(self, as_of: dt.date) -> list[dict]:
        due_soon, stalled_after = self.settings["due_soon_days"], self.settings["stalled_days"]
        day = _day(as_of)
        at = self.tasks_at(as_of)
        at = at[at["status"] != "completed"]
        at = at[(at["deadline"] <= day + pd.Timedelta(days=due_soon))
                | (at["report_date"] < day - pd.Timedelta(days=stalled_after))]
        first = self.counted_reports[self.counted_reports["report_date"] <= day].groupby("task_id")["report_date"].min()
        at = at.assign(first_report=at["task_id"].map(first),
                       days_since=(day - at["report_date"]).dt.days,
                       days_to_deadline=(at["deadline"] - day).dt.days)
        owners = self.f.units.set_index("code")
        at = at.assign(owner_name=at["owner_unit_code"].map(owners["name"]),
                       province_code=at["owner_unit_code"].map(owners["province_code"]),
                       lead_agency=at["lead_agency_id"].map(self.f.agencies.set_index("id")["name"]))
        span = (at["deadline"] - at["first_report"]).dt.days
        elapsed = (day - at["first_report"]).dt.days
        expected = (100.0 * elapsed / span.where(span > 0)).clip(0.0, 100.0).where(span > 0, 100.0)
        at = at.assign(expected=expected)
        overdue = at[at["deadline"] < day].assign(days_overdue=lambda f: -f["days_to_deadline"])
        rest = at[at["deadline"] >= day]
        behind_mask = (rest["days_to_deadline"] <= due_soon) & (rest["progress_pct"] < rest["expected"])
        behind = rest[behind_mask].assign(gap=lambda f: f["progress_pct"] - f["expected"])
        stalled = rest[~behind_mask & (rest["days_since"] > stalled_after)]
        overdue = overdue.sort_values(["days_overdue", "code"], ascending=[False, True])
        behind = behind.sort_values(["days_to_deadline", "gap", "code"])
        stalled = stalled.sort_values(["days_since", "code"], ascending=[False, True])
        columns = ["owner_unit_code", "code", "title", "lead_agency", "responsible_official", "deadline",
                   "progress_pct", "report_date", "days_since", "province_code", "owner_name"]
        result = []
        for kind, frame, figure in (("overdue", overdue, "days_overdue"), ("due_soon_behind", behind,
                                                                             "days_to_deadline"),
                                    ("stalled", stalled, "days_since")):
            for row in frame[list(dict.fromkeys([*columns, figure]))].to_dict("records"):
                result.append({**row, "kind": kind, "figure": int(row[figure])})
        return result

    def not_reporting(self, as_of: dt.date) -> list[dict]:
        values = self.f.values
        period = values.loc[values["period"] <= _day(as_of), "period"].max()
        if pd.isna(period):
            return []
        ind = self.f.indicators
        monthly = ind.loc[ind["owner_province_code"].isna() & ind["retired_at"].isna() & (ind["frequency"] == "monthly")
                          & ind["reporting_levels"].str.contains("commune"), "code"]
        reported = values.loc[(values["period"] == period) & values["indicator_code"].isin(monthly), "unit_code"]
        missing = self.communes[~self.communes["code"].isin(reported)]
        if missing.empty:
            return []
        totals = self.communes.groupby("province_code").size()
        grouped = missing.sort_values("code").groupby("province_code")["code"].agg(list)
        rows = [{"kind": "not_reporting", "unit": code, "period": period.date(), "count": len(communes),
                 "total": int(totals.get(code, len(communes))), "communes": communes}
                for code, communes in grouped.items()]
        return sorted(rows, key=lambda w: (-w["count"] / max(w["total"], 1), -w["count"], w["unit"]))

    @staticmethod
    def fit(points: list[tuple[dt.date, float]], target_date: dt.date) -> tuple[float, float, dt.date] | None:
        """A least-squares line through the points (np.polyfit): the value it reaches at the target date."""
        if len({d for d, _ in points}) < 2:
            return None
        origin = min(d for d, _ in points)
        slope, intercept = np.polyfit([(d - origin).days for d, _ in points], [v for _, v in points], 1)
        return float(intercept + slope * (target_date - origin).days), float(slope), origin

    def off_track(self, days: list[dt.date], values: list, target: dict) -> dict | None:
        points = [(day, value) for day, value in zip(days, values) if value is not None and not math.isnan(value)]
        if not points:
            return None
        code, goal = target["indicator"], target["value"]
        current_date, current = points[-1]
        if self.reaches(code, current, goal):
            return None
        path = self.path(target, current_date)
        below_path = path is not None and not self.reaches(code, current, path)
        fit = self.fit(points, target["date"])
        misses = fit is not None and not self.reaches(code, fit[0], goal)
        if not (misses or below_path):
            return None
        return {"current": current, "current_date": current_date, "path": path, "below_path": below_path,
                "misses": misses, "projected": None if fit is None else fit[0]}

    def off_target(self, as_of: dt.date, targets_: list[dict]) -> list[dict]:
        """Every indicator with a target in force, in the catalogue's order: the nation, each province and
        (grouped per province) the communes whose series at the month ends is off its target."""
        wanted = {t["indicator"] for t in targets_}
        catalogue = self.by_code[self.by_code["retired_at"].isna()].sort_values(["sort_order", "code"])
        provinces = self.f.units.loc[self.f.units["parent_code"] == UNIT, "code"].tolist()
        days = self.trend_days(as_of, self.settings["trend_months"])
        result = []
        for code in [c for c in catalogue.index if c in wanted]:
            info = self.by_code.loc[code]
            if not pd.isna(info["owner_province_code"]):
                raise NotImplementedError(f"a target on a province's own indicator ({code})")
            rolled_up = info["rollup"] != "none" and "commune" in info["reporting_levels"].split(",")
            weighted = info["unit_vi"].strip() == "%"
            nation, by_province, by_commune = [], {p: [] for p in provinces}, {}
            for day in days:
                table, latest = self.commune_table(day), self.latest_values(day)
                groups = dict(list(table.groupby("province_code")))
                if rolled_up:
                    nation.append(self.rolled(table, latest, code, info["rollup"]))
                    for province in provinces:
                        group = groups.get(province)
                        by_province[province].append(
                            None if group is None else self.rolled(group, latest, code, info["rollup"]))
                else:  # each unit's own value
                    own = latest[latest["indicator_code"] == code].set_index("unit_code")["value"]
                    nation.append(_float(own.get(UNIT)))
                    for province in provinces:
                        by_province[province].append(_float(own.get(province)))
                column = table[code] if code in table.columns else pd.Series(dtype=float)
                if weighted:  # a percentage counts only with the commune's population
                    population = table["population"] if "population" in table.columns else pd.Series(dtype=float)
                    column = column.where(population.reindex(column.index).fillna(0) != 0)
                by_commune[day] = column
            result += self._off_target_items(code, days, targets_, nation, by_province, by_commune)
        return result

    def _off_target_items(self, code: str, days: list[dt.date], targets_: list[dict], nation: list,
                          by_province: dict[str, list], by_commune: dict[dt.date, pd.Series]) -> list[dict]:
        higher = bool(self.by_code.at[code, "higher_is_better"])
        communes = self.communes.set_index("code")
        series = pd.DataFrame(by_commune).reindex(communes.index)
        with_value = series.notna().any(axis=1).groupby(communes["province_code"]).sum()
        below: dict[str, list[dict]] = {}
        for commune, row in series.iterrows():
            province = communes.at[commune, "province_code"]
            target, _ = self.target_of(targets_, code, commune, province)
            values = [None if pd.isna(v) else float(v) for v in row.tolist()]
            off = self.off_track(days, values, target) if target else None
            if off:
                projected = off["projected"] if off["projected"] is not None else off["current"]
                below.setdefault(province, []).append({"code": commune, "current": round(off["current"], 2),
                                                       "projected": round(projected, 2)})
        sign = 1 if higher else -1
        items = []
        for unit, values in [(UNIT, nation), *by_province.items()]:
            group = None if unit == UNIT else unit
            target, _ = self.target_of(targets_, code, unit, group)
            off = self.off_track(days, values, target) if target else None
            communes_below = sorted(below.get(group, []), key=lambda c: (sign * c["projected"], sign * c["current"],
                                                                         c["code"]))
            if off is None and not communes_below:
                continue
            shown = target or self.target_of(targets_, code, communes_below[0]["code"], group)[0]
            if shown is None:
                continue
            item = {"kind": "off_target", "unit": unit, "indicator": code, "target_unit": shown["unit_code"],
                    "target_value": shown["value"]}
            if off is not None:
                item.update(current=round(off["current"], 2),
                            projected=None if off["projected"] is None else round(off["projected"], 2),
                            path=None if off["path"] is None else round(off["path"], 2),
                            below_path_now=off["below_path"])
            if communes_below:
                item["below"] = (len(communes_below), int(with_value.get(group, len(communes_below))),
                                 [c["code"] for c in communes_below])
            items.append(item)

        def distance(item: dict) -> float:  # the projection, else the current value, else the target
            projected = item.get("projected")
            if projected is None:
                projected = item.get("current", item["target_value"])
            return sign * projected

        return sorted(items, key=lambda w: (w["unit"] != UNIT, distance(w), -(w.get("below") or (0,))[0], w["unit"]))

    def warnings(self, as_of: dt.date, targets_: list[dict]) -> list[dict]:
        return self.task_warnings(as_of) + self.off_target(as_of, targets_) + self.not_reporting(as_of)


# --- comparing the two ------------------------------------------------------------------------------


def _project_warning(item: dict) -> tuple:
    """The figures of one warning of figures.early_warnings, in the naive shape."""
    kind = item["kind"]
    if kind in ("overdue", "due_soon_behind", "stalled"):
        figure = {"overdue": "days_overdue", "due_soon_behind": "days_left", "stalled": "days_since_report"}[kind]
        return (kind, item["unit"]["code"], item["task"], item[figure], round(float(item["progress_pct"]), 1),
                item["deadline"], item["last_report"], item["lead_agency"],
                (item["province"] or {}).get("code"))
    if kind == "not_reporting":
        return (kind, item["unit"]["code"], item["period"], item["count"], item["total"],
                tuple(c["code"] for c in item["communes"]))
    below = item.get("below_path")
    return (kind, item["unit"]["code"], item["indicator"], item["target_unit"], item.get("current_value"),
            item.get("projected_value"), item.get("path_value"), item.get("below_path_now"),
            None if below is None else (below["count"], below["total"], tuple(c["code"] for c in below["communes"])))


def _naive_warning(item: dict) -> tuple:
    kind = item["kind"]
    if kind in ("overdue", "due_soon_behind", "stalled"):
        return (kind, item["owner_unit_code"], item["code"], item["figure"], round(float(item["progress_pct"]), 1),
                item["deadline"].date().isoformat(), item["report_date"].date().isoformat(), item["lead_agency"],
                None if pd.isna(item["province_code"]) else item["province_code"])
    if kind == "not_reporting":
        return (kind, item["unit"], item["period"].isoformat(), item["count"], item["total"], tuple(item["communes"]))
    below = item.get("below")
    return (kind, item["unit"], item["indicator"], item["target_unit"], item.get("current"), item.get("projected"),
            item.get("path"), item.get("below_path_now"),
            None if below is None else (below[0], below[1], tuple(below[2])))


def differences(name: str, project: Any, naive: Any, path: str = "") -> list[str]:
    """Where two figures differ (integers, dates and texts exactly, floats to REL_TOL)."""
    where = f"{name}{path}"
    if isinstance(project, dict) and isinstance(naive, dict):
        if set(project) != set(naive):
            return [f"{where}: keys {sorted(set(project) ^ set(naive))} only on one side"]
        return [d for key in project for d in differences(name, project[key], naive[key], f"{path}[{key!r}]")]
    if isinstance(project, (list, tuple)) and isinstance(naive, (list, tuple)):
        if len(project) != len(naive):
            return [f"{where}: {len(project)} items (project) vs {len(naive)} (naive)"]
        return [d for index, (a, b) in enumerate(zip(project, naive))
                for d in differences(name, a, b, f"{path}[{index}]")]
    if isinstance(project, float) or isinstance(naive, float):
        if project is None or naive is None:
            return [] if project is None and naive is None else [f"{where}: {project!r} vs {naive!r}"]
        if math.isclose(project, naive, rel_tol=REL_TOL, abs_tol=1e-9):
            return []
        return [f"{where}: {project!r} (project) vs {naive!r} (naive)"]
    if isinstance(project, bool) or isinstance(naive, bool) or project is None or naive is None:
        return [] if project == naive else [f"{where}: {project!r} vs {naive!r}"]
    return [] if project == naive else [f"{where}: {project!r} (project) vs {naive!r} (naive)"]


def _target_view(statuses: dict) -> dict:
    return {code: {**{key: status[key] for key in ("value", "inherited", "path", "met", "on_path", "gap")},
                   "target": status["target"]["id"]}
            for code, status in statuses.items()}


def comparable(project: dict, naive: dict) -> tuple[dict, dict]:
    """Both ways' figures in one shape."""
    left = {
        "as_of": project["as_of"],
        "task_status": project["task_status"],
        "task_status_trend": project["task_status_trend"],
        "indicator_totals": project["indicator_totals"],
        "targets_in_force": [{k: t[k] for k in ("id", "indicator", "unit_code", "value", "date", "baseline_value",
                                                 "baseline_date", "higher_is_better")}
                             for t in project["targets_in_force"]],
        "target_status": _target_view(project["target_status"]),
        "warnings_total": project["warnings_summary"]["total"],
        "warning_counts": early_warnings.warning_counts(project["warnings_summary"]),
        "warnings": [_project_warning(item) for item in project["warnings_summary"]["warnings"]],
    }
    items = naive["warnings"]
    right = {
        "as_of": naive["as_of"],
        "task_status": naive["task_status"],
        "task_status_trend": naive["task_status_trend"],
        "indicator_totals": naive["indicator_totals"],
        "targets_in_force": naive["targets_in_force"],
        "target_status": naive["target_status"],
        "warnings_total": len(items),
        "warning_counts": {kind: sum(1 for item in items if item["kind"] == kind) for kind in early_warnings.KINDS},
        "warnings": [_naive_warning(item) for item in items[:early_warnings.HEAD]],  # the summary's head
    }
    return left, right


def compare(project: dict, naive: dict) -> list[str]:
    """Every difference between the two ways' figures (empty: the same figures)."""
    left, right = comparable(project, naive)
    return [d for name in left for d in differences(name, left[name], right[name])]


# --- computing both ways ----------------------------------------------------------------------------


Timings = dict[str, float]


def _timed(timings: Timings, name: str, compute: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = compute()
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
    return result


def naive_figures(engine, settings: dict, frames: Frames | None = None) -> tuple[dict, Timings]:
    """The overview's figures the naive way; with `frames`, from tables already in memory (a warm dashboard)."""
    timings: Timings = {}
    if frames is None:
        frames = _timed(timings, "load (SELECT * into pandas)", lambda: load(engine))
    naive = _timed(timings, "prepare (counted tasks, communes)", lambda: Naive(frames, settings))
    result: dict[str, Any] = {}
    as_of = result["as_of"] = _timed(timings, "as_of", naive.latest_data_date)
    result["task_status"] = _timed(timings, "task_status", lambda: naive.task_status(as_of))
    result["task_status_trend"] = _timed(timings, "task_status_trend",
                                         lambda: naive.task_status_trend(as_of, TREND_MONTHS))
    totals = result["indicator_totals"] = _timed(timings, "indicator_totals", lambda: naive.indicator_totals(as_of))
    in_force = result["targets_in_force"] = _timed(timings, "targets_in_force", naive.targets_in_force)
    result["target_status"] = _timed(timings, "target_status", lambda: naive.target_status(as_of, totals, in_force))
    # every warning (the summary's head, total and counts are taken from them: compare)
    result["warnings"] = _timed(timings, "warnings_summary", lambda: naive.warnings(as_of, in_force))
    result["frames_mb"] = frames.megabytes()
    result["frames"] = frames
    return result, timings


def overview_calls(as_of: dt.date | None, settings: dict) -> dict[str, tuple[Callable, tuple]]:
    """The figures pages/overview.py reads through figures.cache.read at the nation (without ?compare=),
    with its arguments; the as-of date first (None: only that one is known yet). Checked against a recording
    of the page by tests/integration/test_bench_naive.py."""
    return {
        "as_of": (scope.latest_data_date, ()),
        "task_status": (tasks.task_status, (UNIT, as_of)),
        "task_status_trend": (tasks.task_status_trend, (UNIT, as_of, TREND_MONTHS)),
        "indicator_totals": (indicators.indicator_totals, (UNIT, as_of)),
        "targets_in_force": (targets.targets_in_force, ()),
        "warnings_summary": (early_warnings.warnings_summary, (UNIT, as_of, settings, early_warnings.HEAD)),
    }


def project_figures(engine, settings: dict, read: Callable | None = None) -> tuple[dict, Timings]:
    """The overview's figures from the metric layer: computed by their definitions (cold: no cache), or
    through `read(figure, *args)` (a figures.cache.Reader: the shared rollup cache)."""
    timings: Timings = {}
    result: dict[str, Any] = {}
    indicator_catalogue._CACHE.clear()  # noqa: SLF001 - the process's catalogue cache: cold means empty
    as_of = None
    for name in overview_calls(None, settings):
        figure, args = overview_calls(as_of, settings)[name]
        if read is not None:
            result[name] = _timed(timings, name, lambda f=figure, a=args: read(f, *a))
        else:
            result[name] = _timed(timings, name, lambda f=figure, a=args: f(*a, engine=engine))
        if name == "as_of":
            as_of = result[name]
        if name == "targets_in_force":  # the cards' "đạt / chưa đạt": computed by the page from the two
            result["target_status"] = _timed(timings, "target_status", lambda day=as_of: targets.target_status(
                UNIT, day, result["indicator_totals"], engine=engine, targets=result["targets_in_force"]))
    return result, timings


def peak_mb(compute: Callable[[], Any]) -> float:
    """Peak Python allocation (tracemalloc) while computing; the result is dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        result = compute()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    gc.collect()
    return peak / 2**20


# --- the command ------------------------------------------------------------------------------------


def run(engine, repeat: int = 1, memory: bool = True, shared: bool = False, log=print) -> dict:
    """Both ways `repeat` times (project first, then naive, each pair under the same load), checked equal."""
    if sources.mode(engine) != sources.SUBMITTED:
        raise SystemExit("the naive way counts every stored row: set figures_counted to submitted")
    settings = get_settings(engine)
    version = db.data_version(engine)
    project_runs, naive_runs, warm_runs = [], [], []
    frames = None
    for index in range(repeat):
        with sources.counting(sources.mode_of_version(version)):
            project, project_times = project_figures(engine, settings)
        naive, naive_times = naive_figures(engine, settings)
        frames = naive.pop("frames")
        problems = compare(project, naive)
        if problems:
            raise SystemExit("the naive and the project's figures differ:\n  " + "\n  ".join(problems[:40]))
        _, warm_times = naive_figures(engine, settings, frames)
        project_runs.append(project_times)
        naive_runs.append(naive_times)
        warm_runs.append(warm_times)
        log(f"  run {index + 1}: project cold {sum(project_times.values()):.2f} s, naive "
            f"{sum(naive_times.values()):.2f} s (same figures: {len(comparable(project, naive)[0])} compared, "
            f"{project['warnings_summary']['total']} warnings)")
    report: dict[str, Any] = {
        "backend": engine.dialect.name, "as_of": project["as_of"].isoformat(), "repeat": repeat,
        "load_average": os.getloadavg()[0], "cpus": os.cpu_count(),
        "project_cold": _median(project_runs), "naive_cold": _median(naive_runs),
        "naive_warm": _median(warm_runs), "frames_mb": naive["frames_mb"],
        "rows": {"task": len(frames.tasks), "task_report": len(frames.reports),
                 "indicator_value": len(frames.values)},
        "warnings": project["warnings_summary"]["total"],
        "load_by_table": frames.load_seconds,
    }
    if shared:
        reader = cache.Reader(engine)
        project_figures(engine, settings, read=reader)  # fills the rollup cache (writes to the database)
        report["project_shared"] = _median([project_figures(engine, settings, read=reader)[1]
                                            for _ in range(repeat)])
    if memory:
        del frames
        with sources.counting(sources.mode_of_version(version)):
            report["project_peak_mb"] = peak_mb(lambda: project_figures(engine, settings))
        report["naive_peak_mb"] = peak_mb(lambda: naive_figures(engine, settings))
    return report


def _median(runs: list[Timings]) -> Timings:
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


def print_report(report: dict) -> None:
    project, naive, warm = report["project_cold"], report["naive_cold"], report["naive_warm"]
    shared = report.get("project_shared")
    total_project, total_naive = sum(project.values()), sum(naive.values())
    print(f"\n{report['backend']}, as of {report['as_of']}: {report['rows']['task']:,} tasks, "
          f"{report['rows']['task_report']:,} reports, {report['rows']['indicator_value']:,} indicator values; "
          f"median of {report['repeat']}; load average now {report['load_average']:.1f} on {report['cpus']} CPUs")
    print(f"{'figure':<36} {'project cold s':>15} {'naive s':>10}" + (f" {'project shared s':>17}" if shared else ""))
    for name in dict.fromkeys([*naive, *project]):
        line = f"{name:<36} {_s(project.get(name)):>15} {_s(naive.get(name)):>10}"
        print(line + (f" {_s(shared.get(name)):>17}" if shared else ""))
    print(f"{'total':<36} {total_project:>15.2f} {total_naive:>10.2f}"
          + (f" {sum(shared.values()):>17.3f}" if shared else ""))
    print("naive load by table (s): " + ", ".join(f"{table} {seconds:.2f}"
                                                  for table, seconds in report["load_by_table"].items()))
    print(f"\nnaive / project (cold): {total_naive / total_project:.1f}x  "
          f"({total_naive:.2f} s against {total_project:.2f} s)")
    warm_total = sum(warm.values())
    print(f"naive warm (tables already in memory, only pandas): {warm_total:.2f} s"
          + (f"; project shared: {sum(shared.values()):.3f} s ({warm_total / sum(shared.values()):.0f}x)"
             if shared else ""))
    if "naive_peak_mb" in report:
        print(f"peak Python memory: project {report['project_peak_mb']:.1f} MB, naive "
              f"{report['naive_peak_mb']:.1f} MB ({report['naive_peak_mb'] / report['project_peak_mb']:.0f}x); "
              f"the naive frames themselves {report['frames_mb']:.0f} MB (held by each app process)")
    else:
        print(f"the naive frames: {report['frames_mb']:.0f} MB (held by each app process)")
    summary = {"naive_s": round(total_naive, 2), "project_cold_s": round(total_project, 2),
               "ratio": round(total_naive / total_project, 1), "naive_warm_s": round(warm_total, 2),
               "project_shared_s": round(sum(shared.values()), 3) if shared else None,
               "naive_peak_mb": round(report.get("naive_peak_mb", 0), 1) or None,
               "project_peak_mb": round(report.get("project_peak_mb", 0), 1) or None,
               "frames_mb": round(report["frames_mb"], 1), "load_average": round(report["load_average"], 1)}
    print(json.dumps(summary))


def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", nargs="?", const=os.environ.get("TEST_DATABASE_URL", ""),
                        help="the PostgreSQL server (default: $TEST_DATABASE_URL); database nq57_bench (the default)")
    parser.add_argument("--small", action="store_true", help="the small sample on SQLite (generated if absent)")
    parser.add_argument("--sqlite", action="store_true", help="the national-scale SQLite file of benchmarks/out/")
    parser.add_argument("--url", help="any database's SQLAlchemy URL")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the (untimed) peak-memory runs")
    parser.add_argument("--shared", action="store_true",
                        help="also time the project's figures once shared (writes the rollup cache)")
    args = parser.parse_args(argv)
    if args.url:
        url = args.url
    elif args.small or args.sqlite:
        from benchmarks.bench_pages import prepare_database

        url = national_scale.sqlite_url(args.small)
        prepare_database(url, args.small, False)
    else:
        server = args.pg or os.environ.get("TEST_DATABASE_URL") or "postgresql://root@127.0.0.1:5432/postgres"
        url = national_scale.postgres_url(server, "nq57_bench")
    engine = db.make_engine(url)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {url.split('@')[-1]}", flush=True)
    try:
        report = run(engine, args.repeat, memory=not args.no_memory, shared=args.shared,
                     log=lambda text: print(text, flush=True))
    finally:
        engine.dispose()
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
