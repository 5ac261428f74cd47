"""The plans a unit sees (`visible_plans`): what every plan filter offers (tasks page, warnings,
accountability, the deck's task slides) and what a leader's page may choose its task-status block
from. National plans first, then the unit's province's programmes (all provinces' at the nation);
a province's programme is never offered in another province or its communes. Read it through the
data version's cache (components/cached.visible_plans, figures.cache.Reader): adding or retiring a
plan moves the data version (store/engine.py)."""

from __future__ import annotations

from sqlalchemy import Engine

from data_loaders.figures.scope import connect, get_unit
from data_loaders.store.plans import PlanInfo, visible_in


def visible_plans(unit_code: str, engine: Engine | None = None) -> list[PlanInfo]:
    """The plans of a unit ("VN", a province or a commune, leading zeros optional), retired ones
    included (their tasks keep them). Raises scope.UnknownUnit for an unknown code."""
    unit = get_unit(unit_code, engine)
    with connect(engine) as conn:
        return visible_in(conn, unit.code)


def plan_filter(unit_code: str, plan: str | None, engine: Engine | None = None) -> str | None:
    """`plan` if the unit sees it, else None (no filter: the national plans, scope.counted_tasks): a link
    naming another province's programme, or one that does not exist, shows the unfiltered figures rather
    than an empty page or another province's figures."""
    if not plan:
        return None
    return plan if any(p.code == plan for p in visible_plans(unit_code, engine)) else None
