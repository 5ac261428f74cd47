"""Command line: `python -m data_loaders COMMAND …` (a contract: other tools depend on its JSON and
exit codes). Exit 0 on success, 1 for a rejected import (or a refused withdrawal or approval step), 2 for
bad usage, an unknown unit, a bad date, an unreadable file, a refused --user or the database down; errors
are one line on stderr, or with --json (on any command) one {"status": "error", "message"} object on
stdout, never a traceback. A reader that stops reading early (`… | head -1`) ends a command quietly,
exit 1.
An import is attributed to --user's account or to "cli:<login>", never to an account $USER names.

Each command imports what it needs (pandas, openpyxl, SQLAlchemy, the figures…) when it runs, so
`--help` and a usage error answer at once; tests/unit/test_cli_imports.py keeps it so."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

if TYPE_CHECKING:
    from data_loaders.identity.accounts import Account


class UsageError(Exception):
    """A one-line message for the user; exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: one line, exit 2
        raise UsageError(message)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(t("cli_bad_date", _lang(), value=value)) from None


def _lang() -> str:
    lang = os.environ.get("NQ57_LANG", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str))


def _unit_report(args: argparse.Namespace, compute) -> dict:
    """Run `compute(unit, as_of, engine)` for the unit and date on the command line; an unknown
    unit or a bad date becomes a one-line usage error (exit 2)."""
    from data_loaders.figures.scope import UnknownUnit
    from data_loaders.seed import bootstrap

    engine = bootstrap.prepare()
    as_of = _date(args.as_of) if args.as_of else None
    try:
        return compute(args.unit, as_of, engine)
    except UnknownUnit:
        raise UsageError(t("cli_unknown_unit", _lang(), code=args.unit)) from None


def cmd_summary(args: argparse.Namespace) -> int:
    from data_loaders.figures.headline import summary

    result = _unit_report(args, summary)
    if args.json:
        _print_json(result)
    else:
        unit, tasks = result["unit"], result["tasks"]
        print(f"{unit['name']} ({unit['code']}, {unit['level']}) — {result['as_of']}")
        print(f"  tasks: {tasks['total']} = {tasks['completed']} completed + {tasks['on_schedule']} on schedule"
              f" + {tasks['overdue']} overdue")
        for code, value in result["indicators"].items():
            print(f"  {code}: {value}")
        print(f"  children: {result['children']}")
    return 0


def cmd_warnings(args: argparse.Namespace) -> int:
    from data_loaders.figures import early_warnings
    from data_loaders.i18n.message import render

    result = _unit_report(args, lambda unit, as_of, engine: early_warnings.warnings(unit, as_of, engine=engine))
    for item in result["warnings"]:
        item["message"] = render(item["message"], _lang())  # the contract: each message in NQ57_LANG
    if args.json:
        _print_json(result)
    else:
        unit = result["unit"]
        print(f"{unit['name']} ({unit['code']}, {unit['level']}) — {result['as_of']}: "
              f"{len(result['warnings'])} warnings")
        for item in result["warnings"]:
            print(f"  [{item['kind']}] {item['message']}")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from data_loaders.figures import data_quality

    result = _unit_report(args, lambda unit, as_of, engine: data_quality.quality(unit, as_of, engine=engine))
    if args.json:
        _print_json(result)
    else:
        def line(name: str, scores: dict) -> str:
            return name + ": " + ", ".join(f"{k} {'–' if v is None else v}" for k, v in scores.items())

        print(f"{result['unit']['name']} ({result['unit']['code']}) — {result['as_of']}")
        print("  " + line("scores", result["scores"]))
        for child in result["children"]:
            print("  " + line(f"{child['unit']['code']} {child['unit']['name']}", child["scores"]))
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from data_loaders.identity.admin import change_setting
    from data_loaders.seed import bootstrap
    from data_loaders.store import settings as admin_settings

    engine = bootstrap.prepare()
    try:  # check every assignment before changing any
        assignments = [admin_settings.parse_assignment(a) for a in args.set or []]
        for key, value in assignments:
            admin_settings.validate(key, value)
        for key, value in assignments:
            change_setting(key, value, engine, user=args.user or _system_actor())
    except admin_settings.InvalidSetting as error:
        raise UsageError(t("cli_bad_setting", _lang(), detail=str(error))) from None
    values = admin_settings.settings_json(admin_settings.get_settings(engine))
    if args.json:
        _print_json(values)
    else:
        for key, value in values.items():
            print(f"{key} = {value}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from data_loaders.seed import bootstrap

    engine = bootstrap.prepare()
    if not bootstrap.is_empty(engine):
        print(t("cli_database_not_empty", _lang()), file=sys.stderr)
        return 0
    for result in bootstrap.load_sample(engine):
        print(f"{result.kind}: {result.status}, {result.rows} rows, {result.created} created")
    return 0


def cmd_generate_sample(args: argparse.Namespace) -> int:
    from data_loaders.seed.sample import generate

    for path in generate(Path(args.out_dir)):
        print(path)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from data_loaders.identity import accounts
    from data_loaders.ingest import post_commit
    from data_loaders.ingest.importer import import_file
    from data_loaders.ingest.problems import render
    from data_loaders.ingest.read import UnreadableFile
    from data_loaders.seed import bootstrap

    path = Path(args.file)
    lang = _lang()
    if not path.is_file():
        return _import_error(args, t("cli_file_missing", lang, path=path))
    engine = bootstrap.prepare()
    content = path.read_bytes()
    # Who the upload is attributed to: --user's account, checked here and again by the importer
    # against the account as stored; without --user the command line itself ("cli:<login>"), a
    # system actor no account can be, whatever $USER says.
    actor = _system_actor()
    account = None
    if args.user is not None:
        account = accounts.get_account(args.user, engine)
        refusal = _refused_uploader(account, args.user)
        if refusal is not None:
            key, params = refusal
            _record_refusal(engine, content, path.name, actor, key, params, dry_run=args.dry_run)
            return _import_error(args, t(key, lang, **params))
    try:
        result = import_file(content, path.name, user=actor, account=account, dry_run=args.dry_run, lang=lang,
                             engine=engine)
    except UnreadableFile as error:
        return _import_error(args, render(error.key, error.params, lang))
    except accounts.AccountError as error:
        return _import_error(args, t(error.key, lang, **error.params))
    payload = result.as_json(lang)
    if args.dry_run and result.status != "rejected":
        payload["status"] = "imported" if result.status == "preview" else result.status
        payload["dry_run"] = True
    if args.json:
        _print_json(payload)
    else:
        print(f"{payload['status']}: {result.kind}, {result.rows} rows")
        for problem in payload.get("errors", []) + payload.get("warnings", []):
            print(f"  {problem['sheet']}!{problem['column']} row {problem['row']}: {problem['message']}"
                  f" [{problem['value']}]")
    sys.stdout.flush()
    if result.status == "imported":  # the same step as the upload page: warm the figures of the new version
        post_commit.after_commit(engine)
    return 1 if result.status == "rejected" else 0


def _refused_uploader(account: Account | None, name: str) -> tuple[str, dict] | None:
    """Why --user's account may not have an upload attributed to it (message key, parameters), or None."""
    from data_loaders.identity import access, accounts

    if account is None:
        return "cli_unknown_account", {"username": name}
    if account.disabled:
        return "cli_account_disabled", {"username": account.username}
    try:
        access.check_permission(account, "upload")
    except accounts.AccountError:
        return "cli_account_may_not_upload", {"username": account.username}
    return None


def _record_refusal(engine, content: bytes, file_name: str, actor: str, key: str, params: dict, *,
                    dry_run: bool) -> None:
    """A refused --user: the attempt is the command line's (the account was not allowed to be
    named), in the history and the audit trail. An unknown name is not recorded: it may be a typo
    of something secret; an existing account's name is."""
    import hashlib

    from data_loaders.identity import audit
    from data_loaders.ingest import history
    from data_loaders.ingest.commit import Source
    from data_loaders.ingest.problems import Problem

    if key == "cli_unknown_account":
        key, params = "upload_refused_unknown_account", {}
    if dry_run:  # changes nothing, as any dry run; the refusal is still audited
        audit.record("upload_rejected", actor, target=file_name[:255], outcome="refused",
                     detail={"reason": key, **params}, engine=engine)
        return
    source = Source(file_name, hashlib.sha256(content).hexdigest(), actor, content)
    history.record_attempt(engine, source, kind=None, rows=0, reason=key,
                           errors=[Problem(None, None, None, None, key, params)])


def cmd_prune_rejected(args: argparse.Namespace) -> int:
    from data_loaders.ingest import history
    from data_loaders.seed import bootstrap
    from data_loaders.store import settings as admin_settings

    engine = bootstrap.prepare()
    days = admin_settings.get_settings(engine)["rejected_file_retention_days"]
    pruned = history.prune_rejected_files(engine, retention_days=days)
    if args.json:
        _print_json({"pruned": pruned, "retention_days": days})
    else:
        print(f"{pruned} rejected file copies older than {days} days dropped")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Withdraw a committed upload: exit 0, or 1 with the reason when it may not be withdrawn."""
    from data_loaders.identity.access import is_national_admin
    from data_loaders.identity.accounts import get_account
    from data_loaders.ingest.post_commit import after_commit
    from data_loaders.ingest.withdraw import WithdrawRefused, withdraw_upload
    from data_loaders.seed import bootstrap

    engine = bootstrap.prepare()
    lang = _lang()
    if args.user:
        account = get_account(args.user, engine)
        refused = _refused_uploader(account, args.user)
        if refused is not None:
            raise UsageError(t(refused[0], lang, **refused[1]))
        actor, is_admin = account.username, is_national_admin(account)
    else:  # the command line is trusted, as an import without --user is
        actor, is_admin = _system_actor(), True
    try:
        withdrawal = withdraw_upload(args.upload_id, actor=actor, is_admin=is_admin, engine=engine)
    except WithdrawRefused as error:
        message = t(error.key, lang, **error.params)
        if args.json:
            _print_json({"status": "refused", "upload_id": args.upload_id, "message": message})
        else:
            print(f"refused: {message}", file=sys.stderr)
        return 1
    after_commit(engine)  # the figures moved: warm them as an import does
    if args.json:
        _print_json({"status": "withdrawn", "upload_id": args.upload_id, "withdrawal": withdrawal})
    else:
        print(t("withdraw_done", lang, upload=args.upload_id, withdrawal=withdrawal))
    return 0


def _system_actor() -> str:
    """Who runs the command line, as the audit trail names them ("cli:" marks a system actor)."""
    import getpass

    from data_loaders.identity import accounts

    try:
        login = getpass.getuser()  # $USER, $LOGNAME, … or the password database
    except (KeyError, OSError):
        login = "unknown"
    return accounts.SYSTEM_ACTOR_PREFIX + login


def _read_password() -> str:
    """From a prompt, asked twice, on a terminal; else the first line of standard input. Never argv."""
    lang = _lang()
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(t("cli_password_prompt", lang))
        if getpass.getpass(t("cli_password_repeat", lang)) != password:
            raise UsageError(t("cli_password_mismatch", lang))
        return password
    line = sys.stdin.readline()
    if not line:
        raise UsageError(t("cli_password_missing", lang))
    return line.rstrip("\r\n")


def _account_line(account: Account) -> str:
    scope = account.scope_code + (f" / {account.agency}" if account.agency else "")
    state = " (disabled)" if account.disabled else ""
    return f"{account.username}\t{account.role}\t{scope}\t{account.display_name}\t{account.email or ''}{state}"


def cmd_users(args: argparse.Namespace) -> int:
    from data_loaders.identity import accounts
    from data_loaders.seed import bootstrap

    engine = bootstrap.prepare()
    actor = _system_actor()
    try:
        if args.users_command == "add":
            password = _read_password()
            account = accounts.create_account(args.name, password, args.role, args.scope, agency=args.agency,
                                              email=args.email, display_name=args.display_name or "", actor=actor,
                                              engine=engine)
        elif args.users_command == "list":
            listed = accounts.list_accounts(engine)
            if args.json:
                _print_json({"accounts": [a.as_json() for a in listed]})
            else:
                for account in listed:
                    print(_account_line(account))
            return 0
        elif args.users_command in ("disable", "enable"):
            account = accounts.set_disabled(args.name, args.users_command == "disable", actor=actor, engine=engine)
        else:  # reset-password
            if accounts.get_account(args.name, engine) is None:  # before asking for a password
                raise accounts.AccountError("account_unknown", username=args.name)
            account = accounts.reset_password(args.name, _read_password(), actor=actor, engine=engine)
    except accounts.AccountError as error:
        raise UsageError(t(error.key, _lang(), **error.params)) from None
    if getattr(args, "json", False):
        _print_json(account.as_json())
    else:
        print(_account_line(account))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from data_loaders.identity import audit
    from data_loaders.seed import bootstrap

    if args.action and args.action not in audit.ACTIONS:
        raise UsageError(f"--action must be one of: {', '.join(audit.ACTIONS)}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    since = _date(args.since) if args.since else None
    until = _date(args.until) + dt.timedelta(days=1) if args.until else None
    found = audit.entries(actor=args.actor, action=args.action, since=since, until=until, limit=args.limit,
                          engine=bootstrap.prepare())
    if args.json:
        _print_json({"entries": [{**entry, "at": entry["at"].isoformat()} for entry in found]})
    else:
        for entry in found:
            detail = json.dumps(entry["detail"], ensure_ascii=False) if entry["detail"] else ""
            print(f"{entry['at'].isoformat(timespec='seconds')}\t{entry['actor'] or '-'}\t{entry['action']}\t"
                  f"{entry['outcome']}\t{entry['target'] or ''}\t{detail}")
    return 0


def _import_error(args: argparse.Namespace, message: str) -> int:
    if args.json:
        _print_json({"status": "error", "message": message})
    else:
        print(message, file=sys.stderr)
    return 2


def cmd_template(args: argparse.Namespace) -> int:
    from data_loaders.ingest.templates import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out must name an .xlsx file: {out}")
    scope = _template_scope(args.scope)
    if args.agency is not None and (args.kind != "tasks" or not args.prefill):
        raise UsageError("--agency lists a ministry's tasks: use it with `template tasks --prefill`")
    if args.frequency is not None and args.kind != "indicators":
        raise UsageError("--frequency chooses indicators: use it with `template indicators`")
    if args.year is not None and (args.frequency != "yearly" or not 2000 <= args.year <= 2100):
        raise UsageError("--year (2000–2100) names the year of a yearly template: use it with --frequency yearly")
    from data_loaders.seed import bootstrap

    # both templates read the database: the task template lists the scope's plans (and, prefilled, its
    # tasks); the indicator template's columns are the catalogue's
    engine = bootstrap.prepare()
    if args.prefill and args.kind == "tasks":
        from data_loaders.cli.reporting import known_agency

        args.agency = known_agency(args.agency, engine) if args.agency is not None else None
    try:
        write_template(args.kind, out, scope_code=scope, prefill=args.prefill, agency=args.agency, engine=engine,
                       frequency=args.frequency, year=args.year)
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}") from None
    print(out)
    return 0


def _template_scope(raw: str | None) -> str:
    """--scope: VN, a province or a commune code as for `users add --scope` (leading zeros optional)."""
    if raw is None:
        return "VN"
    from data_loaders.identity import accounts

    try:
        return accounts.normalize_scope(raw)
    except accounts.AccountError as error:
        raise UsageError(f"--scope: {t(error.key, _lang(), **error.params)}") from None


def cmd_warm(args: argparse.Namespace) -> int:
    from data_loaders.figures import cache as rollup_cache
    from data_loaders.figures.scope import child_units
    from data_loaders.seed import bootstrap
    from data_loaders.store import engine as db

    engine = bootstrap.prepare()
    count = rollup_cache.warm(engine, db.data_version(engine), [u.code for u in child_units("VN", engine)]
                              if args.provinces else None)
    print(f"{count} figures computed for data version {db.data_version(engine)}")
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from data_loaders.seed import bootstrap
    from data_loaders.store import engine as db

    bootstrap.prepare()
    print(db.database_url().split("@")[-1])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m data_loaders", description="NQ57 Dashboard data commands")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for name, help_text, handler in (
        ("summary", "headline figures of a unit", cmd_summary),
        ("warnings", "early warnings for a unit, most urgent first", cmd_warnings),
        ("quality", "data quality scores (correct, sufficient, clean, live)", cmd_quality),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--unit", required=True, help="VN, a province code or a commune code")
        command.add_argument("--as-of", help="YYYY-MM-DD (default: the latest data date)")
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=handler)

    settings = commands.add_parser("settings", help="show or change the thresholds (warnings, quality)")
    settings.add_argument("--set", action="append", metavar="KEY=VALUE", help="change a setting (repeatable)")
    settings.add_argument("--user", help="who makes the change, as the audit trail names them "
                          "(default: cli:<login>, the command line)")
    settings.add_argument("--json", action="store_true")
    settings.set_defaults(handler=cmd_settings)

    seed = commands.add_parser("seed", help="load the sample workbooks into an empty database")
    seed.set_defaults(handler=cmd_seed)

    generate = commands.add_parser("generate-sample", help="(re)write the sample workbooks")
    generate.add_argument("--out-dir", default=str(Path(__file__).resolve().parents[2] / "sample_data"))
    generate.set_defaults(handler=cmd_generate_sample)

    importer = commands.add_parser("import", help="import a task-progress or indicator workbook")
    importer.add_argument("file")
    importer.add_argument("--dry-run", action="store_true", help="validate and preview; change nothing")
    importer.add_argument("--user", help="the account whose upload this is: its scope applies")
    importer.add_argument("--json", action="store_true")
    importer.set_defaults(handler=cmd_import)

    template = commands.add_parser("template", help="write a blank template")
    template.add_argument("kind", choices=("tasks", "indicators"))
    template.add_argument("--out", required=True)
    template.add_argument("--scope", metavar="CODE", help="cut to a province or commune: its units only, "
                          "and (indicators) one row per commune already named")
    template.add_argument("--prefill", action="store_true", help="tasks: one row per task of the scope with "
                          "its latest report (locked); type the new report only, rows left as they came are skipped")
    template.add_argument("--agency", metavar="NAME", help="with --prefill: only the tasks this lead agency leads "
                          "(a ministry reporter's template)")
    template.add_argument("--frequency", choices=("monthly", "quarterly", "yearly"),
                          help="indicators: only the catalogue's indicators of this frequency, one row per unit "
                          "that reports them (yearly DTI: the 34 provinces)")
    template.add_argument("--year", type=int, metavar="YYYY", help="with --frequency yearly: the year each row "
                          "reports (its period 12/YYYY)")
    template.set_defaults(handler=cmd_template)

    warm = commands.add_parser("warm", help="compute the national figures every app process shares (after a deploy)")
    warm.add_argument("--provinces", action="store_true", help="the 34 provinces too")
    warm.set_defaults(handler=cmd_warm)

    users = commands.add_parser("users", help="accounts: add, list, disable, enable, reset-password")
    users_commands = users.add_subparsers(dest="users_command", required=True, parser_class=_Parser)
    add = users_commands.add_parser("add", help="a new account; the password is read from a prompt or stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("admin", "viewer", "reporter", "approver"))
    add.add_argument("--scope", required=True, help="VN, a province code or a commune code")
    add.add_argument("--agency", help="a ministry reporter's lead agency (with --scope VN)")
    add.add_argument("--email")
    add.add_argument("--display-name")
    add.add_argument("--json", action="store_true")
    listing = users_commands.add_parser("list", help="every account")
    listing.add_argument("--json", action="store_true")
    for name, help_text in (("disable", "stop an account from signing in"), ("enable", "let it sign in again"),
                            ("reset-password", "a new password, read as for add (also lifts a lock-out)")):
        command = users_commands.add_parser(name, help=help_text)
        command.add_argument("name")
        command.add_argument("--json", action="store_true")
    users.set_defaults(handler=cmd_users)

    audit_trail = commands.add_parser("audit", help="the audit trail, newest first")
    audit_trail.add_argument("--actor")
    audit_trail.add_argument("--action")
    audit_trail.add_argument("--since", help="YYYY-MM-DD (inclusive)")
    audit_trail.add_argument("--until", help="YYYY-MM-DD (inclusive)")
    audit_trail.add_argument("--limit", type=int, default=100)
    audit_trail.add_argument("--json", action="store_true")
    audit_trail.set_defaults(handler=cmd_audit)

    prune = commands.add_parser("prune-rejected", help="drop the stored bytes of rejected files past "
                                "rejected_file_retention_days (the history rows stay)")
    prune.add_argument("--json", action="store_true")
    prune.set_defaults(handler=cmd_prune_rejected)

    withdraw = commands.add_parser("withdraw", help="withdraw a committed upload: its figures return to what "
                                   "they were before it")
    withdraw.add_argument("upload_id", type=int)
    withdraw.add_argument("--user", help="withdraw as this account (its own uploads only, unless an administrator)")
    withdraw.add_argument("--json", action="store_true")
    withdraw.set_defaults(handler=cmd_withdraw)

    upgrade = commands.add_parser("upgrade", help="apply database migrations")
    upgrade.set_defaults(handler=cmd_upgrade)

    from data_loaders.cli import (
        approvals,  # approvals list|approve|return|unlock (issue 13)
        digest,
        indicators,  # the indicator catalogue (issue 15)
        plans,  # plans list|add|retire: national plans and provinces' programmes (issue 15)
        reporting,  # reporting-status (issue 13)
        targets,  # targets list|set|remove (issue 15)
    )
    from data_loaders.cli.status import add_status_command  # data freshness and replication lag

    approvals.register(commands)
    digest.register(commands)
    reporting.register(commands)
    plans.register(commands)
    targets.register(commands)
    indicators.register(commands)
    add_status_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the command. A reader that stops reading early (`… | head -1`) ends it quietly: no error line,
    no "Exception ignored … BrokenPipeError" at exit (the rest of stdout goes to the null device), exit 1
    as Python itself exits on a closed pipe."""
    try:
        code = _run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        _stdout_to_devnull()
        return 1
    except SystemExit:  # argparse's --help: its text flushed here too
        if not _flushed():
            raise SystemExit(1) from None
        raise
    return code if _flushed() else 1


def _flushed() -> bool:
    """Flush stdout now (a closed pipe shows here, not in the interpreter's flush at exit); False, with
    stdout pointed at the null device, when the reader has gone."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return False
    return True


def _stdout_to_devnull() -> None:
    """Point the process's stdout at the null device, so the interpreter's last flush writes nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no file (captured in tests): nothing to flush at exit
        pass


def _run(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        return _fail(argv, str(error))
    from sqlalchemy.exc import InterfaceError, OperationalError  # after parsing: --help needs no database library

    try:
        return args.handler(args)
    except UsageError as error:
        return _fail(argv, str(error))
    except BrokenPipeError:  # the reader went away: main ends quietly, no error line
        raise
    except (OperationalError, InterfaceError):  # down, unreachable, refusing connections, locked
        return _fail(argv, t("database_unavailable", _lang()))
    except Exception as error:  # the contract: one line or one JSON object, never a traceback
        if os.environ.get("NQ57_DEBUG"):
            raise
        # the class name only: a database error's text would show its internals
        return _fail(argv, t("cli_unexpected_error", _lang(), detail=type(error).__name__))


def _wants_json(argv: list[str]) -> bool:
    """--json anywhere in the command: any error is then one JSON object on stdout."""
    return "--json" in argv


def _fail(argv: list[str], message: str) -> int:
    if _wants_json(argv):
        _print_json({"status": "error", "message": message})
    else:
        print(f"error: {message}", file=sys.stderr)
    return 2
