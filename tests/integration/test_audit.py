"""The audit trail (data_loaders/audit.py): an entry for each action with who, when and what;
filters; and entries cannot be changed: the database refuses UPDATE and DELETE (a trigger on
PostgreSQL, and on SQLite too). Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from data_loaders.identity import accounts, audit
from data_loaders.identity.admin import change_setting
from data_loaders.ingest.importer import import_file
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes

PASSWORD = "correct horse battery"
TODAY = dt.date(2025, 7, 15)


def test_every_action_writes_an_entry(empty_engine):
    engine = empty_engine
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    change_setting("lockout_attempts", 2, engine, user="cli:ops")
    accounts.create_first_admin("admin", PASSWORD, engine=engine)
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor="admin", engine=engine)
    accounts.update_account("ld.reporter", display_name="Sở KH&CN Lâm Đồng", actor="admin", engine=engine)
    accounts.authenticate("admin", PASSWORD, engine=engine)
    for _ in range(2):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate("ld.reporter", "wrong password", engine=engine)
    accounts.reset_password("ld.reporter", PASSWORD + "2", actor="admin", engine=engine)
    accounts.set_disabled("ld.reporter", True, actor="admin", engine=engine)
    accounts.set_disabled("ld.reporter", False, actor="admin", engine=engine)
    reporter = accounts.get_account("ld.reporter", engine)
    good = workbook_bytes([task_row("LD-1", province="Lâm Đồng")], TASK_HEADERS)
    assert import_file(good, "ok.xlsx", account=reporter, engine=engine, today=TODAY).status == "imported"
    bad = workbook_bytes([task_row("HN-1", province="Hà Nội")], TASK_HEADERS)
    assert import_file(bad, "bad.xlsx", account=reporter, engine=engine, today=TODAY).status == "rejected"
    # directions, their answers with evidence, notes on figures and withdrawing an upload
    from data_loaders.follow_up import annotations, directions
    from data_loaders.ingest.withdraw import withdraw_upload

    admin = accounts.get_account("admin", engine)
    asked = directions.create_direction(admin, text="Báo cáo tiến độ", task_code="LD-1", engine=engine)
    directions.answer_direction(reporter, asked, text="Đã cập nhật",
                                files=[("bien-ban.pdf", b"%PDF-1.4\n%%EOF\n")], engine=engine)
    evidence_id = directions.direction_answers(admin, asked, engine=engine)[0]["evidence"][0]["id"]
    directions.evidence_download(admin, evidence_id, engine=engine)
    directions.close_direction(admin, asked, engine=engine)
    note = annotations.add_annotation(admin, "68", "fiveg_stations", TODAY, "Ghi chú", engine=engine)
    annotations.remove_annotation(admin, note, engine=engine)
    again = workbook_bytes([task_row("LD-1", province="Lâm Đồng", progress=55)], TASK_HEADERS)
    upload_id = import_file(again, "again.xlsx", account=reporter, engine=engine, today=TODAY).upload_id
    withdraw_upload(upload_id, actor="ld.reporter", engine=engine)
    # approving, returning and unlocking a monthly submission (Lâm Đồng's June, decided by the centre)
    from data_loaders.ingest import approvals

    june = dt.date(2025, 6, 1)
    approvals.decide("return", "68", june, actor="admin", account=admin, reason="Thiếu số liệu", engine=engine)
    approvals.decide("approve", "68", june, actor="admin", account=admin, engine=engine)
    approvals.decide("unlock", "68", june, actor="admin", account=admin, engine=engine)
    # a province's own programme, added and retired
    from data_loaders.identity import plans

    plans.add_plan("CT-CĐS-68", "Chương trình chuyển đổi số tỉnh 2025", province="68", account=admin, engine=engine)
    plans.retire_plan("CT-CĐS-68", account=admin, engine=engine)
    # targets (issue 15): set, then removed, by the national administrator
    from data_loaders.follow_up.targets import remove_target, set_target

    set_target("fiveg_coverage_pct", "68", "2025-12-31", 60, account=admin, engine=engine)
    remove_target("fiveg_coverage_pct", "68", account=admin, engine=engine)
    from data_loaders.follow_up import leader_board

    leader_board.save_board(admin, "68", list(leader_board.DEFAULT_BLOCKS[:2]), engine=engine)
    # the indicator catalogue: added, retired, and a second one deleted
    from data_loaders.identity import indicators as catalogue

    for code in ("dti_test", "dti_spare"):
        catalogue.add_indicator(catalogue.NewIndicator(code, "Chỉ số thử", "Test index", "điểm", "points"),
                                account=admin, engine=engine)
    catalogue.retire_indicator("dti_test", account=admin, engine=engine)
    catalogue.delete_indicator("dti_spare", account=admin, engine=engine)
    # written by the app itself (sign-out, exports) and the digest command after sending: the same function
    audit.record("digest_sent", "cli:digest", target="ld.reporter", detail={"items": 1}, engine=engine)
    audit.record("sign_out", "admin", engine=engine)
    audit.record("export", "admin", target="overview.pptx", detail={"unit": "VN", "as_of": dt.date(2025, 6, 30)},
                 engine=engine)

    found = audit.entries(engine=engine)
    assert {entry["action"] for entry in found} == set(audit.ACTIONS)
    by_action = {}
    for entry in found:
        by_action.setdefault(entry["action"], entry)
        assert entry["at"].tzinfo is not None and started <= entry["at"] <= dt.datetime.now(dt.timezone.utc)
    assert by_action["settings_changed"]["actor"] == "cli:ops"
    assert by_action["settings_changed"]["detail"] == {"old": 5, "new": 2}
    assert by_action["settings_changed"]["target"] == "lockout_attempts"
    assert (by_action["account_created"]["actor"], by_action["account_created"]["target"]) == ("admin", "ld.reporter")
    assert by_action["account_updated"]["detail"]["changes"]["display_name"] == ["ld.reporter", "Sở KH&CN Lâm Đồng"]
    committed = [e for e in found if e["action"] == "upload_committed"]
    rejected = by_action["upload_rejected"]
    assert committed[-1]["target"] == "ok.xlsx" and committed[-1]["actor"] == "ld.reporter"  # the first commit
    assert rejected["outcome"] == "refused" and rejected["detail"]["out_of_scope"]
    assert by_action["export"]["detail"] == {"unit": "VN", "as_of": "2025-06-30"}
    assert (by_action["plan_added"]["target"], by_action["plan_added"]["detail"]["province"]) == ("CT-CĐS-68", "68")
    assert by_action["plan_retired"]["actor"] == "admin"
    assert by_action["target_set"]["target"] == "fiveg_coverage_pct:68"
    assert by_action["target_set"]["detail"]["new"]["value"] == 60 and by_action["target_removed"]["actor"] == "admin"
    ids = [entry["id"] for entry in found]
    assert ids == sorted(ids, reverse=True)  # newest first


def test_filters(empty_engine):
    for actor, action in (("a", "sign_in"), ("b", "sign_in"), ("a", "export"), (None, "sign_in_failed")):
        audit.record(action, actor, engine=empty_engine)
    assert [e["action"] for e in audit.entries(actor="a", engine=empty_engine)] == ["export", "sign_in"]
    assert [e["actor"] for e in audit.entries(action="sign_in", engine=empty_engine)] == ["b", "a"]
    assert len(audit.entries(limit=2, engine=empty_engine)) == 2
    assert [e["action"] for e in audit.entries(limit=2, offset=2, engine=empty_engine)] == ["sign_in", "sign_in"]
    today = dt.datetime.now(dt.timezone.utc).date()
    assert len(audit.entries(since=today, engine=empty_engine)) == 4
    assert audit.entries(until=today, engine=empty_engine) == []
    assert audit.entries(since=today + dt.timedelta(days=1), engine=empty_engine) == []
    with pytest.raises(ValueError):
        audit.record("delete_history", "a", engine=empty_engine)
    with pytest.raises(ValueError):
        audit.record("export", "a", outcome="maybe", engine=empty_engine)


def test_entries_cannot_be_changed_or_deleted(empty_engine):
    audit.record("sign_in", "admin", target="admin", engine=empty_engine)
    for statement in ("UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"):
        with pytest.raises(DatabaseError, match="append-only"):
            with empty_engine.begin() as conn:
                conn.execute(text(statement))
    if empty_engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            with empty_engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_entry"))
    [entry] = audit.entries(engine=empty_engine)
    assert entry["actor"] == "admin"
    # the module offers reading and appending only
    assert not [name for name in dir(audit) if name.startswith(("update", "delete", "remove", "edit"))]


def test_a_setting_change_is_checked_against_the_account_as_stored_now(empty_engine):
    from data_loaders.identity.admin import change_setting
    from data_loaders.store.settings import get_settings

    admin = accounts.create_first_admin("admin", PASSWORD, engine=empty_engine)
    viewer = accounts.create_account("ld.viewer", PASSWORD, "viewer", "68", actor="admin", engine=empty_engine)
    with pytest.raises(accounts.AccountError) as refused:
        change_setting("due_soon_days", 21, empty_engine, account=viewer)
    assert refused.value.key == "not_permitted"
    assert change_setting("due_soon_days", 21, empty_engine, account=admin) == 21
    assert get_settings(empty_engine)["due_soon_days"] == 21
    [entry] = audit.entries(action="settings_changed", engine=empty_engine)
    assert (entry["actor"], entry["target"], entry["detail"]) == ("admin", "due_soon_days", {"old": 30, "new": 21})
    # an administrator disabled since signing in may no longer change anything
    accounts.create_account("admin2", PASSWORD, "admin", actor="admin", engine=empty_engine)
    second = accounts.get_account("admin2", empty_engine)
    accounts.set_disabled("admin2", True, actor="admin", engine=empty_engine)
    with pytest.raises(accounts.AccountError):
        change_setting("due_soon_days", 14, empty_engine, account=second)
    assert get_settings(empty_engine)["due_soon_days"] == 21
    assert len(audit.entries(action="settings_changed", engine=empty_engine)) == 1
