"""Targets with a trajectory: the one definition of which target a unit is measured against, where
its path stands at a date, and whether a value meets it.

- A target belongs to an indicator and a unit (the nation, a province, optionally a commune) and has
  a date, a value and optionally a baseline (value and date), so a straight path can be drawn from the
  baseline to the target (table `target`, set with `python -m data_loaders targets set` or on the
  settings page: data_loaders/follow_up/targets.py).
- `target_for(indicator, unit)`: the unit's own target, else its province's, else the nation's —
  national (and provincial) targets roll down as defaults. Only indicators whose value means the same
  at every level roll down (percentages, rolled up weighted by population); a count's target (5G
  stations, enterprises) is its own unit's alone: 20,000 stations nationally is no commune's target.
- `path_value(target, day)`: the trajectory at a date — the baseline before the baseline date, the
  target from the target date on, the straight line in between; None without a baseline.
- `assess(target, value, day)`: "đạt / chưa đạt" (met / not met) — the value against the target (the
  KPI cards, the decks, a leader's page), against the path at the day (on the path or below it), in
  the indicator's direction: higher is better except for the villages still without signal or power
  (`LOWER_IS_BETTER`).

The targets in force are one small query, read through the figures cache like every figure: setting
or removing a target moves the data version (store/engine.py), so no cache outlives a target.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from sqlalchemy import Engine, select

from data_loaders.figures.scope import UnitInfo, connect, get_unit
from data_loaders.i18n.message import Message, Percent, Term
from data_loaders.identity.audit import utc
from data_loaders.store.indicator_catalogue import definition, indicator_by_code
from data_loaders.store.models import NATIONAL_CODE, AdminUnit, Target

# The indicators for which less is better (villages still without mobile signal or grid power); every
# other indicator is better higher. When the indicator catalogue carries `higher_is_better`, this
# lookup is where it is read.
LOWER_IS_BETTER = frozenset({"villages_no_signal", "villages_no_power"})


def higher_is_better(indicator_code: str, engine: Engine | None = None) -> bool:
    """The indicator definition's own `higher_is_better` when it declares one, else `LOWER_IS_BETTER`
    (an added indicator's definition is read from `engine`'s catalogue: the app's database when None)."""
    declared = getattr(definition(indicator_code, engine), "higher_is_better", None)
    return bool(declared) if declared is not None else indicator_code not in LOWER_IS_BETTER


def rolls_down(indicator_code: str, engine: Engine | None = None) -> bool:
    """Whether a province's or the nation's target is also the default of the units below it: true
    for values that mean the same at every level (percentages), false for counts."""
    indicator = definition(indicator_code, engine)
    return indicator is not None and indicator.rollup != "sum"


class TargetInForce(TypedDict):
    id: int
    indicator: str
    unit_code: str  # the unit it was set for (the nation, a province, a commune)
    unit_name: str
    value: float
    date: dt.date
    baseline_value: float | None
    baseline_date: dt.date | None
    higher_is_better: bool
    set_by: str
    set_at: dt.datetime


class TargetStatus(TypedDict):
    """A value against its target at a date: the KPI card's "đạt / chưa đạt"."""
    indicator: str
    value: float | None
    target: TargetInForce
    inherited: bool  # the target was set above the unit (a default rolled down)
    path: float | None  # where the trajectory stands at the date (None without a baseline)
    met: bool | None  # the target value is reached (None: no value)
    on_path: bool | None  # at or beyond the path at the date (None: no value or no path)
    gap: float | None  # how far the value still is from the target, in the indicator's units (0 when met)


def targets_in_force(engine: Engine | None = None) -> list[TargetInForce]:
    """Every target in force, each indicator's national one first, then by unit."""
    query = (select(Target.id, Target.indicator_code, Target.unit_code, Target.target_value, Target.target_date,
                    Target.baseline_value, Target.baseline_date, Target.created_by, Target.created_at,
                    AdminUnit.name.label("unit_name"))
             .outerjoin(AdminUnit, AdminUnit.code == Target.unit_code)
             .where(Target.ended_at.is_(None))
             .order_by(Target.indicator_code, Target.unit_code != NATIONAL_CODE, Target.unit_code))
    with connect(engine) as conn:
        return [{"id": row.id, "indicator": row.indicator_code, "unit_code": row.unit_code,
                 "unit_name": row.unit_name or row.unit_code,
                 "value": float(row.target_value), "date": row.target_date,
                 "baseline_value": None if row.baseline_value is None else float(row.baseline_value),
                 "baseline_date": row.baseline_date,
                 "higher_is_better": higher_is_better(row.indicator_code, engine),
                 "set_by": row.created_by, "set_at": utc(row.created_at)}
                for row in conn.execute(query)]


def resolve(targets: list[TargetInForce], indicator_code: str, unit: UnitInfo,
            engine: Engine | None = None) -> tuple[TargetInForce | None, bool]:
    """The target a unit is measured against among `targets` (those in force), and whether it was
    inherited: its own, else its province's, else the nation's (the last two only for indicators
    that roll down)."""
    own = {t["unit_code"]: t for t in targets if t["indicator"] == indicator_code}
    if unit.code in own:
        return own[unit.code], False
    if not rolls_down(indicator_code, engine):
        return None, False
    for code in (unit.province_code, NATIONAL_CODE):
        if code and code != unit.code and code in own:
            return own[code], True
    return None, False


def target_for(indicator_code: str, unit_code: str, engine: Engine | None = None) -> TargetInForce | None:
    """The target `unit_code` is measured against for an indicator (see `resolve`), or None."""
    return resolve(targets_in_force(engine), indicator_code, get_unit(unit_code, engine), engine)[0]


def _in_catalogue_order(engine: Engine | None) -> list[str]:
    """The codes of the catalogue's indicators in use (not retired), in its order."""
    return [code for code, indicator in indicator_by_code(engine).items() if not indicator.retired]


def targeted_indicators(targets: list[TargetInForce], unit: UnitInfo, engine: Engine | None = None) -> list[str]:
    """The indicators a unit's warnings look at, in catalogue order: at a commune those with a target
    for it; above, every indicator with a target in force anywhere (one below it may have its own)."""
    if unit.level == "commune":
        wanted = {t["indicator"] for t in targets if resolve(targets, t["indicator"], unit, engine)[0] is not None}
    else:
        wanted = {t["indicator"] for t in targets}
    return [code for code in _in_catalogue_order(engine) if code in wanted]


def path_value(target: TargetInForce, day: dt.date) -> float | None:
    """The trajectory at a date: a straight line from the baseline to the target (None without one)."""
    start, first = target["baseline_date"], target["baseline_value"]
    if start is None or first is None:
        return None
    end, last = target["date"], target["value"]
    if day <= start:
        return first
    if day >= end or end <= start:
        return last
    return first + (last - first) * (day - start).days / (end - start).days


def path_points(target: TargetInForce) -> list[tuple[dt.date, float]]:
    """The trajectory's two ends (a chart draws the line between them); only the target without a baseline."""
    if target["baseline_date"] is None or target["baseline_value"] is None:
        return [(target["date"], target["value"])]
    return [(target["baseline_date"], target["baseline_value"]), (target["date"], target["value"])]


def reaches(indicator_code: str, value: float, threshold: float, engine: Engine | None = None) -> bool:
    """Whether `value` is at or beyond `threshold` in the indicator's good direction."""
    return value >= threshold if higher_is_better(indicator_code, engine) else value <= threshold


def assess(target: TargetInForce, value: float | None, day: dt.date, inherited: bool = False,
           engine: Engine | None = None) -> TargetStatus:
    """A value of the target's indicator at `day` against the target and its path."""
    indicator = target["indicator"]
    path = path_value(target, day)
    if value is None:
        return {"indicator": indicator, "value": None, "target": target, "inherited": inherited, "path": path,
                "met": None, "on_path": None, "gap": None}
    met = reaches(indicator, value, target["value"], engine)
    return {"indicator": indicator, "value": value, "target": target, "inherited": inherited, "path": path,
            "met": met, "on_path": None if path is None else reaches(indicator, value, path, engine),
            "gap": 0.0 if met else abs(target["value"] - value)}


def target_status(unit_code: str, as_of: dt.date, values: dict[str, float | None],
                  engine: Engine | None = None,
                  targets: list[TargetInForce] | None = None) -> dict[str, TargetStatus]:
    """Every indicator of a unit that has a target, as "value vs target, met or not" at a date, from
    the unit's indicator values at that date (`figures.indicators.indicator_totals`): what a KPI card,
    a slide or a leader's page shows. Pass `targets` (the cached `targets_in_force`) to skip the query."""
    unit = get_unit(unit_code, engine)
    targets = targets_in_force(engine) if targets is None else targets
    result: dict[str, TargetStatus] = {}
    for code in _in_catalogue_order(engine):
        target, inherited = resolve(targets, code, unit, engine)
        if target is not None:
            result[code] = assess(target, values.get(code), as_of, inherited, engine)
    return result


# --- how a target reads (message keys and parameters; the page, the deck or the CLI renders them) ---

# Each indicator as a sentence names it mid-sentence ("Lâm Đồng: phủ sóng 5G 18,7% …").
SUBJECTS = {
    "population": "target_subject_population",
    "fiveg_stations": "target_subject_fiveg_stations",
    "fiveg_coverage_pct": "target_subject_fiveg_coverage_pct",
    "fiber_coverage_pct": "target_subject_fiber_coverage_pct",
    "villages_no_signal": "target_subject_villages_no_signal",
    "villages_no_power": "target_subject_villages_no_power",
    "st_enterprises": "target_subject_st_enterprises",
    "high_tech_enterprises": "target_subject_high_tech_enterprises",
    "digital_tech_enterprises": "target_subject_digital_tech_enterprises",
    "ai_experts": "target_subject_ai_experts",
}


def subject(indicator_code: str) -> Term | str:
    return Term(SUBJECTS[indicator_code]) if indicator_code in SUBJECTS else indicator_code


def is_percent(indicator_code: str, engine: Engine | None = None) -> bool:
    indicator = definition(indicator_code, engine)
    return indicator is not None and indicator.percent


def amount(indicator_code: str, value: float, decimals: int | None = 1) -> Percent | float:
    """A value as a message parameter: a percentage with `decimals` (None: none when it is whole, like a
    target of 90%), or a number."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    if is_percent(indicator_code):
        return Percent(value, decimals)
    return float(round(value, decimals))


def status_messages(status: TargetStatus) -> list[Message]:
    """A KPI card's "đạt / chưa đạt", as parts an edge joins with " · ": "Chưa đạt mục tiêu 90% đến
    31/12/2025: còn thiếu 63,5 điểm %", "dưới lộ trình (45,2%)", "mục tiêu của Toàn quốc"."""
    target, indicator = status["target"], status["indicator"]
    params = {"target": amount(indicator, target["value"], None), "date": target["date"]}
    if status["met"] is None:
        parts = [Message("kpi_target", params)]
    elif status["met"]:
        parts = [Message("kpi_target_met", params)]
    else:
        gap = float(round(status["gap"] or 0.0, 1))
        parts = [Message("kpi_target_not_met_points" if is_percent(indicator) else "kpi_target_not_met",
                         {**params, "gap": gap})]
    if status["on_path"] is not None and not status["met"]:
        parts.append(Message("kpi_target_on_path" if status["on_path"] else "kpi_target_below_path",
                             {"path": amount(indicator, round(status["path"], 1))}))
    if status["inherited"]:
        # the nation's in words of its own ("the national target"), not "Nationwide's target"
        parts.append(Message("kpi_target_from_national") if target["unit_code"] == NATIONAL_CODE
                     else Message("kpi_target_from", {"unit": target["unit_name"]}))
    return parts


def target_item(target: TargetInForce) -> Message:
    """A target in a list: "phủ sóng 5G 90% đến 31/12/2025"."""
    return Message("target_item", {"indicator": subject(target["indicator"]),
                                   "target": amount(target["indicator"], target["value"], None),
                                   "date": target["date"]})
