"""The sample as it would have arrived: each month's rows of the task and indicator workbooks are sent
after the month ends, in two submissions — most units a few days before the due date, some units a few
days after it — and the provinces' DTI just after the half-year. Loading the whole half-year at once,
stamped with the time of loading, made every unit "late" for every month on the reporting-status page
(figures/reporting.py: the first upload holding a unit's data for a month against that month's due date).

Which units are late is simulated (seeded, different each month): a few provinces whole, and a few
communes of the other provinces, so both the national page (provinces) and a province's page (communes)
show most units on time and some late. Rows, values and every figure stay those of the workbooks; only
how they are split into uploads, and the upload times, are simulated. The pieces are CSV files of the
workbook's own columns (the importer reads CSV like any upload)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from data_loaders.ingest.templates import HEADER_ROW

VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))
SEED = 57
DUE_DAY = 5  # the report_due_day setting's default: month M is due on the 5th of M + 1
ON_TIME_DAY, LATE_DAY = 3, 9  # days of the month after: before and after the due date
LATE_PROVINCES = 4  # of 34, each month
LATE_COMMUNE_SHARE = 0.08  # of the other provinces' communes, each month
DTI_SENT = dt.datetime(2025, 7, 1, 9, 0, tzinfo=VIETNAM_TIME)  # the yearly index, after the half-year

# the columns that place a row in a month and a unit (vi headers, as the templates write them)
MONTH_COLUMNS = ("Ngày báo cáo", "Kỳ báo cáo")
PROVINCE_COLUMN, COMMUNE_COLUMN = "Mã tỉnh", "Mã xã"


@dataclass
class Piece:
    """One simulated submission: a CSV of some of a workbook's rows, its name and when it was sent."""
    name: str
    content: bytes
    sent_at: dt.datetime


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(path: Path) -> tuple[list[str], list[tuple]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
        header = [str(name) if name is not None else "" for name in next(rows)]
        return header, [row for row in rows if any(value is not None for value in row)]
    finally:
        workbook.close()


def late_units(month: dt.date, provinces: list[str], communes: dict[str, list[str]]) -> set[str]:
    """The units whose data for `month` is sent after the due date: a few provinces (all their
    communes) and a few communes of the others. Seeded by the month: the same every time."""
    rng = random.Random(f"{SEED}-{month:%Y-%m}")
    late_provinces = set(rng.sample(sorted(provinces), LATE_PROVINCES))
    late = set(late_provinces)
    for province in sorted(communes):
        if province in late_provinces:
            late.update(communes[province])
        else:
            late.update(code for code in communes[province] if rng.random() < LATE_COMMUNE_SHARE)
    return late


def sent_at(month: dt.date, late: bool) -> dt.datetime:
    """When the month's on-time or late submission was sent (Vietnam time)."""
    year, following = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    day = LATE_DAY if late else ON_TIME_DAY
    return dt.datetime(year, following, day, 15 if late else 9, 30, tzinfo=VIETNAM_TIME)


def monthly_pieces(path: Path, provinces: list[str], communes: dict[str, list[str]]) -> list[Piece]:
    """The workbook's rows as the month-by-month submissions that would have brought them, oldest
    first. A task's rows keep their order, so its first row (with its attributes) comes first."""
    header, rows = _rows(path)
    month_at = next(header.index(name) for name in MONTH_COLUMNS if name in header)
    province_at, commune_at = header.index(PROVINCE_COLUMN), header.index(COMMUNE_COLUMN)
    groups: dict[tuple[dt.date, bool], list[tuple]] = defaultdict(list)
    late_by_month: dict[dt.date, set[str]] = {}
    for row in rows:
        day = row[month_at]
        day = day.date() if isinstance(day, dt.datetime) else day
        month = day.replace(day=1)
        if month not in late_by_month:
            late_by_month[month] = late_units(month, provinces, communes)
        unit = _cell(row[commune_at]) or _cell(row[province_at])
        groups[(month, unit in late_by_month[month])].append(row)
    pieces = []
    for (month, late), chosen in sorted(groups.items()):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([_cell(value) for value in row] for row in chosen)
        name = f"{path.stem}_{month:%Y-%m}_{'tre' if late else 'dung_han'}.csv"
        pieces.append(Piece(name, out.getvalue().encode("utf-8-sig"), sent_at(month, late)))
    return pieces
