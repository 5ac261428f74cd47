"""The leader's page ("Bảng điều hành") each unit designs: an ordered list of blocks, each a kind and
its options, saved per unit (the nation, a province, a commune) in the table `leader_board`.

    kpis         {"items": [code, …]}        cards for task figures and indicators, with the target and
                                              whether it is met where the indicator has one
    task_status  {"plans": [code, …]}         task status of the chosen plans, each counted as the plan
                                              filter counts it ([]: the national plans, as every headline)
    warnings     {"count": N}                 the unit's N most urgent early warnings
    ranking      {"metric": code}             the units below ranked on a task metric or an indicator
    trend        {"indicator": code}          the monthly trend of an indicator ("tasks": task status)
    map          {"metric": code}             the units below on the map

A unit that saved nothing shows DEFAULT_BLOCKS. Anyone who may read the unit reads its page; only its
administrators (role admin whose scope is the unit or a unit above it) change it, checked here for
every caller; every change, and every refused attempt, is audited ("leader_board_changed").

The indicator catalogue, the targets and the plans are read through `indicator_codes`,
`indicator_target` and `plan_codes`, one function each, so that their later homes (a catalogue in the
database, targets per unit, province programmes) replace one function each.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, TypedDict

from sqlalchemy import Engine, delete, insert, select, update

from data_loaders.figures import early_warnings
from data_loaders.figures import plans as plan_figures
from data_loaders.figures import targets as target_figures
from data_loaders.figures.scope import UnitInfo, UnknownUnit, get_unit
from data_loaders.figures.targets import TargetInForce
from data_loaders.identity import access, audit
from data_loaders.identity.accounts import Account, AccountError, get_account
from data_loaders.store import engine as db
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import LeaderBoard

KINDS = ("kpis", "task_status", "warnings", "ranking", "trend", "map")
TASK_KPIS = ("tasks_total", "completed", "on_schedule", "overdue", "on_time_rate")
TASK_METRICS = ("on_time_rate", "overdue", "overdue_rate", "tasks_total")  # what a ranking or map can show
TASK_TREND = "tasks"
MAX_BLOCKS = 12
MAX_KPIS = 8
MAX_WARNINGS = early_warnings.HEAD  # a block shows the head of the warnings summary

DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "kpis": {"items": ["on_time_rate", "fiveg_stations", "fiveg_coverage_pct"]},
    "task_status": {"plans": []},
    "warnings": {"count": 3},
    "ranking": {"metric": "on_time_rate"},
    "trend": {"indicator": "fiveg_coverage_pct"},
    "map": {"metric": "fiveg_coverage_pct"},
}
# The page of a unit that chose nothing: KPIs for tasks and 5G (the on-time rate, 5G stations, 5G
# coverage against its target; the task counts are the task-status block's), task status, the three
# most urgent warnings, the units below ranked by on-time rate, 5G coverage on the map.
DEFAULT_BLOCKS: tuple[dict[str, Any], ...] = tuple(
    {"kind": kind, "options": DEFAULT_OPTIONS[kind]} for kind in ("kpis", "task_status", "warnings", "ranking", "map"))


class Board(TypedDict):
    unit_code: str
    blocks: list[dict[str, Any]]
    custom: bool  # False: the default layout (the unit saved none)
    updated_by: str | None
    updated_at: dt.datetime | None


class BoardRefused(AccountError):
    """A layout refused for what it holds (a message key with its parameters); nothing is saved."""

    default_key = "board_invalid"


# --- the dependencies, one function each ------------------------------------------------------------

def indicator_codes(unit_code: str, engine: Engine | None = None) -> tuple[str, ...]:
    """The indicators a block of this unit may show: the catalogue's in use at the unit (the national
    ones and its province's own; store/indicator_catalogue.py)."""
    return tuple(indicator.code for indicator in indicator_catalogue(engine, scope=unit_code))


def indicator_target(code: str, unit_code: str, engine: Engine | None = None) -> TargetInForce | None:
    """The target an indicator of a unit is measured against, if it has one: its own, else the one it
    inherits (figures/targets.py, the one definition)."""
    return target_figures.target_for(code, unit_code, engine)


def plan_codes(unit_code: str, engine: Engine | None = None) -> tuple[str, ...]:
    """The plans a task-status block of this unit may choose: the national plans and, for a province
    and its communes, the province's own programmes (figures/plans.py)."""
    return tuple(plan.code for plan in plan_figures.visible_plans(unit_code, engine))


def target_met(value: float | None, target: TargetInForce | None) -> bool | None:
    """Whether a value reaches its target in the indicator's good direction (None: no value or no target)."""
    if value is None or target is None:
        return None
    return target_figures.reaches(target["indicator"], value, target["value"])


# --- validation -------------------------------------------------------------------------------------

def _codes(value: Any, allowed: tuple[str, ...], kind: str, option: str, *, least: int, most: int) -> list[str]:
    if not isinstance(value, (list, tuple)) or not least <= len(value) <= most:
        raise BoardRefused("board_bad_count", kind=kind, option=option, least=least, most=most)
    chosen: list[str] = []
    for code in value:
        if not isinstance(code, str) or code not in allowed:
            raise BoardRefused("board_bad_value", kind=kind, option=option, value=str(code))
        if code not in chosen:
            chosen.append(code)
    return chosen


def _code(value: Any, allowed: tuple[str, ...], kind: str, option: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise BoardRefused("board_bad_value", kind=kind, option=option, value=str(value))
    return value


def _options(kind: str, options: dict[str, Any], unit_code: str, engine: Engine | None) -> dict[str, Any]:
    indicators = indicator_codes(unit_code, engine)
    if kind == "kpis":
        return {"items": _codes(options["items"], TASK_KPIS + indicators, kind, "items", least=1, most=MAX_KPIS)}
    if kind == "task_status":
        allowed = plan_codes(unit_code, engine)
        return {"plans": _codes(options["plans"], allowed, kind, "plans", least=0, most=len(allowed))}
    if kind == "warnings":
        count = options["count"]
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_WARNINGS:
            raise BoardRefused("board_bad_count", kind=kind, option="count", least=1, most=MAX_WARNINGS)
        return {"count": count}
    if kind in ("ranking", "map"):
        return {"metric": _code(options["metric"], TASK_METRICS + indicators, kind, "metric")}
    return {"indicator": _code(options["indicator"], (TASK_TREND,) + indicators, kind, "indicator")}


def validate_blocks(blocks: Any, unit_code: str, engine: Engine | None = None) -> list[dict[str, Any]]:
    """The layout as it will be stored: a list of 1–MAX_BLOCKS blocks, each {"kind", "options"} with
    every option of its kind (a missing one takes its default). Raises BoardRefused naming the first
    problem: not a list, too many or no blocks, an unknown kind or option, a value not allowed."""
    if not isinstance(blocks, (list, tuple)):
        raise BoardRefused("board_not_a_list")
    if not blocks:
        raise BoardRefused("board_empty")
    if len(blocks) > MAX_BLOCKS:
        raise BoardRefused("board_too_many_blocks", limit=MAX_BLOCKS)
    layout = []
    for block in blocks:
        kind = block.get("kind") if isinstance(block, dict) else None
        if kind not in KINDS:
            raise BoardRefused("board_unknown_kind", kind=str(kind))
        unknown = set(block) - {"kind", "options"}
        options = block.get("options") or {}
        if unknown or not isinstance(options, dict):
            raise BoardRefused("board_unknown_option", kind=kind, option=", ".join(sorted(map(str, unknown))) or
                               "options")
        extra = set(options) - set(DEFAULT_OPTIONS[kind])
        if extra:
            raise BoardRefused("board_unknown_option", kind=kind, option=", ".join(sorted(map(str, extra))))
        filled = {**copy.deepcopy(DEFAULT_OPTIONS[kind]), **options}
        layout.append({"kind": kind, "options": _options(kind, filled, unit_code, engine)})
    return layout


# --- who may change it --------------------------------------------------------------------------------

def may_edit_board(account: Account | None, unit_code: str) -> bool:
    """The unit's administrators: an enabled admin whose scope is the unit or a unit above it."""
    return (account is not None and not account.disabled and account.role == "admin"
            and access.unit_in_scope(unit_code, account.scope_code))


# --- reading and writing -----------------------------------------------------------------------------

def _unit(unit_code: str, engine: Engine) -> UnitInfo:
    try:
        return get_unit(unit_code, engine)
    except UnknownUnit:
        raise BoardRefused("board_unknown_unit", code=str(unit_code)) from None


def default_blocks(unit: UnitInfo) -> list[dict[str, Any]]:
    """DEFAULT_BLOCKS; a commune has no units below it to rank (its map block places it in its province)."""
    return [copy.deepcopy(block) for block in DEFAULT_BLOCKS if unit.level != "commune" or block["kind"] != "ranking"]


def board(unit_code: str, *, engine: Engine | None = None) -> Board:
    """The unit's page: its saved layout, or the default one."""
    engine = engine or db.get_engine()
    unit = _unit(unit_code, engine)
    with engine.connect() as conn:
        row = conn.execute(select(LeaderBoard.blocks, LeaderBoard.updated_by, LeaderBoard.updated_at)
                           .where(LeaderBoard.unit_code == unit.code)).first()
    if row is None:
        return Board(unit_code=unit.code, blocks=default_blocks(unit), custom=False, updated_by=None, updated_at=None)
    return Board(unit_code=unit.code, blocks=list(row.blocks), custom=True, updated_by=row.updated_by,
                 updated_at=audit.utc(row.updated_at))


def has_board(unit_code: str, *, engine: Engine | None = None) -> bool:
    """Whether the unit saved a page of its own (its accounts then land on it)."""
    with (engine or db.get_engine()).connect() as conn:
        return conn.execute(select(LeaderBoard.unit_code).where(LeaderBoard.unit_code == unit_code)).first() is not None


def _editor(account: Account | None, unit: UnitInfo, engine: Engine, what: str) -> Account:
    """The account as the database holds it now, if it may change the unit's page; a refusal is audited."""
    current = get_account(account.username, engine) if account is not None else None
    if current is None or not may_edit_board(current, unit.code):
        audit.record("leader_board_changed", account.username if account else None, target=f"board:{unit.code}",
                     detail={"unit": unit.code, "change": what, "reason": "not_permitted"}, outcome="refused",
                     engine=engine)
        raise AccountError("not_permitted")
    return current


def save_board(account: Account | None, unit_code: str, blocks: Any, *, engine: Engine | None = None,
               now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Save the unit's layout (validated first: bad input changes nothing) and audit the change with
    the layout before and after. Returns the layout as stored."""
    engine = engine or db.get_engine()
    unit = _unit(unit_code, engine)
    editor = _editor(account, unit, engine, "save")
    layout = validate_blocks(blocks, unit.code, engine)
    values = {"blocks": layout, "updated_by": editor.username, "updated_at": now or dt.datetime.now(dt.timezone.utc)}
    with engine.begin() as conn:
        before = conn.execute(select(LeaderBoard.blocks).where(LeaderBoard.unit_code == unit.code)).scalar()
        if before is None:
            conn.execute(insert(LeaderBoard).values(unit_code=unit.code, **values))
        else:
            conn.execute(update(LeaderBoard).where(LeaderBoard.unit_code == unit.code).values(**values))
        audit.record_in(conn, "leader_board_changed", editor.username, target=f"board:{unit.code}",
                        detail={"unit": unit.code, "change": "save", "before": before, "after": layout})
    return layout


def reset_board(account: Account | None, unit_code: str, *, engine: Engine | None = None) -> None:
    """Drop the unit's layout: its page shows the default again (and its accounts land on the overview)."""
    engine = engine or db.get_engine()
    unit = _unit(unit_code, engine)
    editor = _editor(account, unit, engine, "reset")
    with engine.begin() as conn:
        before = conn.execute(select(LeaderBoard.blocks).where(LeaderBoard.unit_code == unit.code)).scalar()
        if before is None:
            return
        conn.execute(delete(LeaderBoard).where(LeaderBoard.unit_code == unit.code))
        audit.record_in(conn, "leader_board_changed", editor.username, target=f"board:{unit.code}",
                        detail={"unit": unit.code, "change": "reset", "before": before, "after": None})
