"""The gettext catalogues (same keys and placeholders in both languages, plural forms, no unused key,
no call to a missing key) and the Babel number, date and chart formats. No database."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from data_loaders import i18n
from data_loaders.i18n import (
    LANGUAGES,
    format_compact,
    format_date,
    format_number,
    format_percent,
    message_keys,
    parse_number,
    plural_keys,
    read_catalogue,
    t,
    tn,
    vega_format_locale,
    vega_time_locale,
)

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _entries(lang: str) -> dict[str, tuple[str, ...]]:
    """key -> its texts (one, or one per plural form)."""
    entries = {}
    for message in read_catalogue(lang):
        if not message.id:
            continue  # the header
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        entries[key] = tuple(message.string) if isinstance(message.string, tuple) else (message.string,)
    return entries


def test_both_catalogues_have_the_same_keys_and_placeholders():
    vi, en = _entries("vi"), _entries("en")
    assert vi.keys() == en.keys()
    assert len(vi) > 500
    mismatched = {key: (vi[key], en[key]) for key in vi
                  if {frozenset(_placeholders(text)) for text in vi[key] + en[key]}
                  != {frozenset(_placeholders(vi[key][0]))}}
    assert not mismatched
    assert all(all(texts) for texts in [*vi.values(), *en.values()]), "an empty translation"


def test_plural_forms_header_and_forms_per_language():
    assert read_catalogue("vi").plural_forms == "nplurals=1; plural=0;"
    assert read_catalogue("en").plural_forms == "nplurals=2; plural=(n != 1);"
    assert plural_keys("vi") == plural_keys("en") and "deck_count_ai_experts" in plural_keys("en")
    vi, en = _entries("vi"), _entries("en")
    assert all(len(vi[key]) == 1 and len(en[key]) == 2 for key in plural_keys("en"))
    for path in (ROOT / "data_loaders/i18n/locale").glob("*/LC_MESSAGES/messages.po"):
        assert "#, fuzzy" not in path.read_text(encoding="utf-8")


def test_plural_messages_read_right_for_one_and_many():
    assert tn("deck_count_ai_experts", 1, "en", count="1") == "1 AI expert"
    assert tn("deck_count_ai_experts", 2, "en", count="2") == "2 AI experts"
    assert tn("deck_count_ai_experts", 1, "vi", count="1") == tn("deck_count_ai_experts", 5, "vi", count="5") \
        .replace("5", "1") == "1 chuyên gia AI"
    assert tn("tasks_shown", 1, "en", shown="1", total="1") == "1 of 1 task"
    assert tn("tasks_shown", 1_234, "en", shown="10", total="1,234") == "10 of 1,234 tasks"
    assert tn("deck_count_ai_experts", 1.5, "en", count="1.5") == "1.5 AI experts"
    # t() takes the form from an integer `count`; without one, the "many" form
    assert t("scope_refused", "en", count=1) == "The file was refused: 1 row is outside your scope. Nothing was saved."
    assert "3 rows are" in t("scope_refused", "en", count=3)
    assert "{count} rows are" in t("scope_refused", "en")


def test_messages_fill_placeholders_and_fall_back():
    assert t("as_of_caption", "vi", date="30/06/2025") == "Số liệu tính đến 30/06/2025"
    assert t("as_of_caption", "en", date="30 Jun 2025") == "Figures as of 30 Jun 2025"
    assert t("as_of_caption", "en") == "Figures as of {date}"  # no params: the template
    assert t("app_title", "fr") == t("app_title", "vi")  # an unknown language reads Vietnamese
    with pytest.raises(KeyError):
        t("no_such_message", "en")


def _code_files() -> dict[Path, str]:
    folders = ("app.py", "pages", "components", "charts", "data_loaders", "reports", "benchmarks")
    files = {}
    for folder in folders:
        path = ROOT / folder
        for file in ([path] if path.is_file() else path.rglob("*.py")):
            if "i18n" not in file.parts:
                files[file] = file.read_text(encoding="utf-8")
    return files


def test_every_catalogue_key_is_used_and_every_literal_key_exists():
    code = "\n".join(_code_files().values())
    # Keys built at run time: f"status_{s}", f"quality_{score}_def", ... count for their whole family.
    prefixes = set(re.findall(r"""f["']([a-z][a-z0-9_]*_)\{""", code))
    literals = set(re.findall(r"""["']([a-z][a-z0-9_]*)["']""", code))
    unused = sorted(key for key in message_keys("vi")
                    if key not in literals and not any(key.startswith(prefix) for prefix in prefixes))
    assert not unused, f"catalogue keys nothing uses: {unused}"
    called = set(re.findall(r"""\bt[rn]?\(\s*["']([a-z][a-z0-9_]*)["']""", code))
    assert called and not called - message_keys("vi"), f"keys missing from the catalogue: {called - message_keys('vi')}"


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", ["12.106", "68,8", "-1.234,50", "26,5%", "18,7%", "100,0%", "7%", "30/06/2025", "101,3 triệu", "1,5 tỷ",
            "12.106", "–"]),
    ("en", ["12,106", "68.8", "-1,234.50", "26.5%", "18.7%", "100.0%", "7%", "30 Jun 2025", "101.3 million",
            "1.5 billion", "12,106", "–"]),
])
def test_numbers_percentages_compact_numbers_and_dates(lang, expected):
    assert [
        format_number(12106, lang), format_number(68.75, lang, 1), format_number(-1234.5, lang, 2),
        format_percent(26.5, lang), format_percent(18.71, lang), format_percent(100, lang),
        format_percent(7.2, lang, 0),
        format_date(dt.date(2025, 6, 30), lang), format_compact(101_300_000, lang), format_compact(1.5e9, lang),
        format_compact(12106, lang), format_number(None, lang),
    ] == expected
    assert format_percent(float("nan"), lang) == format_date(None, lang) == "–"


def test_vega_number_locale_from_cldr():
    vi, en = vega_format_locale("vi"), vega_format_locale("en")
    assert (vi["decimal"], vi["thousands"], vi["grouping"]) == (",", ".", [3])
    assert (en["decimal"], en["thousands"], en["grouping"]) == (".", ",", [3])
    assert vi["currency"] == ["", "\xa0₫"] and en["currency"] == ["£", ""]
    assert {"decimal", "thousands", "grouping", "currency"} <= vi.keys()


def test_vega_time_locale_from_cldr():
    vi, en = vega_time_locale("vi"), vega_time_locale("en")
    for locale in (vi, en):
        assert set(locale) == {"dateTime", "date", "time", "periods", "days", "shortDays", "months", "shortMonths"}
        assert len(locale["days"]) == len(locale["shortDays"]) == 7 and len(locale["months"]) == 12
        assert len(locale["shortMonths"]) == 12 and len(locale["periods"]) == 2
    assert vi["date"] == "%d/%m/%Y" and en["date"] == "%-d %b %Y"  # the same dates format_date writes
    assert vi["days"][0] == "Chủ Nhật" and en["days"][:2] == ["Sunday", "Monday"]  # d3 starts on Sunday
    assert vi["months"][5] == "tháng 6" and en["shortMonths"][5] == "Jun"
    assert vi["time"] == en["time"] == "%H:%M:%S"
    assert vi["dateTime"] == "%X %x" and en["dateTime"] == "%x, %X"


def test_d3_patterns_cover_cldr_fields():
    assert i18n._d3_pattern("EEEE d MMMM y 'lúc' h:mm a") == "%A %-d %B %Y lúc %-I:%M %p"
    assert i18n._d3_pattern("HH:mm:ss '100%'") == "%H:%M:%S 100%%"


def test_every_language_is_listed():
    assert LANGUAGES == ("vi", "en") and i18n.DEFAULT_LANGUAGE == "vi"
    assert {p.parent.parent.name for p in (ROOT / "data_loaders/i18n/locale").glob("*/LC_MESSAGES/messages.po")} \
        == set(LANGUAGES)


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("0,5", "vi", 0.5), ("1.234,5", "vi", 1234.5), (" 90 ", "vi", 90.0), ("0.5", "en", 0.5), ("1,234.5", "en", 1234.5),
])
def test_parse_number_reads_the_languages_way(text, lang, expected):
    assert parse_number(text, lang) == expected


@pytest.mark.parametrize(("text", "lang"), [("0.5", "vi"), ("1.5", "vi"), ("0,5", "en"), ("abc", "vi"), ("", "en")])
def test_parse_number_refuses_what_the_language_does_not_write(text, lang):
    with pytest.raises(ValueError):
        parse_number(text, lang)
