"""Thresholds an administrator can change: the warning windows, the quality-score
scales. Defaults live here in code; the `setting` table holds only the values someone changed
(with who and when). Every reader calls `get_settings(engine)`; nothing else hard-codes them.

    python -m data_loaders settings                       # print every setting
    python -m data_loaders settings --set stalled_days=45  # change one (validated)

Who may change a setting, and the audit entry of each change, belong to identity
(`data_loaders.identity.admin.change_setting`); this module only reads, validates and writes.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Connection, Engine, insert, select, update

from data_loaders.store import engine as db
from data_loaders.store.models import Setting


class InvalidSetting(ValueError):
    """An unknown key or a value out of range; the message says which and why."""


@dataclass(frozen=True)
class SettingDef:
    key: str
    kind: type  # int | float | bool | str | dt.date
    minimum: Any
    maximum: Any
    help: str
    choices: tuple[str, ...] = ()  # for text: the only values allowed, if any


    def parse(self, raw: Any) -> Any:
        """A value from JSON or the command line, checked; raises InvalidSetting."""
        if self.kind is str:
            value = raw.strip() if isinstance(raw, str) else None
            if self.choices and value not in self.choices:
                raise InvalidSetting(f"{self.key}: {raw!r} must be one of {', '.join(self.choices)}")
            if value is None or len(value) > self.maximum or not value.startswith(self.minimum):
                raise InvalidSetting(f"{self.key}: {raw!r} must be text starting with {self.minimum!r}, "
                                     f"at most {self.maximum} characters")
            return value
        try:
            if self.kind is dt.date:
                value = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
            elif self.kind is bool:
                value = _parse_bool(raw)
            elif self.kind is int:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError(raw)
                value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
            else:
                if isinstance(raw, bool):
                    raise ValueError(raw)
                value = float(str(raw).strip()) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise InvalidSetting(f"{self.key}: {raw!r} is not a valid {self.kind.__name__}") from None
        if self.kind is not bool and not (self.minimum <= value <= self.maximum):
            raise InvalidSetting(f"{self.key}: {value} is outside {self.minimum} … {self.maximum}")
        return value

    def to_json(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ValueError(raw)


DEFINITIONS: tuple[SettingDef, ...] = (
    SettingDef("due_soon_days", int, 1, 365, "warn about tasks due within this many days that are behind pace"),
    SettingDef("stalled_days", int, 1, 365, "a task with no report for more than this many days is stalled"),
    # Targets (5G coverage 90% by 31/12/2025 …) are no settings: they are data of their own, per indicator
    # and unit, with a path (table `target`, data_loaders/figures/targets.py).
    SettingDef("trend_months", int, 2, 36, "months of history a target's projection is fitted on"),
    SettingDef("tasks_start_date", dt.date, dt.date(2000, 1, 1), dt.date(2100, 12, 31),
               "no task can be reported on before this date (Resolution 57 was issued on 22 Dec 2024)"),
    SettingDef("live_full_days", int, 0, 3650, "'live' scores 100 when the last report is at most this many days old"),
    SettingDef("live_zero_days", int, 1, 3650, "'live' scores 0 when the last report is this many days old or more"),
    SettingDef("clean_resolved_weight", float, 0.0, 1.0,
               "share of a duplicate or conflict that still counts against 'clean' once resolved"),
    SettingDef("attention_count", int, 1, 34, "provinces named as needing attention on the national scorecard"),
    # For str settings, minimum is the required prefix and maximum the longest length.
    SettingDef("public_base_url", str, "http", 300,
               "address of this dashboard as people reach it (QR codes and shared links point here)"),
    SettingDef("public_read_only", bool, False, True,
               "anyone may read the national view without signing in (nobody may change anything)"),
    SettingDef("lockout_attempts", int, 1, 100, "failed sign-ins in a row that lock an account"),
    SettingDef("lockout_minutes", int, 1, 1440, "how long a locked account stays locked"),
    SettingDef("session_minutes", int, 5, 10080, "a sign-in expires after this many minutes"),
    SettingDef("rejected_file_retention_days", int, 1, 3650,
               "days a rejected file's bytes are kept after the last attempt that sent them (the history row stays)"),
    SettingDef("report_due_day", int, 1, 28,
               "each month's report is due on this day of the following month (5: June is due on 5 July)"),
    # E-mail digests (python -m data_loaders digest --send): the SMTP server; its password, if it needs
    # one, comes from the environment (NQ57_SMTP_PASSWORD), never from the database.
    SettingDef("smtp_host", str, "", 253, "SMTP server that sends the digests (empty: no e-mail is sent)"),
    SettingDef("smtp_port", int, 1, 65535, "SMTP server port (25, 465 for SSL, 587 for STARTTLS)"),
    SettingDef("smtp_security", str, "", 10, "none, starttls or ssl", choices=("none", "starttls", "ssl")),
    SettingDef("smtp_sender", str, "", 254, "the From address of the digests"),
    SettingDef("smtp_username", str, "", 254, "SMTP user name, if the server asks for one"),
    # What leaders' views count (figures/sources.py): every submitted figure, approved or not (marked as
    # such), or only the units and months their approver approved (ingest/approvals.py).
    SettingDef("figures_counted", str, "", 10, "submitted: every submitted figure counts (those not yet approved "
               "are marked); approved: only approved figures count", choices=("submitted", "approved")),
)
DEFINITION_BY_KEY = {d.key: d for d in DEFINITIONS}


def defaults() -> dict[str, Any]:
    return {
        "due_soon_days": 30,
        "stalled_days": 30,
        "trend_months": 6,
        "tasks_start_date": dt.date(2024, 12, 22),
        "live_full_days": 31,
        "live_zero_days": 180,
        "clean_resolved_weight": 0.25,
        "attention_count": 5,
        "public_base_url": "http://localhost:8501",
        "public_read_only": False,
        "lockout_attempts": 5,
        "lockout_minutes": 15,
        "session_minutes": 480,
        "rejected_file_retention_days": 30,
        "report_due_day": 5,
        "smtp_host": "",
        "smtp_port": 25,
        "smtp_security": "none",
        "smtp_sender": "",
        "smtp_username": "",
        "figures_counted": "submitted",
    }


def get_settings(engine: Engine | None = None) -> dict[str, Any]:
    """Every setting: the stored value where one was set (and is still valid), else the default."""
    engine = engine or db.get_engine()
    with engine.connect() as conn:
        return _values(conn)


def _values(connection: Connection) -> dict[str, Any]:
    values = defaults()
    for key, raw in connection.execute(select(Setting.key, Setting.value)):
        definition = DEFINITION_BY_KEY.get(key)
        if definition is None:
            continue
        try:
            values[key] = definition.parse(raw)
        except InvalidSetting:
            continue  # a value made invalid by a later rule: fall back to the default
    _check_consistent(values)
    return values


def _check_consistent(values: dict[str, Any]) -> None:
    if values["live_zero_days"] <= values["live_full_days"]:
        values["live_zero_days"] = values["live_full_days"] + 1


def validate(key: str, value: Any) -> Any:
    """The parsed value of one setting; raises InvalidSetting for an unknown key or a bad value."""
    definition = DEFINITION_BY_KEY.get(key)
    if definition is None:
        raise InvalidSetting(f"unknown setting {key!r}; known: {', '.join(DEFINITION_BY_KEY)}")
    return definition.parse(value)


@dataclass(frozen=True)
class SettingChange:
    """One stored change, as JSON values (for the audit trail)."""

    key: str
    value: Any
    old_json: Any
    new_json: Any


def write_setting(connection: Connection, key: str, value: Any, user: str) -> SettingChange:
    """Validate and store one setting inside the caller's transaction; raises InvalidSetting.
    Who may change it and the audit entry are identity's (`identity.admin.change_setting`)."""
    parsed = validate(key, value)
    definition = DEFINITION_BY_KEY[key]
    current = _values(connection)
    candidate = {**current, key: parsed}
    if candidate["live_zero_days"] <= candidate["live_full_days"]:
        raise InvalidSetting("live_zero_days must be greater than live_full_days")
    now = dt.datetime.now(dt.timezone.utc)
    values = {"value": definition.to_json(parsed), "updated_at": now, "updated_by": user[:120]}
    if connection.execute(select(Setting.key).where(Setting.key == key)).first() is None:
        connection.execute(insert(Setting).values(key=key, **values))
    else:
        connection.execute(update(Setting).where(Setting.key == key).values(**values))
    return SettingChange(key, parsed, definition.to_json(current[key]), values["value"])


def settings_json(values: dict[str, Any]) -> dict[str, Any]:
    return {key: DEFINITION_BY_KEY[key].to_json(value) for key, value in values.items()}


def parse_assignment(text: str) -> tuple[str, str]:
    """"KEY=VALUE" from the command line."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidSetting(f"expected KEY=VALUE, got {text!r}")
    value = value.strip()
    try:  # allow JSON numbers, booleans and strings ("45", "0.5", "true", "\"2025-12-31\"")
        decoded = json.loads(value)
        if isinstance(decoded, (int, float, str, bool)):
            value = decoded
    except ValueError:
        pass
    return key.strip(), value


# --- the public address ------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_public_url(url: object) -> str:
    """The dashboard's address as `public_base_url` keeps it: http(s) scheme and host lower-cased,
    the default port, a query, a fragment and trailing slashes dropped ("HTTPS://Nq57.Gov.VN:443/app/?x#y"
    → "https://nq57.gov.vn/app"); "http://" is assumed when no scheme is typed. Raises
    InvalidSetting for anything that is not an http(s) address with a host."""
    text = url.strip() if isinstance(url, str) else ""
    if text and "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidSetting(f"public_base_url: {url!r} is not a web address") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or any(c.isspace() for c in text):
        raise InvalidSetting(f"public_base_url: {url!r} must be an http:// or https:// address with a host name")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    normalized = urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))
    if len(normalized) > DEFINITION_BY_KEY["public_base_url"].maximum:
        raise InvalidSetting(f"public_base_url: {url!r} is longer than "
                             f"{DEFINITION_BY_KEY['public_base_url'].maximum} characters")
    return normalized


def public_url_is_local(url: object) -> bool:
    """True when the address is no usable public address (not a valid one at all) or opens only on
    the server's own computer (`url_is_local`), so QR codes and links made from it would lead nowhere
    for anyone else."""
    try:
        return url_is_local(normalize_public_url(url))
    except (InvalidSetting, ValueError):
        return True


def url_is_local(url: str) -> bool:
    """Whether a link can only be opened on the machine that serves the app: localhost (and
    *.localhost, *.local), a loopback, link-local or unspecified IP address, or no host at all. The
    default `public_base_url` (http://localhost:8501) is one, so every QR code is until an administrator
    sets the dashboard's public address. An intranet address (10.x, a company host name) is not: phones
    on the hall's network may reach it."""
    try:
        host = (urlsplit(str(url).strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if not host or host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified
