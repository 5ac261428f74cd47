"""The "To do" inbox and its e-mail digest: delivered to a real local SMTP server (aiosmtpd) and read
back, with the right items for two accounts of different scopes; new warnings are new once. Both
backends."""

from __future__ import annotations

import datetime as dt
import email
import json
import socket

import pytest
from aiosmtpd.controller import Controller

from data_loaders.cli.digest import run_digests
from data_loaders.figures import early_warnings
from data_loaders.figures.scope import latest_data_date
from data_loaders.follow_up import directions, inbox
from data_loaders.identity import access, accounts
from data_loaders.identity.accounts import AccountError
from data_loaders.identity.admin import change_setting
from data_loaders.ingest.importer import import_file
from tests.support.cli import run_cli
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes

PASSWORD = "a long enough password"
ACTOR = "cli:test"
LD_COMMUNES = communes("68", 2)
NOW = dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.timezone.utc)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def world(empty_engine, smtp):
    engine = empty_engine
    _, port = smtp
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    overdue = task_row("XA-1", province="Lâm Đồng", commune=LD_COMMUNES[0].name, agency="Ủy ban nhân dân xã",
                       deadline=dt.date(2025, 5, 31))
    other = task_row("XB-1", province="Lâm Đồng", commune=LD_COMMUNES[1].name, agency="Ủy ban nhân dân xã")
    assert import_file(workbook_bytes([overdue, other], TASK_HEADERS), "base.xlsx", engine=engine, account=admin,
                       today=dt.date(2025, 6, 20)).status == "imported"
    for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", port), ("smtp_sender", "nq57@example.vn"),
                       ("public_base_url", "https://nq57.example.vn")):
        change_setting(key, value, engine, user=ACTOR)
    leader = accounts.create_account("lanh.dao", PASSWORD, "viewer", "68", email="lanhdao@example.vn",
                                     actor=ACTOR, engine=engine)
    clerk = accounts.create_account("xa.a", PASSWORD, "reporter", LD_COMMUNES[0].code, email="xa.a@example.vn",
                                    actor=ACTOR, engine=engine)
    far = accounts.create_account("xa.b", PASSWORD, "reporter", LD_COMMUNES[1].code, email="xa.b@example.vn",
                                  actor=ACTOR, engine=engine)
    for person in (leader, clerk, far):
        inbox.set_digest_frequency(person, "daily", engine=engine)
    return engine, leader, clerk, far


def _by_recipient(mailbox: Mailbox) -> dict[str, email.message.Message]:
    return {message["To"]: message for message in mailbox.messages}


def test_digests_carry_each_accounts_own_items_and_new_warnings_only_once(world, smtp):
    engine, leader, clerk, far = world
    mailbox, _ = smtp
    asked = directions.create_direction(leader, text="Báo cáo nguyên nhân quá hạn", task_code="XA-1",
                                        due_date=dt.date(2025, 7, 5), engine=engine, now=NOW)
    results = {r["account"]: r for r in run_digests(engine, send=True, now=NOW + dt.timedelta(hours=1))}
    assert results["xa.a"]["sent"] and results["lanh.dao"]["sent"]
    assert results["xa.b"]["reason"] == "nothing_new"  # another commune's direction and warnings are not its own
    mails = _by_recipient(mailbox)
    clerk_mail = mails["xa.a@example.vn"].get_content()
    assert "Chỉ đạo cần trả lời (1):" in clerk_mail and "Báo cáo nguyên nhân quá hạn" in clerk_mail
    assert f"https://nq57.example.vn/directions?province=68&commune={LD_COMMUNES[0].code}" in clerk_mail
    assert "XA-1" in clerk_mail and "Cảnh báo mới" in clerk_mail  # the overdue task is a new warning
    assert set(mails) == {"xa.a@example.vn", "lanhdao@example.vn"}
    assert "XA-1" in mails["lanhdao@example.vn"].get_content()  # the province leader: the overdue task, new
    assert "Chỉ đạo của bạn đã được trả lời" not in mails["lanhdao@example.vn"].get_content()
    assert mails["xa.a@example.vn"]["Subject"].startswith("NQ57: ")

    # the clerk answers; the next day the leader is told, the warnings already sent are not repeated
    directions.answer_direction(clerk, asked, text="Đã khắc phục", engine=engine, now=NOW + dt.timedelta(hours=2))
    mailbox.messages.clear()
    assert run_digests(engine, send=True, now=NOW + dt.timedelta(hours=3)) == []  # daily: not due yet
    later = {r["account"]: r for r in run_digests(engine, send=True, now=NOW + dt.timedelta(days=1, hours=1))}
    assert later["lanh.dao"]["sent"] and later["xa.b"]["reason"] == "nothing_new"
    assert later["xa.a"]["reason"] == "nothing_new"  # answered: nothing left to answer, no new warning
    leader_mail = _by_recipient(mailbox)["lanhdao@example.vn"].get_content()
    assert "Chỉ đạo của bạn đã được trả lời (1):" in leader_mail and "Cảnh báo mới" not in leader_mail


def test_inbox_page_data_new_warnings_since_the_last_visit(world):
    engine, leader, clerk, _ = world
    first = inbox.inbox(clerk, dt.date(2025, 7, 1), engine=engine)
    assert first["new_warnings"] and not first["to_answer"]
    inbox.mark_visited(clerk, first["warning_keys"], engine=engine)
    assert inbox.inbox(clerk, dt.date(2025, 7, 1), engine=engine)["new_warnings"] == []
    with pytest.raises(AccountError, match="digest_needs_email"):
        inbox.set_digest_frequency(accounts.create_account("no.mail", PASSWORD, "viewer", "68", actor=ACTOR,
                                                           engine=engine), "weekly", engine=engine)


def test_the_inbox_lists_the_same_new_warnings_from_the_summary_or_the_whole_list(world, monkeypatch):
    """The inbox reads the warnings' keys, then the summary's head when every new warning is in it, else the
    whole list: the new warnings are those of the whole list that were not seen, in its order, either way."""
    engine, leader, _, _ = world
    today = dt.date(2025, 7, 1)
    later = [task_row(code, province="Lâm Đồng", commune=LD_COMMUNES[0].name, agency="Ủy ban nhân dân xã",
                      deadline=deadline) for code, deadline in (("XA-2", dt.date(2025, 5, 1)),
                                                                ("XA-3", dt.date(2025, 4, 1)))]
    assert import_file(workbook_bytes(later, TASK_HEADERS), "more.xlsx", engine=engine,
                       account=accounts.get_account("admin", engine), today=dt.date(2025, 6, 20)).status == "imported"
    scope = access.viewable_scope(leader)
    current = early_warnings.warnings(scope, latest_data_date(engine), engine=engine)["warnings"]
    keys = [early_warnings.warning_key(item) for item in current]
    assert len(current) == 3 and len(set(keys)) == len(keys)
    read: list = []

    def reader(figure, *args):
        read.append(figure)
        return figure(*args, engine=engine)

    first = inbox.inbox(leader, today, engine=engine, read=reader)  # nothing seen: the head of the summary
    assert first["new_warnings"] == current[:inbox.MAX_ITEMS] and first["warning_keys"] == keys
    assert read == [early_warnings.warning_keys, early_warnings.warnings_summary]
    inbox.mark_visited(leader, keys[:1] + keys[2:], engine=engine)  # the second one is new again
    monkeypatch.setattr(early_warnings, "HEAD", 1)  # beyond the head: from the whole list
    read.clear()
    assert inbox.inbox(leader, today, engine=engine, read=reader)["new_warnings"] == [current[1]]
    assert read == [early_warnings.warning_keys, early_warnings.warnings]
    inbox.mark_visited(leader, keys, engine=engine)
    read.clear()
    assert inbox.inbox(leader, today, engine=engine, read=reader)["new_warnings"] == []
    assert read == [early_warnings.warning_keys]  # nothing new: no warning read


def test_the_digest_command_dry_run_and_its_errors(world):
    engine, *_ = world
    url = engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "digest", "--dry-run", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == "ok" and {d["account"] for d in payload["digests"]} == {"lanh.dao", "xa.a", "xa.b"}
    assert all(not d["sent"] for d in payload["digests"])
    assert run_cli(url, "digest", "--send", "--account", "nobody", "--json").returncode == 2
    change_setting("smtp_host", "", engine, user=ACTOR)
    refused = run_cli(url, "digest", "--send", "--json", lang="en")
    assert refused.returncode == 2 and "not configured" in json.loads(refused.stdout)["message"]
