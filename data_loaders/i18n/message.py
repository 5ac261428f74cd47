"""A message as results carry it: a catalogue key and its parameters, never translated text.
Language is applied at the edge (a page, a deck, the command line) by `render`.

Parameters stay raw values, so the same result serves every language and can be cached or stored:
an int or float is formatted as a number of the reader's language, a date as a date, and the small
wrappers below say what else a value is (a percentage, a month, a catalogue term).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from data_loaders.i18n import DEFAULT_LANGUAGE, format_date, format_number, format_percent, locale, t, tn


@dataclass(frozen=True)
class Percent:
    value: float
    decimals: int = 1


@dataclass(frozen=True)
class Month:
    """A reporting month: 06/2025 in Vietnamese, Jun 2025 in English."""
    date: dt.date


@dataclass(frozen=True)
class Term:
    """A word of the catalogue ("Toàn quốc", "Các bộ, ngành trung ương") used as a parameter."""
    key: str


@dataclass(frozen=True)
class Message:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None  # the parameter whose number chooses the plural form ("1 day" / "2 days")

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self, lang)


PARAM_TYPES = {cls.__name__: cls for cls in (Percent, Month, Term, Message)}


def month_label(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """06/2025 in Vietnamese, Jun 2025 in English."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format="MM/yyyy" if lang == "vi" else "MMM yyyy", locale=locale(lang))


def format_param(value: Any, lang: str) -> str:
    if isinstance(value, Message):
        return render(value, lang)
    if isinstance(value, Percent):
        return format_percent(value.value, lang, value.decimals)
    if isinstance(value, Month):
        return month_label(value.date, lang)
    if isinstance(value, Term):
        return t(value.key, lang)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    return str(value)


def render(message: Message | Sequence[Message], lang: str = DEFAULT_LANGUAGE) -> str:
    """The message in a language, its parameters formatted the way that language writes them; a
    sequence of messages is rendered as consecutive sentences."""
    if not isinstance(message, Message):
        return " ".join(render(part, lang) for part in message)
    params = {name: format_param(value, lang) for name, value in message.params.items()}
    if message.plural is not None:
        return tn(message.key, message.params[message.plural], lang, **params)
    return t(message.key, lang, **params)
