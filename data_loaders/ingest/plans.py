"""A task's plan against the catalogue as stored: a province's programme holds only tasks of that
province (its own and its communes'), and a retired plan takes no new task. Checked after the rows
are validated and before the commit, read-only, so these errors come with the file's other errors,
each naming the cell (the plan cell, or the unit cell when the file moves a programme's task)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from data_loaders.ingest.validate import Validated
from data_loaders.store.catalogue import Term
from data_loaders.store.models import AdminUnit, Task
from data_loaders.store.plans import PlanInfo

CHUNK = 5000


def plan_terms(plans: list[PlanInfo]) -> tuple[Term, ...]:
    """The catalogue as the validator's choice lookup takes it (a plan cell may give its code or name)."""
    return tuple(Term(plan.code, plan.name_vi, plan.name_en) for plan in plans)


def plan_problems(connection: Connection, validated: Validated, plans: list[PlanInfo]) -> int:
    """Adds an error for each task whose plan is another province's programme (or whose file moves a
    programme's task out of its province), and for each task newly put in a retired plan; returns how many."""
    if validated.kind != "tasks" or not validated.tasks:
        return 0
    by_code = {plan.code: plan for plan in plans}
    tasks = validated.tasks
    stored: dict[str, tuple[str, str]] = {}
    codes = list(tasks)
    for start in range(0, len(codes), CHUNK):
        query = select(Task.code, Task.owner_unit_code, Task.plan).where(Task.code.in_(codes[start:start + CHUNK]))
        stored.update({code: (owner, plan) for code, owner, plan in connection.execute(query)})
    owners = {task.attributes.get("owner_unit_code") or stored.get(code, (None, None))[0]
              for code, task in tasks.items()}
    provinces = dict(connection.execute(select(AdminUnit.code, AdminUnit.province_code)
                                        .where(AdminUnit.code.in_([o for o in owners if o]))).all())
    problems = validated.problems
    rows = _Rows(validated.rows)
    before = len(problems.errors)
    for code, task in tasks.items():
        stored_owner, stored_plan = stored.get(code, (None, None))
        plan_code = task.attributes.get("plan") or stored_plan
        plan = by_code.get(plan_code) if plan_code else None
        if plan is None:
            continue
        owner = task.attributes.get("owner_unit_code") or stored_owner
        in_file = "plan" in task.rows
        if plan.owner_province_code is not None and owner and provinces.get(owner) != plan.owner_province_code:
            if in_file:
                excel_row, key = task.rows["plan"], "plan"
            else:
                excel_row, key = task.rows.get("owner_unit_code", task.first_row), _unit_key(rows, task)
            problems.add(excel_row, key, _cell(rows, excel_row, key), "plan_err_outside_province",
                         plan=plan.code, province={"unit": plan.owner_province_code}, unit={"unit": owner})
            continue
        if plan.retired and in_file and stored_plan != plan.code:
            problems.add(task.rows["plan"], "plan", _cell(rows, task.rows["plan"], "plan"), "plan_err_retired",
                         plan=plan.code)
    return len(problems.errors) - before


class _Rows:
    """The raw cells of an Excel row, indexed on first use (only a file with a plan error needs them)."""

    def __init__(self, rows) -> None:
        self.rows = rows
        self._by_number: dict[int, dict] | None = None

    def raw(self, excel_row: int) -> dict:
        if self._by_number is None:
            self._by_number = dict(self.rows.rows)
        return self._by_number.get(excel_row, {})


def _unit_key(rows: _Rows, task) -> str:
    raw = rows.raw(task.rows.get("owner_unit_code", task.first_row))
    for key in ("commune_code", "commune_name", "province_code", "province_name"):
        if raw.get(key) not in (None, ""):
            return key
    return "province_name"


def _cell(rows: _Rows, excel_row: int, key: str) -> object:
    return rows.raw(excel_row).get(key)
