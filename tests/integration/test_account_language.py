"""The language an account remembers (migration 0009, accounts.set_language), on both backends."""

from __future__ import annotations

import pytest
from alembic import command

from data_loaders.identity import accounts
from data_loaders.store import engine as db
from tests.support.auth_helpers import ensure_account


def test_upgrade_to_0009_keeps_accounts_with_no_language_then_remembers_one(empty_engine):
    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0008")
    ensure_account(empty_engine, "truoc-0009", "viewer", "68")  # an account made before the column existed
    command.upgrade(config, "head")
    assert accounts.get_account("truoc-0009", engine=empty_engine).scope_code == "68"
    assert accounts.account_language("truoc-0009", engine=empty_engine) is None
    accounts.set_language("TRUOC-0009 ", "en", engine=empty_engine)  # as typed: trimmed, any case
    assert accounts.account_language("truoc-0009", engine=empty_engine) == "en"
    accounts.set_language("truoc-0009", "vi", engine=empty_engine)
    assert accounts.account_language("truoc-0009", engine=empty_engine) == "vi"
    with pytest.raises(ValueError):
        accounts.set_language("truoc-0009", "de", engine=empty_engine)
    assert accounts.account_language("truoc-0009", engine=empty_engine) == "vi"
    command.downgrade(config, "0008")  # the downgrade drops only the preference
    command.upgrade(config, "head")
    assert accounts.account_language("truoc-0009", engine=empty_engine) is None
