"""A problem found in an uploaded file, as the importer keeps and stores it: where (sheet, row,
column, cell value) and what (a catalogue message key with its parameters). No sentence is stored;
`message(lang)` writes one for the reader, so a changed translation never changes upload history.

Parameters are JSON values. Numbers (and dates, kept as {"date": "YYYY-MM-DD"}) are formatted in the
reader's language; a few parameters name something whose words depend on the language and are kept
as a reference instead:

    {"unit": "68"}                       the unit as a message names it ("Tỉnh Lâm Đồng (68)")
    {"terms": "status"|"area"|"plan"}    the allowed values of a choice column, comma-separated
    {"header": ["tasks", "status"]}      a template column's header (also allowed as the column)
    {"key": "...", "params": {...}}      a nested message (an uploader's scope)

A problem stored before messages had keys (migration 0007) and matching no catalogue message keeps
its sentence as `text`, with `key` None.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass, field

from data_loaders.i18n import DEFAULT_LANGUAGE, format_date, format_number, t
from data_loaders.identity.access import unit_label
from data_loaders.ingest.formats import FORMATS
from data_loaders.store.catalogue import AREAS, REPORT_STATUSES, Term, plans

Params = dict[str, object]


@dataclass
class Problem:
    sheet: str
    row: int | None
    column: object  # the header as the file names it, {"header": [kind, key]} for a missing column, or None
    value: object
    key: str | None
    params: Params = field(default_factory=dict)
    cell: str | None = None  # "C12", for the error workbook; not stored
    text: str | None = None  # only for a stored sentence that matched no catalogue message

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        if self.key is None:
            return self.text or ""
        return render(self.key, self.params, lang)

    def column_label(self, lang: str = DEFAULT_LANGUAGE) -> str | None:
        return None if self.column is None else render_param(self.column, lang)

    def stored(self) -> dict:
        """What the upload history keeps: {"sheet", "row", "column", "value", "key", "params"} (and
        "text" for a sentence from before keys)."""
        stored = {"sheet": self.sheet, "row": self.row, "column": self.column, "value": plain_value(self.value),
                  "key": self.key, "params": self.params}
        if self.key is None:
            stored["text"] = self.text
        return stored

    @classmethod
    def from_stored(cls, stored: dict) -> "Problem":
        return cls(stored.get("sheet"), stored.get("row"), stored.get("column"), stored.get("value"),
                   stored.get("key"), stored.get("params") or {}, text=stored.get("text"))

    def as_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        """The command line's contract: {"sheet", "row", "column", "value", "message"} in `lang`."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column_label(lang),
                "value": plain_value(self.value), "message": self.message(lang)}


def plain_value(value: object) -> object:
    """A cell value as JSON holds it (an infinite number as text: JSON has no number for it, and
    PostgreSQL refuses the JSON Python would write)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is not None and not isinstance(value, (int, float, str)):
        return str(value)
    return value


def param(value: object) -> object:
    """A parameter as JSON stores it: dates tagged, numbers (numpy's too, from a cell) as plain numbers."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, (str, dict, list, bool)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else str(float(value))
    return str(value)


def render(key: str, params: Params, lang: str = DEFAULT_LANGUAGE) -> str:
    """The catalogue message `key` in `lang`, its parameters formatted for that language."""
    return t(key, lang, **{name: render_param(value, lang) for name, value in params.items()})


def _number(value: int | float, lang: str) -> str:
    if isinstance(value, float) and not value.is_integer():
        decimals = len(f"{value:.6f}".rstrip("0").split(".")[1])  # as many as it has, up to 6
        return format_number(value, lang, decimals)
    return format_number(value, lang)


def render_param(value: object, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return _number(value, lang)
    if isinstance(value, dict):
        if "date" in value:
            return format_date(dt.date.fromisoformat(value["date"]), lang)
        if "unit" in value:
            return unit_label(value["unit"], lang)
        if "terms" in value:
            return ", ".join(term.label(lang) for term in vocabulary(value["terms"]))
        if "header" in value:
            kind, column = value["header"]
            return FORMATS[kind].column(column).header(lang)
        if "key" in value:
            return render(value["key"], value.get("params") or {}, lang)
    return str(value)


def vocabulary(name: str) -> tuple[Term, ...]:
    """The terms a choice column allows: "status", "area" or "plan"."""
    if name == "plan":
        return plans()
    return {"status": REPORT_STATUSES, "area": AREAS}[name]
