"""Approval, level by level (issue 13, item 5): a province's approver approves or returns its communes'
monthly submissions, the centre the provinces'; approval locks the unit and month against every import
(command line, web form) and withdrawal until the approver unlocks it; each step audited. Both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from data_loaders.identity import accounts, audit
from data_loaders.ingest import approvals, web_form
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.withdraw import WithdrawRefused, withdraw_upload
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import Approval, ApprovalStep, IndicatorValue, Task, TaskReport, Upload
from tests.support.cli import run_cli
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

PASSWORD = "a long enough password"
TODAY = dt.date(2025, 7, 15)
JUNE = dt.date(2025, 6, 1)
LD = communes("68", 2)
XUAN, OTHER = LD[0], LD[1]


def _stored(engine) -> tuple:
    """Every task, report and value as stored, with its provenance, and the committed uploads."""
    with engine.connect() as conn:
        rows = tuple(sorted(tuple(map(str, row)) for row in conn.execute(select(*table.columns)))
                     for table in (Task.__table__, TaskReport.__table__, IndicatorValue.__table__))
        committed = conn.execute(select(Upload.id).where(Upload.status == "imported").order_by(Upload.id)).all()
    return rows, tuple(committed)


def _values(engine, account, rows, name, title_rows=2):
    content = workbook_bytes([indicator_row("Lâm Đồng", None, code, period, stations, coverage)
                              for code, period, stations, coverage in rows], INDICATOR_HEADERS, title_rows=title_rows)
    return import_file(content, name, engine=engine, account=account, today=TODAY)


@pytest.fixture
def world(empty_engine, tmp_path):
    """Xuân Hương's clerk has sent June's figures; a province clerk Lâm Đồng's own June task report; the
    approvers of Lâm Đồng, of Hà Nội and of the nation exist."""
    engine = empty_engine
    accounts.create_first_admin("admin", PASSWORD, engine=engine)
    made = {name: accounts.create_account(name, PASSWORD, role, scope, actor="cli:test", engine=engine)
            for name, role, scope in (("xh.baocao", "reporter", XUAN.code), ("ld.baocao", "reporter", "68"),
                                      ("ld.duyet", "approver", "68"), ("hn.duyet", "approver", "01"),
                                      ("tw.duyet", "approver", "VN"))}
    sent = _values(engine, made["xh.baocao"], [(XUAN.code, "06/2025", 10, 20.5)], "xuan-huong-06.xlsx")
    assert sent.status == "imported", [p.message("en") for p in sent.errors]
    task = import_file(workbook_bytes([task_row("LD-1", report="20/06/2025")], TASK_HEADERS), "ld-06.xlsx",
                       engine=engine, account=made["ld.baocao"], today=TODAY)
    assert task.status == "imported"
    return engine, made, sent.upload_id, tmp_path


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_approval_locks_the_unit_and_month_against_every_change_until_unlocked(world):
    engine, made, sent_id, tmp_path = world
    url = _url(engine)
    done = run_cli(url, "approvals", "approve", "--period", "2025-06", "--unit", XUAN.code, "--user", "ld.duyet",
                   "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    decided = json.loads(done.stdout)
    assert (decided["status"], decided["unit"]["code"], decided["period"], decided["decided_by"]) == (
        "approved", XUAN.code, "2025-06", "ld.duyet")
    before = _stored(engine)

    # a command-line import changing the locked commune's June: refused, exit 1, nothing changes
    changed = tmp_path / "xuan-huong-06-sua.xlsx"
    changed.write_bytes(workbook_bytes([indicator_row("Lâm Đồng", None, XUAN.code, "06/2025", 11, 20.5)],
                                       INDICATOR_HEADERS))
    for user in (("--user", "xh.baocao"), ()):  # the clerk, and the trusted command line itself
        refused = run_cli(url, "import", str(changed), *user, "--json", lang="en")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        payload = json.loads(refused.stdout)
        assert payload["status"] == "rejected"
        assert [error["message"] for error in payload["errors"]] == [
            f"{XUAN.name} ({XUAN.code}, Lâm Đồng): the 06/2025 submission is approved and locked; the approver "
            "must unlock it before its figures can change."]
        assert payload["errors"][0]["row"] == 4  # the first row changing it
        assert _stored(engine) == before
    # the web form goes through the same importer: refused too
    form = web_form.indicator_workbook(dt.date(2025, 6, 30), [{"commune_code": XUAN.code, "fiveg_stations": 12}],
                                       indicator_catalogue(engine))
    assert web_form.submit(made["xh.baocao"], "indicators", form, dry_run=False, engine=engine,
                           today=TODAY).status == "rejected"
    # the clerk cannot withdraw the approved upload either
    with pytest.raises(WithdrawRefused) as refusal:
        withdraw_upload(sent_id, actor="xh.baocao", engine=engine)
    assert refusal.value.key == "approval_locked_withdraw" and refusal.value.params["period"] == "06/2025"
    assert _stored(engine) == before
    # sent again unchanged (a pre-filled template) is no change; another month and another commune pass
    same = _values(engine, made["xh.baocao"], [(XUAN.code, "06/2025", 10, 20.5)], "again.xlsx", title_rows=1)
    assert same.status == "unchanged"
    july = _values(engine, made["ld.baocao"], [(XUAN.code, "07/2025", 12, 21), (OTHER.code, "06/2025", 3, 5)],
                   "july.xlsx")
    assert july.status == "imported" and july.created == 6

    done = run_cli(url, "approvals", "unlock", "--period", "2025-06", "--unit", XUAN.code, "--user", "ld.duyet",
                   "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "unlocked"
    allowed = run_cli(url, "import", str(changed), "--user", "xh.baocao", "--json")
    assert allowed.returncode == 0 and json.loads(allowed.stdout)["updated"] == 1
    row = {r["unit"]["code"]: r for r in approvals.submissions("68", JUNE, engine=engine, today=TODAY)["children"]}
    assert row[XUAN.code]["state"] == "submitted" and not row[XUAN.code]["locked"]


def test_a_returned_submission_shows_its_reason_until_it_is_sent_again(world):
    engine, made, _, _ = world
    reason = "Số trạm 5G tháng 6 thấp hơn tháng 5, đề nghị kiểm tra lại."
    with pytest.raises(approvals.ApprovalRefused) as refusal:
        approvals.decide("return", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], reason="  ",
                         engine=engine)
    assert refusal.value.key == "approval_reason_required"
    approvals.decide("return", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], reason=reason,
                     engine=engine)
    listed = approvals.submissions("68", JUNE, engine=engine, today=TODAY)
    row = {r["unit"]["code"]: r for r in listed["children"]}[XUAN.code]
    assert (row["state"], row["reason"], row["decided_by"], row["locked"]) == ("returned", reason, "ld.duyet", False)
    assert listed["counts"] == {"not_submitted": len(listed["children"]) - 1, "submitted": 0, "returned": 1,
                                "approved": 0}
    # what the clerk sees: the reason, in their own scope and in the province's
    for scope in (XUAN.code, "68"):
        shown = approvals.returned_in_scope(scope, engine)
        assert [(r["unit_code"], r["period"], r["reason"]) for r in shown] == [(XUAN.code, JUNE, reason)]
    assert approvals.returned_in_scope("01", engine) == []
    # the command line shows it too, in its JSON
    listed_cli = json.loads(run_cli(_url(engine), "approvals", "list", "--period", "2025-06", "--unit", "68",
                                    "--json").stdout)
    assert {r["unit"]["code"]: r for r in listed_cli["children"]}[XUAN.code]["reason"] == reason
    # a return needs a reason on the command line as well (usage: exit 2)
    assert run_cli(_url(engine), "approvals", "return", "--period", "2025-06", "--unit", XUAN.code,
                   "--json").returncode == 2
    # corrected and sent again: submitted, waiting for the approver
    again = _values(engine, made["xh.baocao"], [(XUAN.code, "06/2025", 13, 20.5)], "xuan-huong-06-lan-2.xlsx")
    assert again.status == "imported"
    row = {r["unit"]["code"]: r for r in approvals.submissions("68", JUNE, engine=engine)["children"]}[XUAN.code]
    assert row["state"] == "submitted" and row["reason"] is None
    assert approvals.returned_in_scope(XUAN.code, engine) == []


def test_only_the_approver_of_the_level_above_decides(world):
    engine, made, _, _ = world
    url = _url(engine)
    cases = [("xh.baocao", XUAN.code), ("ld.baocao", XUAN.code),  # reporters never approve, not even a province's
             ("hn.duyet", XUAN.code),  # another province's approver
             ("ld.duyet", "68"), ("tw.duyet", XUAN.code)]  # a province is the centre's; a commune its province's
    for user, unit in cases:
        done = run_cli(url, "approvals", "approve", "--period", "2025-06", "--unit", unit, "--user", user, "--json",
                       lang="en")
        assert done.returncode == 1, (user, unit, done.stdout)
        assert json.loads(done.stdout)["status"] == "refused" and "may not decide" in json.loads(done.stdout)["message"]
    with engine.connect() as conn:
        assert conn.execute(select(Approval.id)).all() == [] and conn.execute(select(ApprovalStep.id)).all() == []
    refused = audit.entries(action="submission_approved", engine=engine)
    assert len(refused) == len(cases) and {e["outcome"] for e in refused} == {"refused"}
    assert {(e["actor"], e["target"]) for e in refused} == {(user, f"{unit}/2025-06") for user, unit in cases}
    # nothing submitted, the nation itself: refused with their own sentences
    assert run_cli(url, "approvals", "approve", "--period", "2025-05", "--unit", XUAN.code, "--user", "ld.duyet",
                   "--json").returncode == 1
    assert run_cli(url, "approvals", "approve", "--period", "2025-06", "--unit", "VN", "--json").returncode == 1
    # unknown account or unit, bad period: usage errors (exit 2)
    for args in (("--unit", XUAN.code, "--user", "nobody"), ("--unit", "99999"), ("--unit", "68", "--period", "6/25")):
        full = ["approvals", "approve", "--period", "2025-06", *args, "--json"]
        assert run_cli(url, *full).returncode == 2, args
    # a commune has no level below it: no approver there
    with pytest.raises(accounts.InvalidAccount) as refusal:
        accounts.create_account("xh.duyet", PASSWORD, "approver", XUAN.code, actor="cli:test", engine=engine)
    assert refusal.value.key == "account_approver_scope"


def test_the_centre_approves_a_province_which_locks_its_communes(world):
    engine, made, _, _ = world
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    approvals.decide("approve", "68", JUNE, actor="tw.duyet", account=made["tw.duyet"], engine=engine)
    # the province's own task and a commune nobody approved are locked by the province's approval
    task = import_file(workbook_bytes([task_row("LD-1", report="20/06/2025", progress=60)], TASK_HEADERS),
                       "ld-06-sua.xlsx", engine=engine, account=made["ld.baocao"], today=TODAY)
    assert task.status == "rejected" and task.errors[0].key == "approval_locked_import"
    other = _values(engine, made["ld.baocao"], [(OTHER.code, "06/2025", 3, 5)], "bao-loc.xlsx")
    assert other.status == "rejected" and other.errors[0].params["unit"] == {"unit": OTHER.code}
    # the province's approver cannot unlock its commune while the centre holds the province
    with pytest.raises(approvals.ApprovalRefused) as refusal:
        approvals.decide("unlock", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    assert refusal.value.key == "approval_locked_above"
    nation = {r["unit"]["code"]: r for r in approvals.submissions("VN", JUNE, engine=engine)["children"]}
    assert nation["68"]["state"] == "approved" and nation["01"]["state"] == "not_submitted"
    province = approvals.submissions("68", JUNE, engine=engine)
    assert province["own"]["state"] == "approved" and province["own"]["decided_by"] == "tw.duyet"
    assert {r["unit"]["code"]: r for r in province["children"]}[OTHER.code]["locked_above"]
    assert approvals.unapproved_submissions("VN", JUNE, engine) == {"unapproved": 0, "submissions": 2}
    approvals.decide("unlock", "68", JUNE, actor="tw.duyet", account=made["tw.duyet"], engine=engine)
    assert approvals.unapproved_submissions("68", JUNE, engine) == {"unapproved": 1, "submissions": 2}
    approvals.decide("unlock", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    assert approvals.unapproved_submissions("68", JUNE, engine) == {"unapproved": 2, "submissions": 2}


def test_every_step_is_audited_with_its_history(world):
    engine, made, _, _ = world
    approver = made["ld.duyet"]
    approvals.decide("return", XUAN.code, JUNE, actor="ld.duyet", account=approver, reason="Thiếu dân số",
                     engine=engine)
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=approver, engine=engine)
    with pytest.raises(approvals.ApprovalRefused) as refusal:
        approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=approver, engine=engine)
    assert refusal.value.key == "approval_already_approved"
    with pytest.raises(approvals.ApprovalRefused) as refusal:
        approvals.decide("return", XUAN.code, JUNE, actor="ld.duyet", account=approver, reason="x", engine=engine)
    assert refusal.value.key == "approval_return_approved"
    approvals.decide("unlock", XUAN.code, JUNE, actor="ld.duyet", account=approver, engine=engine)
    history = approvals.steps(XUAN.code, JUNE, engine)
    assert [(s["step"], s["actor"], s["reason"]) for s in history] == [
        ("return", "ld.duyet", "Thiếu dân số"), ("approve", "ld.duyet", None), ("unlock", "ld.duyet", None)]
    assert history[1]["detail"]["indicator_values"] == 3 and history[1]["detail"]["from"] == "returned"
    for action in ("submission_returned", "submission_approved", "submission_unlocked"):
        entry = audit.entries(action=action, engine=engine)
        assert len(entry) == 1 and entry[0]["outcome"] == "ok" and entry[0]["actor"] == "ld.duyet"
        assert entry[0]["target"] == f"{XUAN.code}/2025-06" and entry[0]["detail"]["period"] == "2025-06"
    assert audit.entries(action="submission_returned", engine=engine)[0]["detail"]["reason"] == "Thiếu dân số"


def test_the_list_command_contract(world):
    engine, made, _, _ = world
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    done = run_cli(_url(engine), "approvals", "list", "--period", "2025-06", "--unit", "68", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"unit", "period", "due_date", "counts", "own", "children"}
    assert payload["period"] == "2025-06" and payload["due_date"] == "2025-07-05" and payload["own"] is None
    first = payload["children"][0]
    assert set(first) == {"unit", "state", "reporting", "uploads", "task_reports", "indicator_values",
                          "first_submitted_at", "last_submitted_at", "last_submitted_by", "reason", "decided_by",
                          "decided_at", "locked", "locked_above"}
    rows = {r["unit"]["code"]: r for r in payload["children"]}
    assert rows[XUAN.code]["state"] == "approved" and rows[XUAN.code]["locked"]
    assert rows[XUAN.code]["last_submitted_by"] == "xh.baocao" and rows[XUAN.code]["indicator_values"] == 3
    text = run_cli(_url(engine), "approvals", "list", "--period", "2025-06", "--unit", "68")
    assert text.returncode == 0 and "approved 1" in text.stdout


def test_approve_all_awaiting_from_the_command_line(world):
    """`approvals approve --all-awaiting --unit 68`: each awaiting commune approved by its own step; another
    province's approver is refused for each, reported; a unit decided meanwhile is reported, the rest approved."""
    engine, made, _, _ = world
    url = _url(engine)
    other = _values(engine, made["ld.baocao"], [(OTHER.code, "06/2025", 3, 5)], "bao-loc.xlsx")
    assert other.status == "imported"
    assert approvals.awaiting("68", JUNE, engine=engine) == [OTHER.code, XUAN.code]  # in the list's (name) order
    command = ["approvals", "approve", "--all-awaiting", "--period", "2025-06", "--unit", "68", "--json"]

    refused = run_cli(url, *command, "--user", "hn.duyet", lang="en")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    payload = json.loads(refused.stdout)
    assert (payload["status"], payload["unit"]["code"], payload["period"], payload["approved"]) == (
        "refused", "68", "2025-06", [])
    assert [item["unit"]["code"] for item in payload["refused"]] == [OTHER.code, XUAN.code]
    assert all("may not decide" in item["message"] for item in payload["refused"])
    assert {(e["target"], e["outcome"]) for e in audit.entries(action="submission_approved", engine=engine)} == {
        (f"{OTHER.code}/2025-06", "refused"), (f"{XUAN.code}/2025-06", "refused")}

    done = run_cli(url, *command, "--user", "ld.duyet")
    assert done.returncode == 0, done.stdout + done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"status", "unit", "period", "approved", "refused"}
    assert payload["status"] == "approved" and payload["refused"] == []
    assert [set(item) for item in payload["approved"]] == [
        {"status", "unit", "period", "reason", "decided_by", "decided_at"}] * 2  # each as one `approve --json`
    assert [(item["unit"]["code"], item["status"], item["decided_by"]) for item in payload["approved"]] == [
        (OTHER.code, "approved", "ld.duyet"), (XUAN.code, "approved", "ld.duyet")]
    for code in (OTHER.code, XUAN.code):  # its own step and audit entry
        assert [(s["step"], s["actor"]) for s in approvals.steps(code, JUNE, engine)] == [("approve", "ld.duyet")]
    ok = [e["target"] for e in audit.entries(action="submission_approved", engine=engine) if e["outcome"] == "ok"]
    assert sorted(ok) == sorted([f"{OTHER.code}/2025-06", f"{XUAN.code}/2025-06"])

    again = run_cli(url, *command)  # nothing awaits: nothing to do, exit 0
    assert again.returncode == 0 and json.loads(again.stdout)["approved"] == []
    text = run_cli(url, *command[:-1])
    assert text.returncode == 0 and "approved 0, refused 0" in text.stdout

    # a unit approved meanwhile (the list read before, a second approver's click) is reported, the rest approved
    approvals.decide("unlock", OTHER.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    both = approvals.approve_all([XUAN.code, OTHER.code, "99999"], JUNE, actor="ld.duyet", account=made["ld.duyet"],
                                 engine=engine)
    assert [item["unit"]["code"] for item in both["approved"]] == [OTHER.code]
    assert [(item["unit"]["code"], item["key"]) for item in both["refused"]] == [
        (XUAN.code, "approval_already_approved"), ("99999", "cli_unknown_unit")]
    approvals.decide("unlock", OTHER.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    partial = run_cli(url, "approvals", "approve", "--all-awaiting", "--period", "2025-06", "--unit", "68")
    assert partial.returncode == 0 and f"approved: {OTHER.name} ({OTHER.code}), 2025-06" in partial.stdout

    # --all-awaiting is approve's only; the single steps keep their options
    for step in ("return", "unlock", "list"):
        usage = run_cli(url, "approvals", step, "--all-awaiting", "--period", "2025-06", "--unit", "68",
                        "--reason", "x", "--json")
        assert usage.returncode == 2 and json.loads(usage.stdout)["status"] == "error", step
