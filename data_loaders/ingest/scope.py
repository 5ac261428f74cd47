"""The uploader's scope: every row of a restricted person's upload must lie inside what they may
upload, checked against the tasks as stored, inside the commit's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_loaders.i18n.text import fold
from data_loaders.identity import access
from data_loaders.identity.accounts import Account
from data_loaders.ingest.validate import Validated
from data_loaders.store.models import Agency, Task

CHUNK = 5000


def scope_problems(session: Session, account: Account, validated: Validated) -> int:
    """Adds one error per row outside the uploader's scope and returns how many. A task row is
    checked against the unit and lead agency it names, those another row of the file names for
    the same task, and those already stored for the task, so no upload can take over or move
    someone else's task."""
    kind, rows, claims_list = validated.kind, validated.rows, validated.claims or []
    stored: dict[str, tuple[str, str]] = {}
    if kind == "tasks":
        codes = list({claim.task_code for claim in claims_list})
        for start in range(0, len(codes), CHUNK):
            query = (select(Task.code, Task.owner_unit_code, Agency.name).join(Agency, Agency.id == Task.lead_agency_id)
                     .where(Task.code.in_(codes[start:start + CHUNK])))
            stored.update({code: (owner, agency) for code, owner, agency in session.execute(query)})
    claims = {}
    checks = []
    for claim in claims_list:
        claims[claim.excel_row] = claim
        if kind == "tasks":
            declared = validated.tasks[claim.task_code].attributes if claim.task_code in validated.tasks else {}
            known = stored.get(claim.task_code, (None, None))
            units = tuple(dict.fromkeys(u for u in (claim.unit_code, declared.get("owner_unit_code"), known[0]) if u))
            agencies = tuple(dict.fromkeys(a for a in (claim.lead_agency, declared.get("lead_agency"), known[1]) if a))
        else:
            units, agencies = (claim.unit_code,), ()
        checks.append((rows.sheet, claim.excel_row, units, agencies))
    if kind == "indicators" and not checks:
        checks.append((rows.sheet, rows.header_row, (), ()))
    try:
        access.check_upload_rows(account, kind, checks)
    except access.ScopeRefused as refusal:
        problems = validated.problems
        scope_key, scope_params = access.upload_scope_message(account)
        scope = {"key": scope_key, "params": scope_params}
        before = len(problems.errors)
        for (_sheet, excel_row, value), reason in zip(refusal.rows, refusal.reasons):
            if reason == "indicators":
                problems.add(rows.header_row, None, None, "scope_no_indicators", agency=account.agency or "")
                continue
            claim = claims[excel_row]
            if reason == "unit" and value == claim.unit_code:
                problems.add(excel_row, claim.unit_key, claim.unit_cell, "scope_unit_outside",
                             unit={"unit": value}, scope=scope)
            elif reason == "unit":
                problems.add(excel_row, "task_code", claim.task_code, "scope_task_unit_outside",
                             task=claim.task_code, unit={"unit": value}, scope=scope)
            elif claim.lead_agency is not None and fold(claim.lead_agency) == fold(value):
                problems.add(excel_row, "lead_agency", claim.lead_agency, "scope_agency_outside", agency=value,
                             own=account.agency or "")
            else:
                problems.add(excel_row, "task_code", claim.task_code, "scope_task_agency_outside",
                             task=claim.task_code, agency=value, own=account.agency or "")
        return len(problems.errors) - before
    return 0
