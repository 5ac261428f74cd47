"""Every upload attempt is accounted for (issue 14, cases 5–7), on SQLite and on PostgreSQL when
TEST_DATABASE_URL is set:

- the uploader's scope is checked before duplicate detection: a commune reporter re-sending a file
  someone else imported, with rows outside the commune, gets the scope errors (exit 1), not
  `already_imported`;
- unreadable files, zip bombs, files over the size limit and refused accounts are in the upload
  history and the audit trail with their outcome; the command line names its actor (`--user`'s
  account, or `cli:<login>`, never an account that $USER happens to name);
- `--json` turns every error into one JSON object, the database being down included; a rejected
  file's bytes are stored once however often they are sent, and dropped after the retention setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import socket
import zipfile

import pytest
from alembic import command
from sqlalchemy import func, select, update

from data_loaders.identity import accounts, audit
from data_loaders.identity.accounts import AccountError
from data_loaders.ingest import history
from data_loaders.ingest.importer import UnreadableFile, import_file
from data_loaders.store import engine as db
from data_loaders.store.models import IndicatorValue, Upload
from tests.support.cli import json_payload, run_cli
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

PASSWORD = "a long enough password"
LD_COMMUNES = communes("68", 2)
TODAY = dt.date(2025, 7, 15)


def cli(engine, *args: str, login: str = "ops", env: dict | None = None):
    """The command in this process, in English, run by the OS user `login`; (exit code, JSON or None, stderr)."""
    url = engine.url.render_as_string(hide_password=False)
    done = run_cli(url, *args, lang="en", env={"USER": login, "LOGNAME": login, **(env or {})})
    assert "Traceback" not in done.stderr + done.stdout
    return done.returncode, json_payload(done, args), done.stderr


def two_communes_file() -> bytes:
    return workbook_bytes([indicator_row("Lâm Đồng", None, c.code, "06/2025", 10 + i, 20.5, 5000)
                           for i, c in enumerate(LD_COMMUNES)], INDICATOR_HEADERS)


def stored_copies(engine, sha256: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Upload)
                            .where(Upload.sha256 == sha256, Upload.content.is_not(None))).scalar_one()


def zip_bomb() -> bytes:
    """An .xlsx-looking archive whose one member inflates 20 MB of zeros from a few kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


# --- case 5: the scope before duplicates ---------------------------------------------------------


def test_a_file_someone_else_imported_is_still_refused_outside_the_senders_scope(empty_engine, tmp_path):
    engine = empty_engine
    accounts.create_account("xa.reporter", PASSWORD, "reporter", LD_COMMUNES[0].code, actor="cli:test",
                            engine=engine)
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor="cli:test", engine=engine)
    shared = tmp_path / "chi_tieu.xlsx"
    shared.write_bytes(two_communes_file())
    code, first, _ = cli(engine, "import", str(shared), "--user", "ld.reporter", "--json")
    assert code == 0 and first["status"] == "imported"

    code, payload, _ = cli(engine, "import", str(shared), "--user", "xa.reporter", "--json")
    assert code == 1 and payload["status"] == "rejected", payload
    [error] = payload["errors"]  # the row of the other commune, named
    assert (error["row"], error["value"]) == (5, LD_COMMUNES[1].code) and "outside your scope" in error["message"]
    # the province reporter, whose scope covers every row, still learns it was imported already
    code, again, _ = cli(engine, "import", str(shared), "--user", "ld.reporter", "--json")
    assert code == 0 and again["status"] == "already_imported" and again["upload_id"] == first["upload_id"]
    # the refusal is in the history as the commune reporter's, and nothing changed
    rejected = history.list_uploads(engine=engine, uploaded_by="xa.reporter")
    assert [(r["status"], r["errors"]) for r in rejected] == [("rejected", 1)]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IndicatorValue)).scalar_one() == 2 * 3


def test_the_same_order_for_the_upload_page_preview(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    commune = accounts.create_account("xa.reporter", PASSWORD, "reporter", LD_COMMUNES[0].code, actor="cli:test",
                                      engine=engine)
    content = two_communes_file()
    assert import_file(content, "a.xlsx", account=admin, engine=engine, today=TODAY).status == "imported"
    preview = import_file(content, "a.xlsx", account=commune, dry_run=True, record_rejection=True, engine=engine,
                          today=TODAY, lang="en")
    assert preview.status == "rejected" and [e.key for e in preview.errors] == ["scope_unit_outside"]
    assert preview.upload_id is not None  # the page records a rejected preview


# --- case 6: every attempt, with its outcome and an explicit actor ------------------------------


@pytest.mark.parametrize("name, content, env, reason", [
    ("report.xlsx", b"%PDF-1.4 definitely not a spreadsheet", {}, "err_not_spreadsheet"),
    ("bomb.xlsx", zip_bomb(), {}, "err_zip_bomb"),
    ("big.xlsx", workbook_bytes([task_row("NV-1")], TASK_HEADERS), {"NQ57_MAX_UPLOAD_MB": "0.001"},
     "err_file_too_large"),
])
def test_unreadable_attempts_are_in_the_history_and_the_audit_trail(empty_engine, tmp_path, name, content, env,
                                                                    reason):
    engine = empty_engine
    path = tmp_path / name
    path.write_bytes(content)
    code, payload, _ = cli(engine, "import", str(path), "--json", env=env)
    assert code == 2 and set(payload) == {"status", "message"} and payload["status"] == "error"  # the contract

    [attempt] = history.list_uploads(engine=engine)
    assert (attempt["file_name"], attempt["status"], attempt["kind"], attempt["rows"], attempt["errors"],
            attempt["uploaded_by"]) == (name, "rejected", None, 0, 1, "cli:ops")
    # the bytes are kept for audit, except those of a file over the size limit
    assert attempt["has_content"] is (reason != "err_file_too_large")
    [entry] = audit.entries(action="upload_rejected", engine=engine)
    assert (entry["actor"], entry["outcome"], entry["target"]) == ("cli:ops", "refused", name)
    assert entry["detail"]["reason"] == reason and entry["detail"]["upload_id"] == attempt["id"]
    assert entry["detail"]["size"] == len(content)
    # the history keeps the reason as a message key, written in the reader's language
    with engine.connect() as conn:
        messages = conn.execute(select(Upload.messages).where(Upload.id == attempt["id"])).scalar_one()
    assert messages["errors"][0]["key"] == reason


def test_an_unreadable_file_on_the_upload_page_is_the_uploaders_attempt(empty_engine):
    engine = empty_engine
    reporter = accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor="cli:test", engine=engine)
    with pytest.raises(UnreadableFile) as refused:
        import_file(zip_bomb(), "bomb.xlsx", account=reporter, dry_run=True, record_rejection=True, engine=engine)
    [attempt] = history.list_uploads(engine=engine, uploaded_by="ld.reporter")
    assert refused.value.upload_id == attempt["id"] and attempt["kind"] is None
    assert audit.entries(action="upload_rejected", engine=engine)[0]["actor"] == "ld.reporter"
    # a plain dry run (the command line's --dry-run) records nothing
    with pytest.raises(UnreadableFile):
        import_file(b"not a sheet", "x.csv", account=reporter, dry_run=True, engine=engine)
    assert len(history.list_uploads(engine=engine)) == 1


def test_a_failure_on_our_side_is_recorded_with_its_outcome(empty_engine, monkeypatch):
    from data_loaders.ingest import importer

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(importer, "validate", broken)
    with pytest.raises(RuntimeError):
        import_file(workbook_bytes([task_row("NV-1")], TASK_HEADERS), "t.xlsx", user="cli:ops", engine=empty_engine)
    [attempt] = history.list_uploads(engine=empty_engine)
    assert (attempt["status"], attempt["kind"], attempt["uploaded_by"]) == ("rejected", None, "cli:ops")
    [entry] = audit.entries(action="upload_rejected", engine=empty_engine)
    assert (entry["outcome"], entry["detail"]["reason"], entry["detail"]["failure"]) == (
        "failed", "upload_failed", "RuntimeError")


def test_without_user_the_command_line_is_the_actor_never_the_account_user_names(empty_engine, tmp_path):
    engine = empty_engine
    accounts.create_account("viewer68", PASSWORD, "viewer", "68", actor="cli:test", engine=engine)
    path = tmp_path / "tien_do.xlsx"
    path.write_bytes(workbook_bytes([task_row("NV-1")], TASK_HEADERS))
    code, payload, _ = cli(engine, "import", str(path), "--json", login="viewer68")
    assert code == 0 and payload["status"] == "imported"
    [upload] = history.list_uploads(engine=engine)
    assert upload["uploaded_by"] == "cli:viewer68"  # marked as the command line, not the viewer's account
    assert history.list_uploads(engine=engine, uploaded_by="viewer68") == []
    assert history.trace_task("NV-1", engine=engine)["source"]["uploaded_by"] == "cli:viewer68"
    [entry] = audit.entries(action="upload_committed", engine=engine)
    assert entry["actor"] == "cli:viewer68"
    assert audit.entries(actor="viewer68", engine=engine) == []


@pytest.mark.parametrize("user, message, recorded_reason", [
    ("viewer68", "The account viewer68 is not allowed to upload", "cli_account_may_not_upload"),
    ("nobody.here", "There is no account nobody.here", "upload_refused_unknown_account"),
    ("off.reporter", "The account off.reporter is disabled", "cli_account_disabled"),
])
def test_user_must_name_an_account_that_may_upload(empty_engine, tmp_path, user, message, recorded_reason):
    engine = empty_engine
    accounts.create_account("viewer68", PASSWORD, "viewer", "68", actor="cli:test", engine=engine)
    accounts.create_account("off.reporter", PASSWORD, "reporter", "68", actor="cli:test", engine=engine)
    accounts.set_disabled("off.reporter", True, actor="cli:test", engine=engine)
    path = tmp_path / "tien_do.xlsx"
    path.write_bytes(workbook_bytes([task_row("NV-1")], TASK_HEADERS))

    code, payload, _ = cli(engine, "import", str(path), "--user", user, "--json")
    assert code == 2 and payload == {"status": "error", "message": payload["message"]}  # README's contract
    assert message in payload["message"]
    code, _, stderr = cli(engine, "import", str(path), "--user", user)
    assert code == 2 and message in stderr and len(stderr.strip().splitlines()) == 1

    # both refusals recorded as the command line's attempts, never attributed to the account named
    attempts = history.list_uploads(engine=engine)
    assert [(a["uploaded_by"], a["status"], a["kind"]) for a in attempts] == [("cli:ops", "rejected", None)] * 2
    entries = audit.entries(action="upload_rejected", engine=engine)
    assert [(e["actor"], e["detail"]["reason"]) for e in entries] == [("cli:ops", recorded_reason)] * 2
    assert history.list_uploads(engine=engine, uploaded_by=user) == []
    # a name that is no account is not stored anywhere (it may be a secret typed in the wrong place)
    with engine.connect() as conn:
        stored = json.dumps([row._asdict() for row in conn.execute(select(Upload.messages, Upload.uploaded_by))])
    stored += json.dumps([e["detail"] for e in entries])
    assert (user in stored) is (recorded_reason != "upload_refused_unknown_account")


def test_settings_changed_from_the_command_line_are_the_command_lines(empty_engine):
    accounts.create_account("viewer68", PASSWORD, "viewer", "68", actor="cli:test", engine=empty_engine)
    code, _, _ = cli(empty_engine, "settings", "--set", "stalled_days=40", "--json", login="viewer68")
    assert code == 0
    [entry] = audit.entries(action="settings_changed", engine=empty_engine)
    assert entry["actor"] == "cli:viewer68"


# --- case 7: JSON errors, rejected bytes once, retention --------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once closed: nothing listens there


JSON_COMMANDS = [
    ("import", "{file}", "--json"),
    ("import", "{file}", "--dry-run", "--user", "someone", "--json"),
    ("summary", "--unit", "VN", "--json"),
    ("warnings", "--unit", "68", "--json"),
    ("quality", "--unit", "VN", "--json"),
    ("settings", "--json"),
    ("users", "list", "--json"),
    ("users", "disable", "someone", "--json"),
    ("audit", "--json"),
    ("prune-rejected", "--json"),
]


@pytest.mark.parametrize("url", [
    pytest.param(lambda tmp: f"postgresql://root@127.0.0.1:{closed_port()}/nq57", id="postgresql-down"),
    pytest.param(lambda tmp: f"sqlite:///{tmp}/no/such/directory/nq57.sqlite", id="sqlite-unreachable"),
])
def test_json_errors_when_the_database_is_down(tmp_path, url):
    path = tmp_path / "tien_do.xlsx"
    path.write_bytes(workbook_bytes([task_row("NV-1")], TASK_HEADERS))
    database = url(tmp_path)
    for args in JSON_COMMANDS:
        args = [a.format(file=path) for a in args]
        done = run_cli(database, *args, lang="en")
        assert done.returncode == 2, (args, done)
        assert "Traceback" not in done.stdout + done.stderr and done.stderr == "", (args, done.stderr)
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1, (args, done.stdout)
        assert json.loads(lines[0]) == {"status": "error", "message": "The database cannot be reached. Please try "
                                        "again later or tell the administrator."}, args
    # without --json, one line on stderr
    done = run_cli(database, "summary", "--unit", "VN", lang="en")
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1


def test_usage_errors_are_json_with_json(seeded_url):
    for args in (("summary", "--unit", "XX", "--json"), ("quality", "--unit", "VN", "--as-of", "soon", "--json"),
                 ("audit", "--limit", "0", "--json"), ("users", "add", "x", "--json")):
        done = run_cli(seeded_url, *args, lang="en")
        assert done.returncode == 2 and done.stderr == "", (args, done.stderr)
        payload = json.loads(done.stdout)
        assert payload["status"] == "error" and payload["message"], args


def test_rejected_bytes_are_stored_once_and_pruned_after_the_retention(empty_engine, tmp_path):
    engine = empty_engine
    bad = workbook_bytes([indicator_row("Lâm Đồng", "Không Có", None, "06/2025", "nhiều", 5)], INDICATOR_HEADERS)
    path = tmp_path / "sai.xlsx"
    path.write_bytes(bad)
    for _ in range(3):
        code, payload, _ = cli(engine, "import", str(path), "--json")
        assert code == 1 and payload["status"] == "rejected"
    rows = history.list_uploads(engine=engine)
    assert len(rows) == 3 and all(r["has_content"] for r in rows)
    digest = hashlib.sha256(bad).hexdigest()
    assert stored_copies(engine, digest) == 1  # three attempts, one copy
    for row in rows:  # every history row downloads the same original
        assert history.upload_content(row["id"], engine=engine) == ("sai.xlsx", bad)

    # the copy stays while the file is sent again within the retention, then goes
    assert history.prune_rejected_files(engine, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=29)) == 0
    assert history.prune_rejected_files(engine, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)) == 1
    assert stored_copies(engine, digest) == 0 and not any(r["has_content"] for r in history.list_uploads(engine=engine))
    assert history.upload_content(rows[0]["id"], engine=engine) is None
    assert len(history.list_uploads(engine=engine)) == 3  # the history rows stay


def test_pruning_runs_with_each_rejection_and_as_a_command(empty_engine, tmp_path):
    engine = empty_engine
    code, _, _ = cli(engine, "settings", "--set", "rejected_file_retention_days=7", "--json")
    assert code == 0
    old = tmp_path / "cu.xlsx"
    old.write_bytes(b"%PDF old")
    cli(engine, "import", str(old), "--json")
    with engine.begin() as conn:  # sent 8 days ago
        conn.execute(update(Upload).values(uploaded_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)))
    [sent] = history.list_uploads(engine=engine)
    assert sent["has_content"]
    new = tmp_path / "moi.xlsx"
    new.write_bytes(b"%PDF new")
    cli(engine, "import", str(new), "--json")  # recording this rejection drops the expired copy
    assert [r["has_content"] for r in history.list_uploads(engine=engine)] == [True, False]

    with engine.begin() as conn:
        conn.execute(update(Upload).values(uploaded_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)))
    code, payload, _ = cli(engine, "prune-rejected", "--json")
    assert code == 0 and payload == {"pruned": 1, "retention_days": 7}
    assert not any(r["has_content"] for r in history.list_uploads(engine=engine))


def test_committed_files_keep_their_bytes_and_a_rejected_copy_of_them_is_not_stored(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    commune = accounts.create_account("xa.reporter", PASSWORD, "reporter", LD_COMMUNES[0].code, actor="cli:test",
                                      engine=engine)
    content = two_communes_file()
    committed = import_file(content, "a.xlsx", account=admin, engine=engine, today=TODAY)
    refused = import_file(content, "a.xlsx", account=commune, engine=engine, today=TODAY)
    assert refused.status == "rejected"
    assert stored_copies(engine, hashlib.sha256(content).hexdigest()) == 1  # the commit's, not a second one
    assert history.upload_content(refused.upload_id, engine=engine) == ("a.xlsx", content)
    history.prune_rejected_files(engine, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3650))
    assert history.upload_content(committed.upload_id, engine=engine) == ("a.xlsx", content)
    with pytest.raises(AccountError):  # (and a refused account is recorded too, without a second copy)
        import_file(content, "a.xlsx", account=accounts.create_account(
            "v", PASSWORD, "viewer", "VN", actor="cli:test", engine=engine), engine=engine)
    assert stored_copies(engine, hashlib.sha256(content).hexdigest()) == 1


def test_migration_0008_keeps_one_copy_of_rejected_bytes(empty_engine):
    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0007")
    now = dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc)

    def row(id_, sha, status, content):
        return {"id": id_, "file_name": f"{id_}.xlsx", "kind": "tasks", "sha256": sha * 64, "uploaded_by": "x",
                "uploaded_at": now, "status": status, "rows": 1, "created": 0, "updated": 0, "unchanged": 0,
                "messages": {}, "content": content}

    with empty_engine.begin() as conn:
        conn.execute(Upload.__table__.insert(), [
            row(1, "a", "rejected", b"A"), row(2, "a", "rejected", b"A"), row(3, "a", "rejected", b"A"),
            row(4, "b", "rejected", b"B"), row(5, "b", "imported", b"B"), row(6, "c", "rejected", b"C")])
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        kept = dict(conn.execute(select(Upload.id, Upload.content.is_not(None)).order_by(Upload.id)).all())
    assert kept == {1: False, 2: False, 3: True, 4: False, 5: True, 6: True}
    assert all(history.upload_content(i, engine=empty_engine) for i in kept)
    with empty_engine.begin() as conn:
        conn.execute(update(Upload).where(Upload.id == 6).values(kind=None))  # an unreadable attempt
    command.downgrade(config, "0007")  # and back: the kind column is required again
    with empty_engine.connect() as conn:
        assert conn.execute(select(Upload.kind).where(Upload.id == 6)).scalar_one() == "unreadable"
    command.upgrade(config, "head")
    with empty_engine.connect() as conn:
        assert conn.execute(select(Upload.kind).where(Upload.id == 6)).scalar_one() is None
