"""Administrative changes that are permission-checked and audited: a setting change.

The settings themselves (defaults, validation, storage) are the store's; this is where a change
meets the person making it, so store/ never needs to know about accounts or the audit trail.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from data_loaders.identity import audit
from data_loaders.identity.access import check_permission
from data_loaders.identity.accounts import Account, get_account
from data_loaders.store import engine as db
from data_loaders.store import settings


def change_setting(key: str, value: Any, engine: Engine | None = None, *, account: Account | None = None,
                   user: str | None = None) -> Any:
    """Validate, store and audit one setting (old and new value); returns the parsed value.

    From the app pass `account`: that person, as stored now, must be allowed to manage settings
    (AccountError "not_permitted" otherwise). The command line, which is trusted, passes `user`
    (its actor name) instead. Raises settings.InvalidSetting for a bad key or value."""
    engine = engine or db.get_engine()
    if account is not None:
        current = get_account(account.username, engine)  # as stored now, not as remembered
        check_permission(current if current and current.id == account.id else None, "manage_settings")
        user = current.username
    if not user:
        raise ValueError("change_setting needs the account or the user making the change")
    with engine.begin() as conn:
        change = settings.write_setting(conn, key, value, user)
        audit.record_in(conn, "settings_changed", user, target=key,
                        detail={"old": change.old_json, "new": change.new_json})
    return change.value
