"""The migration policy (issue 14, case 8): a downgrade that would drop the accounts or the audit
trail refuses, with a sentence, unless NQ57_ALLOW_DATA_LOSS=1; other migrations pass."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from data_loaders.identity import accounts, audit
from data_loaders.store import engine as db
from data_loaders.store.migration_guard import ALLOW_ENV, DataLossRefused
from data_loaders.store.models import Account

PASSWORD = "mat-khau-du-dai-2025"


def _count_accounts(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Account)).scalar_one()


def _steps_down_to_0004(config) -> str:
    """A relative destination ("-N") that undoes the accounts migration, whatever the head is now."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    steps, revision = 0, script.get_revision(script.get_current_head())
    while revision.revision != "0004":
        steps, revision = steps + 1, script.get_revision(revision.down_revision)
    return f"-{steps}"


@pytest.mark.parametrize("destination", ["0004", "base", "relative"])
def test_a_downgrade_that_drops_accounts_refuses_and_keeps_them(empty_engine, monkeypatch, destination):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    accounts.create_first_admin("quan.tri", PASSWORD, engine=empty_engine)
    config = db.alembic_config(empty_engine)
    if destination == "relative":
        destination = _steps_down_to_0004(config)
    with pytest.raises(DataLossRefused) as refused:
        command.downgrade(config, destination)
    sentence = str(refused.value)
    assert "1 accounts (table account)" in sentence and "audit entries (table audit_entry)" in sentence
    assert f"{ALLOW_ENV}=1" in sentence and "administrator" in sentence
    assert _count_accounts(empty_engine) == 1 and audit.entries(action="setup_admin", engine=empty_engine)
    assert not accounts.needs_setup(empty_engine)
    command.check(config)  # still at head: nothing was undone


def test_a_downgrade_above_the_accounts_migration_passes(empty_engine, monkeypatch):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    accounts.create_first_admin("quan.tri", PASSWORD, engine=empty_engine)
    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0005")  # drops sign-in sessions and later tables, not the accounts
    assert _count_accounts(empty_engine) == 1
    command.upgrade(config, "head")
    command.check(config)


def test_the_flag_allows_it(empty_engine, monkeypatch):
    accounts.create_first_admin("quan.tri", PASSWORD, engine=empty_engine)
    monkeypatch.setenv(ALLOW_ENV, "1")
    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0004")
    assert "account" not in inspect(empty_engine).get_table_names()
    command.upgrade(config, "head")
    assert accounts.needs_setup(empty_engine)


def test_a_downgrade_that_drops_directions_refuses(empty_engine, monkeypatch):
    from data_loaders.follow_up import directions

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    admin = accounts.create_first_admin("quan.tri", PASSWORD, engine=empty_engine)
    directions.create_direction(admin, text="Báo cáo tiến độ", unit_code="68", engine=empty_engine)
    config = db.alembic_config(empty_engine)
    with pytest.raises(DataLossRefused) as refused:
        command.downgrade(config, "0008")
    assert "1 directions (table direction)" in str(refused.value)
    command.check(config)
