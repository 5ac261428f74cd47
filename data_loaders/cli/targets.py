"""`python -m data_loaders targets list|set|remove` (a contract): the indicators' targets.

    targets list [--unit CODE] [--json]
        {"targets": [{"indicator", "unit", "unit_name", "target_value", "target_date", "baseline_value",
                      "baseline_date", "higher_is_better", "set_by", "set_at"}]}  (with --unit: those set for
        the unit and the units inside it)
    targets set INDICATOR --unit CODE --value V --date YYYY-MM-DD [--baseline V --baseline-date D]
                [--user NAME] [--json]
        {"status": "set", "target": {…}}
    targets remove INDICATOR --unit CODE [--user NAME] [--json]
        {"status": "removed", "indicator", "unit"}

Exit 0, or 2 with one line on stderr (one {"status": "error", "message"} object with --json): an unknown
indicator or unit, a bad date or number, a value outside what the indicator can be for the unit, a
baseline without its date or after the target, no target to remove, or --user not allowed to manage
the unit's targets (an administrator whose scope holds it). Without --user the change is the command
line's ("cli:<login>"), trusted as `settings --set` is. Every change is audited (`target_set`,
`target_removed`) and, like an upload, moves the data version; the shared figures are then warmed.
"""

from __future__ import annotations

import argparse

from data_loaders.cli.main import UsageError, _lang, _print_json, _system_actor
from data_loaders.i18n import t


def _who(args: argparse.Namespace, engine) -> dict:
    """account=… for --user (checked when the change is made), else the command line's user=…."""
    if not args.user:
        return {"user": _system_actor()}
    from data_loaders.identity.accounts import get_account

    account = get_account(args.user, engine)
    if account is None:
        raise UsageError(t("account_unknown", _lang(), username=args.user))
    if account.disabled:
        raise UsageError(t("target_not_permitted", _lang(), unit=args.unit))
    return {"account": account}


def cmd_targets(args: argparse.Namespace) -> int:
    from data_loaders.figures.scope import UnknownUnit
    from data_loaders.follow_up import targets
    from data_loaders.seed import bootstrap

    lang = _lang()
    engine = bootstrap.prepare()
    try:
        if args.targets_command == "list":
            listed = targets.list_targets(args.unit, engine)
            if args.json:
                _print_json({"targets": [targets.target_json(row) for row in listed]})
            else:
                for row in listed:
                    base = (f"\t{row['baseline_value']:g} @ {row['baseline_date'].isoformat()}"
                            if row["baseline_date"] else "\t-")
                    print(f"{row['indicator']}\t{row['unit_code']}\t{row['unit_name']}\t{row['value']:g}\t"
                          f"{row['date'].isoformat()}{base}\t{row['set_by']}")
            return 0
        if args.targets_command == "set":
            row = targets.set_target(args.indicator, args.unit, args.date, args.value, baseline_value=args.baseline,
                                     baseline_date=args.baseline_date, engine=engine, **_who(args, engine))
            payload = {"status": "set", "target": targets.target_json(row)}
            done = t("targets_set_done", lang, indicator=args.indicator, unit=row["unit_code"])
        else:
            targets.remove_target(args.indicator, args.unit, engine=engine, **_who(args, engine))
            payload = {"status": "removed", "indicator": args.indicator, "unit": args.unit}
            done = t("targets_removed_done", lang, indicator=args.indicator, unit=args.unit)
    except targets.TargetRefused as error:
        from data_loaders.i18n.message import render

        raise UsageError(render(error.message, lang)) from None
    except UnknownUnit:
        raise UsageError(t("target_unknown_unit", lang, unit=args.unit)) from None
    from data_loaders.ingest.post_commit import after_commit

    after_commit(engine)  # the warnings moved with the target: warm them as an import does
    if args.json:
        _print_json(payload)
    else:
        print(done)
    return 0


def register(commands) -> None:
    """Adds the command to build_parser's subcommands."""
    command = commands.add_parser("targets", help="indicators' targets: list, set, remove")
    sub = command.add_subparsers(dest="targets_command", required=True)
    listing = sub.add_parser("list", help="the targets in force")
    listing.add_argument("--unit", help="only those set for this unit and the units inside it")
    listing.add_argument("--json", action="store_true")
    setting = sub.add_parser("set", help="set (or replace) a unit's target of an indicator")
    removing = sub.add_parser("remove", help="remove a unit's own target (the one above it applies again)")
    for parser in (setting, removing):
        parser.add_argument("indicator", help="indicator code, e.g. fiveg_coverage_pct")
        parser.add_argument("--unit", required=True, help="VN, a province code or a commune code")
        parser.add_argument("--user", help="the administrator making the change (default: the command line)")
        parser.add_argument("--json", action="store_true")
    setting.add_argument("--value", required=True, help="the target value (90 for 90%%)")
    setting.add_argument("--date", required=True, help="the target date, YYYY-MM-DD")
    setting.add_argument("--baseline", help="the baseline value the path starts from")
    setting.add_argument("--baseline-date", dest="baseline_date", help="the baseline's date, YYYY-MM-DD")
    command.set_defaults(handler=cmd_targets)
