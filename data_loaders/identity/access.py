"""Who may do what: the one place that decides it. Pages use `may` to show or hide what a person
may not use; every write in data_loaders calls `check_permission` (and the importer
`check_upload_rows`) again, so no page or command can bypass it.

Scopes: "VN" is everything; a province code is that province and its communes; a commune code is
that commune only. A reporter uploads inside its scope; a ministry reporter (scope "VN" and an
agency) uploads only rows of tasks its agency leads, and no indicator sheets. Administrators may
do everything; viewers only read. Nobody signed in may read (and export) only when the setting
public_read_only is on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Engine

from data_loaders.i18n import DEFAULT_LANGUAGE, t
from data_loaders.i18n.text import fold
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.units.divisions import Unit, all_units, candidate_codes

ACTIONS = ("view", "upload", "manage_accounts", "manage_settings", "read_audit", "export", "approve",
           "manage_indicators")
_ROLE_ACTIONS = {
    "viewer": frozenset({"view", "export"}),
    "reporter": frozenset({"view", "export", "upload"}),
    "approver": frozenset({"view", "export", "approve"}),
    "admin": frozenset(ACTIONS),
}
_PUBLIC_ACTIONS = frozenset({"view", "export"})
# A province's administrator (role admin, scope a province): everything inside its province (reading,
# uploading, its own indicators), but accounts, settings and the audit trail are the national
# administrators' alone.
_PROVINCE_ADMIN_ACTIONS = frozenset({"view", "export", "upload", "manage_indicators"})


def is_national_admin(account: Account | None) -> bool:
    return account is not None and account.role == "admin" and account.scope_code == NATIONAL_CODE


class ScopeRefused(AccountError):
    """An upload refused whole: `rows` lists (sheet, excel_row, unit code or agency name) of each
    offending row and `reasons` says for each whether the unit, the agency or the sheet kind
    ("indicators") is outside the uploader's scope."""

    default_key = "scope_refused"

    def __init__(self, rows: list[tuple[str, int | None, str]], reasons: list[str]) -> None:
        super().__init__("scope_refused", count=len(rows))
        self.rows = rows
        self.reasons = reasons


@functools.cache
def _units() -> dict[str, Unit]:
    return {unit.code: unit for unit in all_units()}


def may(account: Account | None, action: str, *, public_read_only: bool = False) -> bool:
    """Whether this person (None: nobody signed in) may do this action at all."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if account is None:
        return public_read_only and action in _PUBLIC_ACTIONS
    if account.disabled:
        return False
    if account.role == "admin" and account.scope_code != NATIONAL_CODE:
        return action in _PROVINCE_ADMIN_ACTIONS
    return action in _ROLE_ACTIONS.get(account.role, frozenset())


def check_permission(account: Account | None, action: str, *, engine: Engine | None = None) -> None:
    """Raise AccountError("not_permitted") unless `may`; for nobody signed in, the setting
    public_read_only is read from the database."""
    public_read_only = False
    if account is None and action in _PUBLIC_ACTIONS:
        from data_loaders.store.settings import get_settings

        public_read_only = bool(get_settings(engine)["public_read_only"])
    if not may(account, action, public_read_only=public_read_only):
        raise AccountError("not_permitted")


def viewable_scope(account: Account | None) -> str:
    """The unit a person reads: administrators and the public national view read "VN"."""
    if account is None or is_national_admin(account):
        return NATIONAL_CODE
    return account.scope_code


def unit_in_scope(unit_code: str | None, scope_code: str) -> bool:
    """True for the scope itself and, for a province or the nation, every unit inside it."""
    if unit_code is None:
        return False
    if scope_code == NATIONAL_CODE:
        return unit_code in _units()
    if unit_code == scope_code:
        return True
    unit, scope = _units().get(unit_code), _units().get(scope_code)
    return unit is not None and scope is not None and scope.level == "province" and unit.province_code == scope_code


def may_view_unit(account: Account | None, unit_code: str, engine: Engine | None = None) -> bool:
    """Whether a unit lies inside what this person may read (the unit itself is checked against
    the catalogue of units; `engine` is accepted for symmetry and not needed)."""
    if account is not None and account.disabled:
        return False
    try:
        candidates = candidate_codes(unit_code)
    except ValueError:
        return False
    code = next((c for c in candidates if c in _units()), None)
    return unit_in_scope(code, viewable_scope(account))


@dataclass(frozen=True)
class UploadScope:
    """What an upload may touch; `agency` is set for a ministry reporter."""

    unit_code: str
    agency: str | None

    @property
    def unrestricted(self) -> bool:
        return self.unit_code == NATIONAL_CODE and self.agency is None

    def allows_unit(self, unit_code: str | None) -> bool:
        return unit_in_scope(unit_code, self.unit_code)

    def allows_agency(self, agency: str | None) -> bool:
        return self.agency is None or (agency is not None and fold(agency) == fold(self.agency))

    @property
    def allows_indicators(self) -> bool:
        return self.agency is None


def upload_scope(account: Account) -> UploadScope:
    """Raises AccountError("not_permitted") for anyone who may not upload."""
    check_permission(account, "upload")
    if account.role == "admin":
        return UploadScope(account.scope_code, None)
    return UploadScope(account.scope_code, account.agency or None)


def check_upload_rows(account: Account, kind: str, rows: Iterable[tuple[str, int | None, tuple, tuple]]) -> None:
    """Check every row of an upload against the uploader's scope. `rows` holds (sheet, excel_row,
    unit codes the row touches, lead agencies the row touches); a task row touches both the unit
    and agency it names and those already stored for its task, so no row can move a task into or
    out of someone's scope. Raises ScopeRefused naming every offending row (all of them, not the
    first), or AccountError("not_permitted") for a person who may not upload."""
    scope = upload_scope(account)
    if scope.unrestricted:
        return
    refused: list[tuple[str, int | None, str]] = []
    reasons: list[str] = []
    if kind == "indicators" and not scope.allows_indicators:
        rows = list(rows)
        sheet = rows[0][0] if rows else ""
        raise ScopeRefused([(sheet, None, scope.agency or "")], ["indicators"])
    for sheet, excel_row, units, agencies in rows:
        bad_unit = next((code for code in units if code is not None and not scope.allows_unit(code)), None)
        if bad_unit is not None:
            refused.append((sheet, excel_row, bad_unit))
            reasons.append("unit")
            continue
        if kind == "tasks" and scope.agency is not None:
            # a new task without a lead agency is refused by validation, which names the missing cell
            bad_agency = next((name for name in agencies if not scope.allows_agency(name)), None)
            if bad_agency is not None:
                refused.append((sheet, excel_row, bad_agency))
                reasons.append("agency")
    if refused:
        raise ScopeRefused(refused, reasons)


def may_approve_unit(account: Account | None, unit_code: str) -> bool:
    """Whether this person may approve, return or unlock the unit's monthly submissions: the level
    directly above decides — an approver whose scope is a province for that province's communes, an
    approver whose scope is the nation ("VN") for the provinces; administrators for any province or
    commune. Nobody approves the nation itself, and a reporter never approves (see ingest/approvals.py
    for why approval is a role of its own)."""
    unit = _units().get(unit_code)
    if account is None or unit is None or unit.level == "national" or not may(account, "approve"):
        return False
    if account.role == "admin":
        return True
    parent = NATIONAL_CODE if unit.level == "province" else unit.province_code
    return account.scope_code == parent


def unit_label(unit_code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """"Xã Xuân Hương (24781, Lâm Đồng)": a unit as a message names it."""
    unit = _units().get(unit_code)
    if unit is None:
        return unit_code
    if unit.level == "national":
        return t("national", lang)
    if unit.level == "commune":
        province = _units().get(unit.province_code)
        return f"{unit.name} ({unit.code}, {province.name if province else unit.province_code})"
    return f"{unit.name} ({unit.code})"


def upload_scope_label(account: Account | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """What this person may upload, in words: "Tỉnh Lâm Đồng và các xã, phường trực thuộc" etc."""
    key, params = upload_scope_message(account)
    return t(key, lang, **params)


def upload_scope_message(account: Account | None) -> tuple[str, dict[str, str]]:
    """upload_scope_label as a catalogue key and its parameters (what an upload problem stores)."""
    if account is None or not may(account, "upload"):
        return "scope_label_none", {}
    scope = upload_scope(account)
    if account.role == "admin" and scope.unrestricted:
        return "scope_label_admin", {}
    if scope.agency is not None:
        return "scope_label_agency", {"agency": scope.agency}
    unit = _units().get(scope.unit_code)
    if unit is None or unit.level == "national":
        return "scope_label_national", {}
    if unit.level == "province":
        return "scope_label_province", {"unit": unit.name}
    province = _units().get(unit.province_code)
    return "scope_label_commune", {"unit": unit.name, "province": province.name if province else ""}


def may_manage_targets(account: Account | None, unit_code: str) -> bool:
    """Whether this person may set or remove an indicator's target for a unit: an administrator
    whose scope holds the unit — a national administrator any unit, a province's administrator (role
    admin, scope that province) the province and its communes, a commune's its commune."""
    if account is None or account.disabled or account.role != "admin":
        return False
    return unit_in_scope(unit_code, account.scope_code)
