"""`python -m data_loaders reporting-status --period 2025-06 --unit CODE [--json]` (a contract): for each
unit directly below CODE, whether the month's report was submitted on time, late, or not (or is not
due yet), when and by whom — the figure of data_loaders/figures/reporting.py, due on the
`report_due_day` setting. Exit 0, or 2 for a bad period or an unknown unit (with --json, one
{"status": "error", "message"} object). Heavy libraries are imported inside the command only."""

from __future__ import annotations

import argparse
import datetime as dt

from data_loaders.cli.main import UsageError, _lang, _print_json
from data_loaders.i18n import t


def cmd_reporting_status(args: argparse.Namespace) -> int:
    from data_loaders.figures import reporting
    from data_loaders.figures.scope import UnknownUnit
    from data_loaders.seed import bootstrap
    from data_loaders.store.settings import get_settings

    lang = _lang()
    try:
        period = reporting.parse_period(args.period)
    except ValueError:
        raise UsageError(t("reporting_bad_period", lang, value=args.period)) from None
    engine = bootstrap.prepare()
    due_day = get_settings(engine)["report_due_day"]
    try:
        result = reporting.reporting_status(args.unit, period, due_day, dt.date.today(), engine=engine)
    except UnknownUnit:
        raise UsageError(t("cli_unknown_unit", lang, code=args.unit)) from None
    if args.json:
        _print_json(reporting.as_json(result, due_day))
        return 0
    unit, counts = result["unit"], result["counts"]
    print(f"{unit['name']} ({unit['code']}) — {result['period']}, due {result['due_date'].isoformat()}: "
          + ", ".join(f"{status} {counts[status]}" for status in reporting.STATUSES))
    for child in result["children"]:
        when = child["first_submitted_at"]
        print(f"  {child['unit']['code']}\t{child['unit']['name']}\t{child['status']}\t"
              f"{when.isoformat(timespec='minutes') if when else '-'}\t{child['first_submitted_by'] or '-'}")
    return 0


def known_agency(name: str, engine) -> str:
    """A lead agency as stored, matched without regard to case or diacritics; UsageError if none."""
    from sqlalchemy import select

    from data_loaders.i18n.text import fold
    from data_loaders.store.models import Agency

    with engine.connect() as conn:
        names = list(conn.execute(select(Agency.name)).scalars())
    found = next((stored for stored in names if fold(stored) == fold(name)), None)
    if found is None:
        raise UsageError(t("reporting_unknown_agency", _lang(), agency=name))
    return found


def register(commands) -> None:
    """Adds the command to build_parser's subcommands."""
    command = commands.add_parser("reporting-status", help="who has reported for a month: on time, late, not "
                                  "submitted (due on the report_due_day setting of the following month)")
    command.add_argument("--period", required=True, metavar="YYYY-MM", help="the reporting month")
    command.add_argument("--unit", required=True, help="VN, a province code or a commune code: the units below it")
    command.add_argument("--json", action="store_true")
    command.set_defaults(handler=cmd_reporting_status)
