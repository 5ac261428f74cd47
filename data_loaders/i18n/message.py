"""A message as results carry it: a catalogue key and its parameters, never translated text.
Language is applied at the edge (a page, a deck, the command line) by `render`.

Parameters stay raw values, so the same result serves every language and can be cached or stored:
an int or float is formatted as a number of the reader's language, a date as a date, and the small
wrappers below say what else a value is (a percentage, a month, a catalogue term).

Messages and wrappers are plain JSON objects (dict subclasses), so a result holding thousands of
them (the national warnings) is stored in the shared cache and read back by the json module's C code,
with no Python callback per message; read back, they are plain dicts and `render` takes either:

    {"key": "warn_overdue", "params": {"days": 120, "deadline": {"date": "2025-03-02"},
                                       "progress": {"percent": 32.0, "decimals": 0}}, "plural": "days"}
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from data_loaders.i18n import DEFAULT_LANGUAGE, format_date, format_number, format_percent, locale, t, tn


class Percent(dict):
    def __init__(self, value: float, decimals: int = 1):
        super().__init__(percent=value, decimals=decimals)


class Month(dict):
    """A reporting month: 06/2025 in Vietnamese, Jun 2025 in English."""

    def __init__(self, day: dt.date):
        super().__init__(month=day.isoformat())


class Term(dict):
    """A word of the catalogue ("Toàn quốc", "Các bộ, ngành trung ương") used as a parameter."""

    def __init__(self, key: str):
        super().__init__(term=key)


class Message(dict):
    """A catalogue key, its parameters and, for a message with plural forms, the parameter whose
    number chooses the form ("1 day" / "2 days"). Dates among the parameters are kept as ISO dates."""

    def __init__(self, key: str, params: Mapping[str, Any] | None = None, plural: str | None = None):
        params = {name: {"date": value.isoformat()} if isinstance(value, dt.date) else value
                  for name, value in (params or {}).items()}
        super().__init__(key=key, params=params, **({"plural": plural} if plural else {}))

    @classmethod
    def of_json(cls, key: str, params: dict[str, Any], plural: str | None = None) -> Message:
        """The same message from parameters that are JSON already (a date written {"date": ISO}), without
        looking at each one: for results that build thousands of messages (the national warnings)."""
        message = cls.__new__(cls)
        dict.__init__(message, key=key, params=params, **({"plural": plural} if plural else {}))
        return message

    @property
    def key(self) -> str:
        return self["key"]

    @property
    def params(self) -> dict[str, Any]:
        return self["params"]


def month_label(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """06/2025 in Vietnamese, Jun 2025 in English."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format="MM/yyyy" if lang == "vi" else "MMM yyyy", locale=locale(lang))


def format_param(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        if "key" in value:
            return render(value, lang)
        if "percent" in value:
            return format_percent(value["percent"], lang, value.get("decimals", 1))
        if "month" in value:
            return month_label(dt.date.fromisoformat(value["month"]), lang)
        if "term" in value:
            return t(value["term"], lang)
        if "date" in value:
            return format_date(dt.date.fromisoformat(value["date"]), lang)
    if isinstance(value, list):  # a list of names or messages: "A (12%), B (15%)"
        return ", ".join(format_param(item, lang) for item in value)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    return str(value)


def render(message: Mapping[str, Any] | Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANGUAGE) -> str:
    """The message in a language, its parameters formatted the way that language writes them; a
    sequence of messages is rendered as consecutive sentences."""
    if not isinstance(message, Mapping):
        return " ".join(render(part, lang) for part in message)
    raw = message.get("params") or {}
    params = {name: format_param(value, lang) for name, value in raw.items()}
    plural = message.get("plural")
    if plural is not None:
        return tn(message["key"], raw[plural], lang, **params)
    return t(message["key"], lang, **params)
