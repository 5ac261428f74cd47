"""Command line: briefing decks and A4 briefs from live data (a contract, like `python -m data_loaders`).

    python -m reports deck --unit CODE [--as-of DATE] [--compare DATE] [--lang vi|en] --out FILE.pptx|FILE.pdf
    python -m reports brief --unit PROVINCE_CODE [--as-of DATE] [--lang vi|en] --out FILE.pdf
    python -m reports brief --all-provinces [--as-of DATE] [--lang vi|en] --out DIR
    python -m reports snapshot --unit CODE [--as-of DATE] [--lang vi|en] --out DIR

Exit 0 on success (one line per file written on stdout), 2 for bad usage, an unknown unit, a bad
date, an unsupported extension or an unwritable file: one line on stderr, never a traceback.
The database is the app's: DATABASE_URL, else the project's var/nq57.sqlite (data_loaders/store/engine.py);
without --as-of the figures are at the latest data date, as the app opens. NQ57_LANG is the language of
messages when --lang is not given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

from data_loaders.cli.main import UsageError, _Parser
from data_loaders.figures import scope
from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_number, t, tn
from data_loaders.seed import bootstrap
from data_loaders.store.models import NATIONAL_CODE

DECK_FORMATS = (".pptx", ".pdf")
# the same database as the app (store/engine.database_url), named in every --help
DATABASE_HELP = ("Database: DATABASE_URL, else var/nq57.sqlite in the project (the app's database). "
                 "--as-of defaults to the latest data date, as the app opens.")


def _message_language(argv: list[str]) -> str:
    if "--lang" in argv[:-1] and argv[argv.index("--lang") + 1] in LANGUAGES:
        return argv[argv.index("--lang") + 1]
    lang = os.environ.get("NQ57_LANG", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _date(value: str, lang: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(t("cli_bad_date", lang, value=value)) from None


def _write(path: Path, content: bytes, lang: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as error:
        raise UsageError(t("cli_cannot_write", lang, path=path, detail=error.strerror or error)) from None


def _written(path: Path, pages: int, started: float, lang: str) -> None:
    seconds = format_number(time.perf_counter() - started, lang, 1)
    print(tn("cli_written", pages, lang, path=path, pages=format_number(pages, lang), seconds=seconds))


def cmd_deck(args: argparse.Namespace) -> int:
    from reports.compose import deck_pages, slide_images
    from reports.pdf import deck_pdf
    from reports.pptx_deck import deck_pptx
    from reports.slides import build_slides

    lang, out = args.lang, Path(args.out)
    if out.suffix.lower() not in DECK_FORMATS:
        raise UsageError(t("cli_bad_extension", lang, name=out.name, allowed=", ".join(DECK_FORMATS)))
    as_of = _date(args.as_of, lang) if args.as_of else None
    compare = _date(args.compare, lang) if args.compare else None
    started = time.perf_counter()
    engine = bootstrap.prepare()
    try:
        plan = None
        if args.plan:  # a plan the unit sees: a national plan or its province's programme
            from data_loaders.figures.plans import plan_filter

            plan = plan_filter(args.unit, args.plan, engine)
            if plan is None:
                raise UsageError(t("cli_unknown_plan", lang, plan=args.plan, unit=args.unit))
        deck = build_slides(args.unit, as_of, compare, lang=lang, engine=engine, plan=plan)
    except scope.UnknownUnit:
        raise UsageError(t("cli_unknown_unit", lang, code=args.unit)) from None
    images = slide_images(deck)
    content = deck_pptx(deck, images) if out.suffix.lower() == ".pptx" else deck_pdf(deck, images)
    _write(out, content, lang)
    _written(out, len(deck_pages(deck, images)), started, lang)  # with the continuation pages
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from reports.pdf import province_brief

    lang = args.lang
    as_of = _date(args.as_of, lang) if args.as_of else None
    if bool(args.unit) == bool(args.all_provinces):
        raise UsageError(t("cli_brief_target", lang))
    out = Path(args.out)
    if args.unit and out.suffix.lower() != ".pdf":
        raise UsageError(t("cli_bad_extension", lang, name=out.name, allowed=".pdf"))
    engine = bootstrap.prepare()
    if args.unit:
        try:
            unit = scope.get_unit(args.unit, engine)
        except scope.UnknownUnit:
            raise UsageError(t("cli_unknown_unit", lang, code=args.unit)) from None
        if unit.level != "province":
            raise UsageError(t("cli_not_province", lang, code=args.unit))
        targets = [(unit, out)]
    else:
        as_of = as_of or scope.latest_data_date(engine)
        targets = [(province, out / f"nq57_brief_{province.code}_{as_of.isoformat()}.pdf")
                   for province in scope.child_units(NATIONAL_CODE, engine)]
    for unit, path in targets:
        started = time.perf_counter()
        _write(path, province_brief(unit.code, as_of, lang=lang, engine=engine), lang)
        _written(path, 1, started, lang)
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from reports.snapshot import write_snapshot

    lang, out = args.lang, Path(args.out)
    as_of = _date(args.as_of, lang) if args.as_of else None
    started = time.perf_counter()
    engine = bootstrap.prepare()
    try:
        deck = write_snapshot(args.unit, as_of, out, lang=lang, engine=engine)
    except scope.UnknownUnit:
        raise UsageError(t("cli_unknown_unit", lang, code=args.unit)) from None
    except OSError as error:
        raise UsageError(t("cli_cannot_write", lang, path=out, detail=error.strerror or error)) from None
    _written(out / "index.html", len(deck.slides), started, lang)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m reports", description="NQ57 Dashboard briefing decks and briefs",
                     epilog=DATABASE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    deck = commands.add_parser("deck", help="the briefing deck of a unit (.pptx or .pdf)",
        epilog=DATABASE_HELP)
    deck.add_argument("--unit", required=True, help="VN, a province code or a commune code")
    deck.add_argument("--as-of", help="YYYY-MM-DD (default: the latest data date)")
    deck.add_argument("--compare", help="YYYY-MM-DD: show the change in task status since this date")
    deck.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    deck.add_argument("--plan", metavar="CODE", help="the task slides count this plan's tasks only (a national "
                      "plan or a programme of the unit's province)")
    deck.add_argument("--out", required=True, help="FILE.pptx or FILE.pdf")
    deck.set_defaults(handler=cmd_deck)

    brief = commands.add_parser("brief", help="a one-page A4 PDF brief of a province (or of every province)",
         epilog=DATABASE_HELP)
    brief.add_argument("--unit", help="a province code")
    brief.add_argument("--all-provinces", action="store_true", help="one brief per province into the --out folder")
    brief.add_argument("--as-of", help="YYYY-MM-DD (default: the latest data date)")
    brief.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    brief.add_argument("--out", required=True, help="FILE.pdf, or a folder with --all-provinces")
    brief.set_defaults(handler=cmd_brief)

    snapshot = commands.add_parser("snapshot", help="the briefing as a static site (HTML, SVG charts, QR codes)",
            epilog=DATABASE_HELP)
    snapshot.add_argument("--unit", required=True, help="VN, a province code or a commune code")
    snapshot.add_argument("--as-of", help="YYYY-MM-DD (default: the latest data date)")
    snapshot.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    snapshot.add_argument("--out", required=True, help="the folder to write (replaced whole)")
    snapshot.set_defaults(handler=cmd_snapshot)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    lang = _message_language(argv)
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OperationalError:
        print(f"error: {t('database_unavailable', lang)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
