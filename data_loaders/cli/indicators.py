"""`python -m data_loaders indicators list|add|retire|delete [--json]`: the indicator catalogue.

    indicators list [--user NAME] [--json]
    indicators add CODE --name-vi … --name-en … --unit-vi … --unit-en … [--rollup sum|population_weighted|
        average|latest|none] [--group infrastructure|ecosystem|population] [--integer] [--min N] [--max N]
        [--decimals N] [--lower-is-better] [--frequency monthly|quarterly|yearly] [--levels commune,province]
        [--province CODE] [--user NAME] [--json]
    indicators retire CODE [--user NAME] [--json]
    indicators delete CODE [--user NAME] [--json]

Without --user the command line itself makes the change ("cli:<login>", trusted, as for settings);
with --user that account's rights apply: a national administrator manages every indicator, a
province's administrator only that province's own (`add --province` their province). `list --json`
prints {"indicators": [{code, name_vi, name_en, unit_vi, unit_en, rollup, group, integer, minimum,
maximum, decimals, higher_is_better, frequency, levels, province ("VN" for a national one), retired,
builtin, sort_order}]}; add, retire and delete print {"status": "added" | "retired" | "deleted",
"indicator"}. A refused change (not permitted, a built-in indicator, one with data, an unknown code,
a code in use) exits 1 with {"status": "refused", "message"}; a field that is not acceptable or an
unknown --user is a usage error (exit 2), as is everything else that fails. Heavy libraries are
imported inside the command only."""

from __future__ import annotations

import argparse

from data_loaders.cli.main import UsageError, _lang, _print_json, _system_actor
from data_loaders.i18n import t

DONE_KEYS = {"added": "catalogue_done_added", "retired": "catalogue_done_retired", "deleted": "catalogue_done_deleted"}


def _line(indicator) -> str:
    owner = indicator.owner_province_code or "VN"
    state = " (retired)" if indicator.retired else ""
    return (f"{indicator.code}\t{owner}\t{indicator.rollup}\t{indicator.frequency}\t{','.join(indicator.levels)}\t"
            f"{indicator.vi} ({indicator.unit_vi}){state}")


def cmd_indicators(args: argparse.Namespace) -> int:
    from data_loaders.identity import indicators as catalogue
    from data_loaders.identity.accounts import AccountError, get_account
    from data_loaders.seed import bootstrap

    engine = bootstrap.prepare()
    lang = _lang()
    account = None
    if args.user:
        account = get_account(args.user, engine)
        if account is None or account.disabled:
            raise UsageError(t("catalogue_unknown_user", lang, username=args.user))
    if args.indicators_command == "list":
        listed = catalogue.manageable(account, engine)
        if args.json:
            _print_json({"indicators": [catalogue.indicator_json(i) for i in listed]})
        else:
            for indicator in listed:
                print(_line(indicator))
        return 0
    who = {"account": account} if account is not None else {"user": _system_actor()}
    try:
        if args.indicators_command == "add":
            province = _province(args.province)
            new = catalogue.NewIndicator(
                code=args.code, name_vi=args.name_vi, name_en=args.name_en, unit_vi=args.unit_vi,
                unit_en=args.unit_en, rollup=args.rollup, group=args.group, integer=args.integer,
                minimum=args.min, maximum=args.max, decimals=args.decimals,
                higher_is_better=not args.lower_is_better, frequency=args.frequency,
                levels=tuple(args.levels.split(",")), province_code=province)
            result, status = catalogue.indicator_json(catalogue.add_indicator(new, engine=engine, **who)), "added"
        elif args.indicators_command == "retire":
            result = catalogue.indicator_json(catalogue.retire_indicator(args.code, engine=engine, **who))
            status = "retired"
        else:
            catalogue.delete_indicator(args.code, engine=engine, **who)
            result, status = {"code": args.code}, "deleted"
    except catalogue.InvalidIndicator as error:
        raise UsageError(t(error.key, lang, **error.params)) from None
    except AccountError as error:  # IndicatorRefused and the like: refused, nothing changed
        message = t(error.key, lang, **error.params)
        if args.json:
            _print_json({"status": "refused", "message": message})
        else:
            print(f"refused: {message}")
        return 1
    if args.json:
        _print_json({"status": status, "indicator": result})
    else:
        print(t(DONE_KEYS[status], lang, code=result["code"]))
    return 0


def _province(raw: str | None) -> str | None:
    if raw is None or raw.upper() == "VN":
        return None
    from data_loaders.identity import accounts

    try:
        code = accounts.normalize_scope(raw)
    except accounts.AccountError as error:
        raise UsageError(f"--province: {t(error.key, _lang(), **error.params)}") from None
    if len(code) != 2:
        raise UsageError(t("catalogue_bad_province", _lang(), code=raw))
    return code


def register(commands) -> None:
    """Adds `indicators` to build_parser's subcommands."""
    from data_loaders.cli.main import _Parser

    command = commands.add_parser("indicators", help="the indicator catalogue: list, add, retire, delete")
    sub = command.add_subparsers(dest="indicators_command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="every indicator (a province administrator's: national and own)")
    add = sub.add_parser("add", help="a new indicator: a column of the next template, import, summary, pages, decks")
    add.add_argument("code", help="lower-case letters, digits and _ (e.g. dti_score)")
    add.add_argument("--name-vi", required=True)
    add.add_argument("--name-en", required=True)
    add.add_argument("--unit-vi", required=True)
    add.add_argument("--unit-en", required=True)
    add.add_argument("--rollup", default="sum", choices=("sum", "population_weighted", "average", "latest", "none"))
    add.add_argument("--group", default="ecosystem", choices=("infrastructure", "ecosystem", "population"),
                     help="the page it is charted on")
    add.add_argument("--integer", action="store_true", help="counts whole things (no fractions accepted)")
    add.add_argument("--min", type=float, default=0.0, help="the smallest plausible value for one unit (default 0)")
    add.add_argument("--max", type=float, default=1_000_000.0, help="the largest plausible value for one unit")
    add.add_argument("--decimals", type=int, default=0, help="shown with this many decimals")
    add.add_argument("--lower-is-better", action="store_true")
    add.add_argument("--frequency", default="monthly", choices=("monthly", "quarterly", "yearly"))
    add.add_argument("--levels", default="commune", help="the levels that report it, comma-separated: "
                     "commune, province, national (default commune)")
    add.add_argument("--province", metavar="CODE", help="a province's own indicator (default: national)")
    retire = sub.add_parser("retire", help="off templates and new imports; its values and figures stay")
    retire.add_argument("code")
    delete = sub.add_parser("delete", help="only an indicator without data (else retire it)")
    delete.add_argument("code")
    for parser in (listing, add, retire, delete):
        parser.add_argument("--user", help="act as this account (its rights apply); default: cli:<login>")
        parser.add_argument("--json", action="store_true")
    command.set_defaults(handler=cmd_indicators)
