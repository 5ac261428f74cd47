"""`python -m data_loaders users …`, `import --user` and `audit` are a contract: passwords come
from a prompt or standard input and never from the command line, errors are one line on stderr
with exit code 2, an upload outside the user's scope is rejected (exit 1) and changes nothing.
Most tests call the command line in this process
(tests/support/cli.py); a few run it as a real process, for its exit codes and streams."""

from __future__ import annotations

import io
import json
import sys

import pytest
from sqlalchemy import func, select

from data_loaders.cli import main as cli_main
from data_loaders.identity import accounts, audit
from data_loaders.store.models import Task, TaskReport
from tests.support.cli import run_cli, run_cli_process
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes

PASSWORD = "correct horse battery"


def cli(engine, *args: str, stdin: str | None = None, process: bool = False) -> tuple[int, str, str]:
    """The command in this process (or, with `process`, a real one), in English, run by "ops"."""
    url = engine.url.render_as_string(hide_password=False)
    done = (run_cli_process if process else run_cli)(url, *args, lang="en", stdin=stdin,
                                                     env={"USER": "ops", "LOGNAME": "ops"})
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def one_json(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_add_list_disable_enable_and_reset(empty_engine):
    code, out, _ = cli(empty_engine, "users", "add", "Admin", "--role", "admin", "--scope", "VN",
                       "--display-name", "Quản trị viên", "--email", "admin@example.vn", "--json",
                       stdin=PASSWORD + "\n", process=True)  # the password from a real process's stdin
    assert code == 0
    created = one_json(out)
    assert (created["username"], created["role"], created["scope_code"], created["display_name"]) == (
        "admin", "admin", "VN", "Quản trị viên")
    assert accounts.authenticate("admin", PASSWORD, engine=empty_engine).username == "admin"
    assert not accounts.needs_setup(empty_engine)  # the command line can do the first run too

    code, _, _ = cli(empty_engine, "users", "add", "bo.khcn", "--role", "reporter", "--scope", "VN",
                     "--agency", "Bộ Khoa học và Công nghệ", stdin=PASSWORD + "\n")
    assert code == 0
    code, out, _ = cli(empty_engine, "users", "list", "--json")
    listed = one_json(out)["accounts"]
    assert [(a["username"], a["agency"]) for a in listed] == [("admin", None), ("bo.khcn", "Bộ Khoa học và Công nghệ")]
    assert all("password" not in key for a in listed for key in a)
    code, out, _ = cli(empty_engine, "users", "list")
    assert code == 0 and len(out.strip().splitlines()) == 2 and out.startswith("admin\tadmin\tVN")

    assert cli(empty_engine, "users", "disable", "bo.khcn")[0] == 0
    assert accounts.get_account("bo.khcn", empty_engine).disabled
    assert cli(empty_engine, "users", "enable", "bo.khcn")[0] == 0
    assert not accounts.get_account("bo.khcn", empty_engine).disabled
    assert cli(empty_engine, "users", "reset-password", "bo.khcn", stdin="another good password\n")[0] == 0
    assert accounts.authenticate("bo.khcn", "another good password", engine=empty_engine)
    actors = {e["actor"] for e in audit.entries(engine=empty_engine) if e["action"] != "sign_in"}
    assert actors == {"cli:ops"}


def test_refusals_are_one_line_and_exit_2(empty_engine):
    def refused(*args, stdin=PASSWORD + "\n") -> str:
        code, out, err = cli(empty_engine, *args, stdin=stdin)
        assert code == 2 and out == "", (args, out, err)
        return one_line_error(err)

    assert "at least 10 characters" in refused("users", "add", "x.y.z", "--role", "viewer", "--scope", "VN",
                                               stdin="short\n")
    assert "No password" in refused("users", "add", "x.y.z", "--role", "viewer", "--scope", "VN", stdin="")
    assert "no unit with code 99" in refused("users", "add", "x.y.z", "--role", "viewer", "--scope", "99")
    refused("users", "add", "x.y.z", "--role", "root", "--scope", "VN")
    refused("users", "add", "x.y.z", "--role", "viewer")  # --scope is required
    assert "username" in refused("users", "add", "x", "--role", "viewer", "--scope", "VN")
    assert "There is no account nobody" in refused("users", "disable", "nobody")
    assert "There is no account nobody" in refused("users", "reset-password", "nobody")
    # a password is never an argument: there is no option for it
    refused("users", "add", "x.y.z", "--role", "viewer", "--scope", "VN", "--password", PASSWORD)
    assert accounts.list_accounts(empty_engine) == []
    assert cli(empty_engine, "users", "add", "x.y.z", "--role", "viewer", "--scope", "VN",
               stdin=PASSWORD + "\n")[0] == 0
    assert "already taken" in refused("users", "add", "X.Y.Z", "--role", "viewer", "--scope", "VN")
    assert "whole country (VN) or one province" in refused("users", "add", "admin", "--role", "admin", "--scope",
                                                           "24781")  # a commune has no administrator


def test_no_option_takes_a_password():
    parser = cli_main.build_parser()
    options = []
    for action in parser._subparsers._group_actions:
        for sub in action.choices.values():
            for inner in sub._subparsers._group_actions if sub._subparsers else []:
                for leaf in inner.choices.values():
                    options += [o for a in leaf._actions for o in a.option_strings]
            options += [o for a in sub._actions for o in a.option_strings]
    assert options and not [o for o in options if "pass" in o.lower()]


def test_prompt_asks_twice_on_a_terminal(monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setenv("NQ57_LANG", "en")
    with pytest.raises(cli_main.UsageError, match="do not match"):
        cli_main._read_password()
    answers = iter(["same password 1", "same password 1"])
    assert cli_main._read_password() == "same password 1"


def data_counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(m)).scalar_one() for m in (Task, TaskReport))


def test_import_applies_the_users_scope(empty_engine, tmp_path):
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor="cli:test", engine=empty_engine)
    accounts.create_account("lanh.dao", PASSWORD, "viewer", "VN", actor="cli:test", engine=empty_engine)
    mixed = tmp_path / "mixed.xlsx"
    mixed.write_bytes(workbook_bytes([task_row("LD-1", province="Lâm Đồng"), task_row("HN-1", province="Hà Nội")],
                                     TASK_HEADERS))
    own = tmp_path / "own.xlsx"
    own.write_bytes(workbook_bytes([task_row("LD-1", province="Lâm Đồng")], TASK_HEADERS))

    code, out, _ = cli(empty_engine, "import", str(mixed), "--user", "ld.reporter", "--json")
    payload = one_json(out)
    assert code == 1 and payload["status"] == "rejected"
    assert [(e["row"], e["column"], e["value"]) for e in payload["errors"]] == [(5, "Tỉnh/Thành phố", "Hà Nội")]
    assert "outside your scope" in payload["errors"][0]["message"]
    assert data_counts(empty_engine) == (0, 0)

    for user, message in (("nobody", "There is no account nobody"), ("lanh.dao", "not allowed")):
        code, out, _ = cli(empty_engine, "import", str(own), "--user", user, "--json")
        assert code == 2 and one_json(out) == {"status": "error", "message": one_json(out)["message"]}
        assert message in one_json(out)["message"]
        code, out, err = cli(empty_engine, "import", str(own), "--user", user)
        assert code == 2 and out == "" and message in one_line_error(err)
    accounts.set_disabled("ld.reporter", True, actor="cli:test", engine=empty_engine)
    code, out, _ = cli(empty_engine, "import", str(own), "--user", "ld.reporter", "--json")
    assert code == 2 and "disabled" in one_json(out)["message"]
    assert data_counts(empty_engine) == (0, 0)

    accounts.set_disabled("ld.reporter", False, actor="cli:test", engine=empty_engine)
    code, out, _ = cli(empty_engine, "import", str(own), "--user", "LD.Reporter", "--json")
    assert code == 0 and one_json(out)["status"] == "imported"
    assert data_counts(empty_engine) == (1, 1)


def test_audit_command(empty_engine):
    audit.record("sign_in", "admin", target="admin", engine=empty_engine)
    audit.record("export", "admin", target="deck.pptx", detail={"unit": "68"}, engine=empty_engine)
    audit.record("sign_in", "other", engine=empty_engine)
    code, out, _ = cli(empty_engine, "audit", "--actor", "admin", "--json")
    entries = one_json(out)["entries"]
    assert code == 0 and [e["action"] for e in entries] == ["export", "sign_in"]
    assert set(entries[0]) == {"id", "at", "actor", "action", "target", "outcome", "detail"}
    assert entries[0]["detail"] == {"unit": "68"} and entries[0]["at"].endswith("+00:00")
    code, out, _ = cli(empty_engine, "audit", "--action", "sign_in", "--limit", "1")
    assert code == 0 and len(out.strip().splitlines()) == 1 and "\tother\tsign_in\t" in out
    for bad in (("--action", "nothing"), ("--limit", "0"), ("--limit", "many"), ("--since", "yesterday")):
        code, out, err = cli(empty_engine, "audit", *bad)
        assert code == 2 and out == "" and one_line_error(err).startswith("error:")
