"""The leader's page each unit designs (data_loaders/follow_up/leader_board.py): the default layout,
validation with message keys, who may change a unit's page (its administrators: an admin whose
scope is the unit or above), the audit of every change and refusal, and what a province's
administrator may do besides."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data_loaders.follow_up import leader_board as boards
from data_loaders.identity import access, accounts, audit
from data_loaders.identity.accounts import AccountError
from data_loaders.store.models import LeaderBoard

PASSWORD = "mat-khau-thu-nghiem-57"
LAYOUT = [{"kind": "kpis", "options": {"items": ["overdue", "fiveg_coverage_pct", "ai_experts"]}},
          {"kind": "trend", "options": {"indicator": "fiveg_stations"}},
          {"kind": "warnings", "options": {"count": 5}},
          {"kind": "task_status", "options": {"plans": ["02-KH/BCĐTW"]}}]


@pytest.fixture
def people(empty_engine):
    accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    for name, role, scope in (("qt.lamdong", "admin", "68"), ("ld.lamdong", "viewer", "68"),
                              ("qt.hanoi", "admin", "01")):
        accounts.create_account(name, PASSWORD, role, scope, actor="admin", engine=empty_engine)
    return {name: accounts.get_account(name, empty_engine)
            for name in ("admin", "qt.lamdong", "ld.lamdong", "qt.hanoi")}


def _rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(LeaderBoard)).scalar_one()


def test_a_unit_without_a_layout_shows_the_default(empty_engine):
    board = boards.board("68", engine=empty_engine)
    assert not board["custom"] and board["updated_by"] is None
    assert [b["kind"] for b in board["blocks"]] == ["kpis", "task_status", "warnings", "ranking", "map"]
    assert board["blocks"][0]["options"]["items"] == ["on_time_rate", "fiveg_stations", "fiveg_coverage_pct"]
    # the default passes its own rules
    assert boards.validate_blocks(board["blocks"], "68", empty_engine) == board["blocks"]
    assert not boards.has_board("68", engine=empty_engine)
    assert [b["kind"] for b in boards.board("24781", engine=empty_engine)["blocks"]] == [  # a commune ranks nothing
        "kpis", "task_status", "warnings", "map"]


def test_a_province_administrator_designs_its_page_and_it_is_audited(empty_engine, people):
    stored = boards.save_board(people["qt.lamdong"], "68", LAYOUT, engine=empty_engine)
    assert stored == LAYOUT
    board = boards.board("68", engine=empty_engine)
    assert board["custom"] and board["blocks"] == LAYOUT and board["updated_by"] == "qt.lamdong"
    assert boards.has_board("68", engine=empty_engine)
    assert not boards.board("01", engine=empty_engine)["custom"]  # other units keep the default

    changed = boards.save_board(people["qt.lamdong"], "68", [{"kind": "map"}], engine=empty_engine)
    assert changed == [{"kind": "map", "options": {"metric": "fiveg_coverage_pct"}}]  # options take their defaults
    entries = audit.entries(action="leader_board_changed", engine=empty_engine)
    assert [(e["actor"], e["target"], e["outcome"]) for e in entries] == [("qt.lamdong", "board:68", "ok")] * 2
    assert entries[0]["detail"]["before"] == LAYOUT and entries[0]["detail"]["after"] == changed
    assert entries[1]["detail"]["before"] is None and entries[1]["detail"]["after"] == LAYOUT

    boards.save_board(people["qt.lamdong"], "24781", LAYOUT[:1], engine=empty_engine)  # a commune of its province
    boards.save_board(people["admin"], "68", LAYOUT, engine=empty_engine)  # the national administrator too
    boards.reset_board(people["qt.lamdong"], "68", engine=empty_engine)
    assert not boards.board("68", engine=empty_engine)["custom"]
    assert audit.entries(action="leader_board_changed", engine=empty_engine)[0]["detail"]["change"] == "reset"


@pytest.mark.parametrize("who, unit", [("qt.lamdong", "01"), ("qt.lamdong", "VN"), ("qt.hanoi", "68"),
                                       ("ld.lamdong", "68"), ("qt.lamdong", "00004")])
def test_nobody_else_changes_a_units_page(empty_engine, people, who, unit):
    assert not boards.may_edit_board(people[who], unit)
    with pytest.raises(AccountError) as refused:
        boards.save_board(people[who], unit, LAYOUT, engine=empty_engine)
    assert refused.value.key == "not_permitted"
    with pytest.raises(AccountError):
        boards.reset_board(people[who], unit, engine=empty_engine)
    assert _rows(empty_engine) == 0
    entry = audit.entries(action="leader_board_changed", engine=empty_engine)[-1]
    assert (entry["actor"], entry["outcome"], entry["detail"]["reason"]) == (who, "refused", "not_permitted")


def test_a_disabled_or_demoted_administrator_is_refused(empty_engine, people):
    accounts.update_account("qt.lamdong", role="viewer", actor="admin", engine=empty_engine)
    with pytest.raises(AccountError):  # the account as the page still holds it is checked against the database
        boards.save_board(people["qt.lamdong"], "68", LAYOUT, engine=empty_engine)
    assert boards.may_edit_board(None, "68") is False
    assert _rows(empty_engine) == 0


@pytest.mark.parametrize("blocks, key", [
    ("kpis", "board_not_a_list"),
    ([], "board_empty"),
    ([{"kind": "map"}] * (boards.MAX_BLOCKS + 1), "board_too_many_blocks"),
    ([{"kind": "pie_chart"}], "board_unknown_kind"),
    (["kpis"], "board_unknown_kind"),
    ([{"kind": "map", "options": {"colour": "red"}}], "board_unknown_option"),
    ([{"kind": "map", "title": "x"}], "board_unknown_option"),
    ([{"kind": "kpis", "options": {"items": ["gdp"]}}], "board_bad_value"),
    ([{"kind": "kpis", "options": {"items": []}}], "board_bad_count"),
    ([{"kind": "kpis", "options": {"items": ["overdue"] * 9}}], "board_bad_count"),
    ([{"kind": "warnings", "options": {"count": 0}}], "board_bad_count"),
    ([{"kind": "warnings", "options": {"count": "3"}}], "board_bad_count"),
    ([{"kind": "task_status", "options": {"plans": ["99-KH"]}}], "board_bad_value"),
    ([{"kind": "trend", "options": {"indicator": "overdue"}}], "board_bad_value"),
    ([{"kind": "ranking", "options": {"metric": None}}], "board_bad_value"),
])
def test_a_bad_layout_is_refused_with_a_message_key_and_changes_nothing(empty_engine, people, blocks, key):
    with pytest.raises(boards.BoardRefused) as refused:
        boards.save_board(people["qt.lamdong"], "68", blocks, engine=empty_engine)
    assert refused.value.key == key
    assert _rows(empty_engine) == 0
    assert audit.entries(action="leader_board_changed", engine=empty_engine) == []


def test_unknown_unit_is_refused(empty_engine, people):
    with pytest.raises(boards.BoardRefused) as refused:
        boards.save_board(people["admin"], "999", LAYOUT, engine=empty_engine)
    assert refused.value.key == "board_unknown_unit"


def test_a_province_administrator_stays_inside_its_province(empty_engine, people):
    admin = people["qt.lamdong"]
    assert access.viewable_scope(admin) == "68"
    assert access.may(admin, "upload") and access.upload_scope(admin).unit_code == "68"
    assert not access.upload_scope(admin).unrestricted
    for action in ("manage_accounts", "manage_settings", "read_audit"):
        assert not access.may(admin, action)
    with pytest.raises(AccountError):  # nor can it manage accounts through the accounts module
        accounts.create_account("someone", PASSWORD, "admin", "VN", actor="qt.lamdong", engine=empty_engine)
    with pytest.raises(AccountError) as last:  # the last national administrator stays
        accounts.set_disabled("admin", True, actor="admin", engine=empty_engine)
    assert last.value.key == "account_last_admin"
    assert access.viewable_scope(people["admin"]) == "VN"


def test_targets_met_or_not(empty_engine):
    target = {"indicator": "fiveg_coverage_pct", "value": 90.0, "date": None}
    assert boards.target_met(91.0, target) is True and boards.target_met(26.5, target) is False
    assert boards.target_met(None, target) is None and boards.target_met(50.0, None) is None
    fewer = {"indicator": "villages_no_signal", "value": 10.0, "date": None}  # lower is better
    assert boards.target_met(8.0, fewer) is True and boards.target_met(12.0, fewer) is False
    assert boards.indicator_target("ai_experts", "68", empty_engine) is None
    # the published national target rolls down to a province that set none
    assert boards.indicator_target("fiveg_coverage_pct", "68", empty_engine)["value"] == 90
