"""`python -m data_loaders plans list|add|retire`: the plans of the task catalogue (national plans
and each province's own programmes). A contract:

    plans list [--province CODE] [--json]
        {"plans": [{"code", "name_vi", "name_en", "province", "retired", "created_by", "created_at"}]}
        every plan, or (--province, a province or commune code) the plans that unit sees: the national
        plans and its province's programmes. Exit 0.
    plans add CODE --name-vi TEXT [--name-en TEXT] [--province CODE] [--user NAME] [--json]
        {"status": "added", "plan": {…}}, exit 0; without --province a national plan.
    plans retire CODE [--user NAME] [--json]
        {"status": "retired", "plan": {…}}, exit 0: it takes no new task; its tasks keep it.

A refused change (a code already taken, another province's programme for a province administrator,
a retired plan…) is {"status": "refused", "message"}, exit 1, and nothing changes. With --user the
change is that account's (it must be an administrator: nationally, or of the programme's province);
an unknown or disabled account is exit 2. Without --user the command line, trusted, is the actor
("cli:<login>"), as for `settings --set`. Every change is in the audit trail (plan_added, plan_retired).
"""

from __future__ import annotations

import argparse
import sys

from data_loaders.cli.main import UsageError, _lang, _print_json, _system_actor
from data_loaders.i18n import t


def _account(args: argparse.Namespace, engine):
    from data_loaders.identity.accounts import get_account

    if not args.user:
        return None
    account = get_account(args.user, engine)
    if account is None:
        raise UsageError(t("cli_unknown_account", _lang(), username=args.user))
    if account.disabled:
        raise UsageError(t("cli_account_disabled", _lang(), username=account.username))
    return account


def _line(plan, lang: str) -> str:
    owner = plan.owner_province_code or "VN"
    retired = f" ({t('plans_retired', lang)})" if plan.retired else ""
    return f"{plan.code}\t{owner}\t{plan.label(lang)}{retired}"


def cmd_plans(args: argparse.Namespace) -> int:
    from data_loaders.identity import plans as plan_admin
    from data_loaders.seed import bootstrap
    from data_loaders.store import plans

    engine = bootstrap.prepare()
    lang = _lang()
    if args.plans_command == "list":
        if args.province:
            from data_loaders.figures.plans import visible_plans
            from data_loaders.figures.scope import UnknownUnit

            try:
                found = visible_plans(args.province, engine)
            except UnknownUnit:
                raise UsageError(t("cli_unknown_unit", lang, code=args.province)) from None
        else:
            found = plans.all_plans(engine)
        if args.json:
            _print_json({"plans": [plan.as_json() for plan in found]})
        else:
            for plan in found:
                print(_line(plan, lang))
        return 0
    account = _account(args, engine)
    user = None if account is not None else _system_actor()
    try:
        if args.plans_command == "add":
            plan = plan_admin.add_plan(args.code, args.name_vi, args.name_en, args.province, engine,
                                       account=account, user=user)
            status, done = "added", "plans_cli_added"
        else:
            plan = plan_admin.retire_plan(args.code, engine, account=account, user=user)
            status, done = "retired", "plans_cli_retired"
    except plan_admin.PlanRefused as error:
        message = t(error.key, lang, **error.params)
        if args.json:
            _print_json({"status": "refused", "message": message})
        else:
            print(f"refused: {message}", file=sys.stderr)
        return 1
    from data_loaders.ingest.post_commit import after_commit

    after_commit(engine)  # the data version moved: compute the shared figures as an import does
    if args.json:
        _print_json({"status": status, "plan": plan.as_json()})
    else:
        print(t(done, lang, code=plan.code))
    return 0


def register(commands) -> None:
    """Adds `plans` to build_parser's subcommands."""
    from data_loaders.cli.main import _Parser

    command = commands.add_parser("plans", help="plans of the task catalogue: national plans and provinces' "
                                  "own programmes (list, add, retire)")
    sub = command.add_subparsers(dest="plans_command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="every plan, or those a unit sees")
    listing.add_argument("--province", metavar="CODE", help="a province or commune: the national plans and its "
                         "province's programmes")
    listing.add_argument("--json", action="store_true")
    add = sub.add_parser("add", help="a national plan, or (--province) a province's own programme")
    add.add_argument("code", help="the plan's code, as task sheets name it (at most 40 characters)")
    add.add_argument("--name-vi", required=True, help="its name in Vietnamese")
    add.add_argument("--name-en", help="its name in English (default: the Vietnamese name)")
    add.add_argument("--province", metavar="CODE", help="the province whose programme it is (default: national)")
    add.add_argument("--user", help="the administrator adding it (default: cli:<login>, the command line)")
    add.add_argument("--json", action="store_true")
    retire = sub.add_parser("retire", help="retire a plan: no new task; its tasks keep it")
    retire.add_argument("code")
    retire.add_argument("--user", help="the administrator retiring it (default: cli:<login>)")
    retire.add_argument("--json", action="store_true")
    command.set_defaults(handler=cmd_plans)
