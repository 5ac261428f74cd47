"""Every user-facing string in Vietnamese and English, and each language's number and date formats.

Strings live in gettext catalogues, locale/<lang>/LC_MESSAGES/messages.po, one entry per message key
(msgid = the key the code uses, msgstr = the text with {name} placeholders for str.format). A message
that counts something has plural forms (English: "1 AI expert", "2 AI experts"; Vietnamese has one form).
The .po files are compiled in memory the first time a language is used (Babel read_po -> write_mo ->
gettext.GNUTranslations): a fresh clone needs no build step, and no compiled file can fall behind its
source (about 0.1 s per language, once per process).

Numbers, percentages, compact numbers, dates and the Vega-Lite chart locale come from Babel's CLDR
data: 12.106, 26,5%, 101,3 triệu and 30/06/2025 in Vietnamese; 12,106, 26.5%, 101.3 million and
30 Jun 2025 in English."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import gettext
import io
import math
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import tokenize_pattern
from babel.numbers import format_compact_decimal

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = {"vi": "vi_VN", "en": "en_GB"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# CLDR's Vietnamese numeric date is d/M/y (30/6/2025); Vietnamese documents, and the README, pad
# day and month (30/06/2025). English takes CLDR's en_GB medium date (30 Jun 2025).
_DATE_PATTERNS = {"vi": "dd/MM/y", "en": "medium"}
DASH = "–"  # what a missing figure shows
# Every time the app shows is Vietnam's (no daylight saving since 1975: always UTC+7), labelled as such.
TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def read_catalogue(lang: str):
    """The language's .po file as a babel Catalog."""
    from babel.messages.pofile import read_po  # only when a catalogue is first needed

    with catalogue_path(lang).open("rb") as source:
        return read_po(source, locale=_LOCALES[lang], domain=DOMAIN)


@functools.cache
def _translations(lang: str) -> tuple[gettext.GNUTranslations, frozenset[str], frozenset[str]]:
    """The compiled catalogue, its keys and the keys that have plural forms."""
    from babel.messages.mofile import write_mo

    catalogue = read_catalogue(lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    ids = [message.id for message in catalogue if message.id]
    plural = frozenset(i[0] for i in ids if isinstance(i, tuple))
    singular = frozenset(i for i in ids if not isinstance(i, tuple))
    return gettext.GNUTranslations(compiled), singular | plural, plural


def message_keys(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    return _translations(_lang(lang))[1]


def plural_keys(lang: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    return _translations(_lang(lang))[2]


def _template(key: str, lang: str, count: int | float | None) -> str:
    translations, keys, plural = _translations(_lang(lang))
    if key not in keys:
        raise KeyError(key)
    if key in plural:
        # No count, or a fraction (1.5 experts): the "many" form, which reads right for any count but one.
        whole = count is not None and float(count).is_integer()
        return translations.ngettext(key, key, int(count) if whole else 2)
    return translations.gettext(key)


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message `key` in `lang`, its {placeholders} filled from `params` (no params: the template
    itself). A message with plural forms takes its form from an integer `count` param when there is
    one; use tn() when the counting placeholder has another name."""
    count = params.get("count")
    template = _template(key, lang, count if isinstance(count, int) and not isinstance(count, bool) else None)
    return template.format(**params) if params else template


def tn(key: str, n: int | float, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The plural message `key` in the form for the count `n` (ngettext), filled from `params`:
    tn("tasks_shown", 1, "en", shown="1", total="1") -> "1 of 1 task"."""
    template = _template(key, lang, n)
    return template.format(**params) if params else template


# --- numbers and dates -------------------------------------------------------------------------


@functools.cache
def locale(lang: str) -> Locale:
    return Locale.parse(_LOCALES[_lang(lang)])


@functools.cache
def _pattern(lang: str, kind: str, decimals: int | None):
    """The locale's standard decimal or percent pattern, with exactly `decimals` decimals (None: as CLDR has it,
    up to three for vi and en)."""
    loc = locale(lang)
    pattern = copy.copy(loc.decimal_formats[None] if kind == "decimal" else loc.percent_formats[None])
    if decimals is not None:
        pattern.frac_prec = (decimals, decimals)
    return pattern


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int | None = 0) -> str:
    """12106 -> "12.106" (vi) or "12,106" (en), with exactly `decimals` decimals (None: only those the value
    has, up to three: 18.71 -> "18,71", 32.0 -> "32"); None or NaN -> an en dash."""
    if _missing(value):
        return DASH
    return _pattern(_lang(lang), "decimal", decimals).apply(value, locale(lang))


def parse_number(text: str, lang: str = DEFAULT_LANGUAGE) -> float:
    """A number as a person types it in `lang`: "0,5" or "1.234,5" (vi), "0.5" or "1,234.5" (en).
    Raises ValueError for anything else, including grouping that does not fit the language ("1.5" in
    Vietnamese, which could mean 15 or 1,5)."""
    from babel.numbers import NumberFormatError, parse_decimal

    try:
        return float(parse_decimal(str(text).strip(), locale=locale(lang), strict=True))
    except NumberFormatError as error:
        raise ValueError(str(error)) from None


def format_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    """A value already in percent: 26.5 -> "26,5%" (vi) or "26.5%" (en), the locale's percent pattern."""
    if _missing(value):
        return DASH
    return _pattern(_lang(lang), "percent", decimals).apply(Decimal(str(value)).scaleb(-2), locale(lang))


def format_compact(value: float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Large counts for a card: 101.300.000 -> "101,3 triệu" (vi) / "101.3 million" (en); below a
    million the whole number (12.106), which a card has room for."""
    if _missing(value):
        return DASH
    if abs(value) < 1_000_000:
        return format_number(value, lang)
    return format_compact_decimal(value, format_type="long", locale=locale(lang), fraction_digits=1)


def format_date(value: dt.date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """30/06/2025 in Vietnamese, 30 Jun 2025 in English."""
    if value is None:
        return DASH
    return _formatted_date(value, lang)


@functools.lru_cache(maxsize=8192)
def _formatted_date(value: dt.date, lang: str) -> str:
    # tables repeat a few hundred dates over thousands of rows (a nation's task list: 5,000 deadlines)
    return _babel_format_date(value, format=_date_pattern(lang), locale=locale(lang))


def format_datetime(value: dt.datetime | None, lang: str = DEFAULT_LANGUAGE, *, zone: bool = True) -> str:
    """A moment in Vietnam's time, with its zone: "06/12/2026 14:05 (UTC+7)" in Vietnamese,
    "6 Dec 2026 14:05 (UTC+7)" in English. A naive datetime is UTC (SQLite hands stored times back
    without a zone). `zone=False` leaves the zone out, for a table column whose header carries it once
    (`with_zone`): "06/12/2026 14:05" under "Thời điểm (UTC+7)"."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    local = value.astimezone(TIME_ZONE)
    shown = f"{format_date(local.date(), lang)} {local:%H:%M}"
    return f"{shown} ({_zone_name(local)})" if zone else shown


def _zone_name(local: dt.datetime) -> str:
    offset = local.utcoffset() or dt.timedelta()
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{'-' if offset < dt.timedelta() else '+'}{hours}" + (f":{minutes:02d}" if minutes else "")


def with_zone(label: str) -> str:
    """A time column's header with the zone its cells (format_datetime(…, zone=False)) are in: "Thời điểm (UTC+7)"."""
    return f"{label} ({_zone_name(dt.datetime.now(TIME_ZONE))})"


def _date_pattern(lang: str) -> str:
    pattern = _DATE_PATTERNS[_lang(lang)]
    return locale(lang).date_formats[pattern].pattern if pattern in ("short", "medium", "long", "full") else pattern


# --- the Vega-Lite chart locale (d3-format and d3-time-format), from the same CLDR data ----------------


def vega_format_locale(lang: str) -> dict:
    """d3-format locale: {"decimal", "thousands", "grouping", "currency", "percent", "minus"}."""
    loc = locale(lang)
    symbols = loc.number_symbols["latn"]
    pattern = loc.decimal_formats[None]
    currency_pattern = loc.currency_formats["standard"]
    code = _territory_currency(loc)
    symbol = loc.currency_symbols.get(code, code)
    # the positive pattern's text before and after the number, with the currency sign in place of ¤
    prefix, suffix = (text.replace("¤", symbol) for text in (currency_pattern.prefix[0], currency_pattern.suffix[0]))
    return {
        "decimal": symbols["decimal"],
        "thousands": symbols["group"],
        "grouping": [pattern.grouping[0]],
        "currency": [prefix, suffix],
        "percent": symbols["percentSign"],
        "minus": symbols["minusSign"],
    }


def _territory_currency(loc: Locale) -> str:
    from babel.numbers import get_territory_currencies

    return get_territory_currencies(loc.territory)[0]


# CLDR date fields -> d3-time-format directives, by (field, width); the "-" flag drops d3's padding.
_D3_FIELDS = {
    ("y", 1): "%Y", ("y", 2): "%y", ("y", 4): "%Y",
    ("M", 1): "%-m", ("M", 2): "%m", ("M", 3): "%b", ("M", 4): "%B",
    ("L", 1): "%-m", ("L", 2): "%m", ("L", 3): "%b", ("L", 4): "%B",
    ("d", 1): "%-d", ("d", 2): "%d",
    ("E", 1): "%a", ("E", 2): "%a", ("E", 3): "%a", ("E", 4): "%A",
    ("H", 1): "%-H", ("H", 2): "%H", ("h", 1): "%-I", ("h", 2): "%I",
    ("m", 1): "%-M", ("m", 2): "%M", ("s", 1): "%-S", ("s", 2): "%S",
    ("a", 1): "%p",
}


def _d3_pattern(cldr_pattern: str) -> str:
    """A CLDR date pattern as a d3-time-format specifier: "dd/MM/y" -> "%d/%m/%Y"."""
    parts = []
    for kind, value in tokenize_pattern(cldr_pattern):
        if kind == "chars":
            parts.append(value.replace("%", "%%"))
        else:
            parts.append(_D3_FIELDS[value])
    return "".join(parts)


def vega_time_locale(lang: str) -> dict:
    """d3-time-format locale: dateTime, date, time, periods, days, shortDays, months, shortMonths
    (days from Sunday, as d3 wants; Babel numbers them from Monday)."""
    loc = locale(lang)
    date = _d3_pattern(_date_pattern(lang))
    time = _d3_pattern(loc.time_formats["medium"].pattern)
    date_time = str(loc.datetime_formats["medium"]).replace("{1}", "%x").replace("{0}", "%X")
    days, short_days = loc.days["format"]["wide"], loc.days["format"]["abbreviated"]
    months, short_months = loc.months["format"]["wide"], loc.months["format"]["abbreviated"]
    periods = loc.day_periods["format"]["abbreviated"]
    sunday_first = (6, 0, 1, 2, 3, 4, 5)
    return {
        "dateTime": date_time,
        "date": date,
        "time": time,
        "periods": [periods["am"], periods["pm"]],
        "days": [days[i] for i in sunday_first],
        "shortDays": [short_days[i] for i in sunday_first],
        "months": [months[i] for i in range(1, 13)],
        "shortMonths": [short_months[i] for i in range(1, 13)],
    }
