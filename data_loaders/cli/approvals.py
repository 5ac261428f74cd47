"""`python -m data_loaders approvals list|approve|return|unlock --period YYYY-MM --unit CODE [--reason TEXT]
[--user NAME] [--json]`, and `approvals approve --all-awaiting --unit CODE …` (a contract; the rules are
data_loaders/ingest/approvals.py).

- `list --unit CODE`: the submissions of the units directly below CODE for the month, each with its state
  (not_submitted | submitted | returned | approved), reporting status, counts, last upload and the
  decision on it. JSON: {"unit", "period", "due_date", "counts": {state: n}, "own", "children": [{"unit",
  "state", "reporting", "uploads", "task_reports", "indicator_values", "first_submitted_at",
  "last_submitted_at", "last_submitted_by", "reason", "decided_by", "decided_at", "locked", "locked_above"}]}.
- `approve | return | unlock --unit CODE`: that unit's submission (`return` needs --reason). JSON on success:
  {"status": "approved" | "returned" | "unlocked", "unit", "period", "reason", "decided_by", "decided_at"};
  exit 0. A step that may not be taken (not the --user's to take, nothing submitted, already approved, …):
  {"status": "refused", "message"}, exit 1, nothing changes.
- `approve --all-awaiting --unit CODE`: every submission of the units directly below CODE awaiting approval
  (state submitted), each approved as its own step (checked, recorded and audited as one `approve`). JSON:
  {"status": "approved" | "partial" | "refused", "unit", "period", "approved": [one approval's JSON, …],
  "refused": [{"unit": {"code", "name", "level"}, "message"}, …]}: "approved" when none was refused (also
  when none awaited), "partial" when some were approved and some refused, "refused" when all were; exit 0
  when none was refused, else 1 (the others stay approved). Without --json: one line per unit, refusals on
  stderr.

With --user the step is that account's (an approver of the level above, or an administrator); an unknown
or disabled account is exit 2. Without it the command line is trusted and recorded as "cli:<login>". A bad
period, an unknown unit or bad usage is exit 2 ({"status": "error", "message"} with --json)."""

from __future__ import annotations

import argparse
import sys

from data_loaders.cli.main import UsageError, _lang, _print_json, _system_actor
from data_loaders.i18n import t


def cmd_approvals(args: argparse.Namespace) -> int:
    from data_loaders.figures import reporting
    from data_loaders.figures.scope import UnknownUnit
    from data_loaders.identity.accounts import get_account
    from data_loaders.ingest import approvals
    from data_loaders.seed import bootstrap

    lang = _lang()
    try:
        period = reporting.parse_period(args.period)
    except ValueError:
        raise UsageError(t("reporting_bad_period", lang, value=args.period)) from None
    if args.step == "return" and not (args.reason or "").strip():
        raise UsageError(t("cli_approval_reason_needed", lang))
    if args.all_awaiting and args.step != "approve":
        raise UsageError(t("cli_approval_all_awaiting_approve_only", lang))
    engine = bootstrap.prepare()
    try:
        if args.step == "list":
            listed = approvals.submissions(args.unit, period, engine=engine)
            return _print_list(listed, args.json)
        actor, account = _system_actor(), None
        if args.user:
            account = get_account(args.user, engine)
            if account is None:
                raise UsageError(t("cli_unknown_account", lang, username=args.user))
            if account.disabled:
                raise UsageError(t("cli_account_disabled", lang, username=account.username))
            actor = account.username
        if args.all_awaiting:
            return _approve_all(args, period, actor, account, engine)
        try:
            decided = approvals.decide(args.step, args.unit, period, actor=actor, account=account,
                                       reason=args.reason, engine=engine)
        except approvals.ApprovalRefused as error:
            message = t(error.key, lang, **error.params)
            if args.json:
                _print_json({"status": "refused", "message": message})
            else:
                print(f"refused: {message}", file=sys.stderr)
            return 1
    except UnknownUnit:
        raise UsageError(t("cli_unknown_unit", lang, code=args.unit)) from None
    if args.json:
        _print_json({**decided, "decided_at": decided["decided_at"].isoformat()})
    else:
        unit = decided["unit"]
        print(f"{decided['status']}: {unit['name']} ({unit['code']}), {decided['period']}")
    return 0


def _approve_all(args: argparse.Namespace, period, actor: str, account, engine) -> int:
    """approve --all-awaiting: each awaiting unit below --unit approved by its own step; refusals reported."""
    from data_loaders.figures.scope import get_unit
    from data_loaders.ingest import approvals

    lang = _lang()
    unit = get_unit(args.unit, engine).as_json()
    codes = approvals.awaiting(args.unit, period, engine=engine)
    done = approvals.approve_all(codes, period, actor=actor, account=account, reason=args.reason, engine=engine)
    refused = [{"unit": item["unit"], "message": t(item["key"], lang, **item["params"])} for item in done["refused"]]
    status = "approved" if not refused else ("partial" if done["approved"] else "refused")
    if args.json:
        _print_json({"status": status, "unit": unit, "period": done["period"],
                     "approved": [{**decided, "decided_at": decided["decided_at"].isoformat()}
                                  for decided in done["approved"]],
                     "refused": refused})
    else:
        for decided in done["approved"]:
            print(f"{decided['status']}: {decided['unit']['name']} ({decided['unit']['code']}), {decided['period']}")
        for item in refused:
            print(f"refused: {item['message']}", file=sys.stderr)
        print(f"{unit['name']} ({unit['code']}) — {done['period']}: approved {len(done['approved'])}, "
              f"refused {len(refused)}")
    return 1 if refused else 0


def _print_list(listed: dict, as_json: bool) -> int:
    from data_loaders.ingest import approvals

    if as_json:
        _print_json(approvals.as_json(listed))
        return 0
    unit, counts = listed["unit"], listed["counts"]
    print(f"{unit['name']} ({unit['code']}) — {listed['period']}: "
          + ", ".join(f"{state} {counts[state]}" for state in approvals.STATES))
    for row in listed["children"]:
        last = row["last_submitted_at"]
        print(f"  {row['unit']['code']}\t{row['unit']['name']}\t{row['state']}\t{row['uploads']} uploads\t"
              f"{last.isoformat(timespec='minutes') if last else '-'}\t{row['reason'] or ''}")
    return 0


def register(commands) -> None:
    """Adds the command to build_parser's subcommands."""
    command = commands.add_parser("approvals", help="list, approve, return or unlock the monthly submissions "
                                  "of the units below (an approved unit and month is locked)")
    command.add_argument("step", choices=("list", "approve", "return", "unlock"))
    command.add_argument("--period", required=True, metavar="YYYY-MM", help="the reporting month")
    command.add_argument("--unit", required=True, help="list: the units below it; otherwise the unit decided")
    command.add_argument("--reason", help="why a submission is returned (the clerk sees it)")
    command.add_argument("--user", help="the approver taking the step (its scope applies)")
    command.add_argument("--all-awaiting", action="store_true",
                         help="approve only: every submission awaiting approval of the units below --unit, "
                         "each its own step; refusals reported")
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=cmd_approvals)
