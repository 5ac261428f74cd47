"""Writing the canonical workbooks with openpyxl: the blank templates staff download, and the
sample workbooks (same layout, filled). An instructions sheet documents every column in Vietnamese
and English; dropdowns restrict status, plan, area and province.

A template can be cut to a scope (a province, or one commune): its dropdowns list only the units
there, and the indicator template comes with one row per commune already named, so a commune clerk
or a province's staff fill in numbers, not names — and cannot pick a unit their upload would be
refused for.

A task template can also come pre-filled (`prefill=True`): one row per task in the uploader's scope
(a ministry reporter's: the tasks its agency leads), its attributes and its latest report as of
today in grey, locked cells, and the report columns left empty. The clerk types only the new
report; rows left as they came are skipped on import (importer.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine

from data_loaders.i18n.text import vietnamese_sort_key
from data_loaders.ingest.formats import TASKS, Column, SheetFormat, indicator_format
from data_loaders.store.catalogue import AREAS, INDICATORS, REPORT_STATUSES, IndicatorDef, plans
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.units.divisions import all_units

HEADER_ROW = 4
_FIXED_TIME = dt.datetime(2025, 7, 1, 8, 0, 0)  # workbook metadata, so regenerated files are identical
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLES = {
    "tasks": ("BÁO CÁO TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ NGHỊ QUYẾT 57-NQ/TW",
              "Mỗi dòng là một lần báo cáo của một nhiệm vụ. "
              "Báo cáo đầu tiên của nhiệm vụ mới phải ghi đủ thông tin nhiệm vụ."),
    "indicators": ("SỐ LIỆU CHỈ TIÊU HẠ TẦNG SỐ VÀ HỆ SINH THÁI ĐỔI MỚI SÁNG TẠO THEO XÃ",
                   "Mỗi dòng là số liệu của một xã/phường/đặc khu trong một tháng (kỳ báo cáo mm/yyyy)."),
}
_SAMPLE_NOTE = "DỮ LIỆU MẪU (mô phỏng) – tổng toàn quốc khớp số liệu Hội nghị sơ kết 6 tháng, 02/07/2025."
_NUMBER_FORMATS = {"date": "dd/mm/yyyy", "period": "mm/yyyy", "percent": "0.0", "number": "#,##0"}
_WIDTHS = {"title": 48, "lead_agency": 34, "note": 30, "responsible_official": 24, "province_name": 20,
           "commune_name": 22, "document_number": 24}


# A yearly indicator's template: one row per reporting unit and year; its period is the year's last month.
YEARLY_TITLES = ("SỐ LIỆU CHỈ TIÊU NĂM THEO TỈNH, THÀNH PHỐ",
                 "Mỗi dòng là số liệu của một tỉnh, thành phố trong một năm; kỳ báo cáo là tháng 12 của năm (12/yyyy).")


def _new_workbook(sheet_format: SheetFormat, sample: bool, plan_codes: list[str] | None = None,
                  titles: tuple[str, str] | None = None) -> tuple[Workbook, object]:
    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    workbook.properties.creator = "NQ57 Dashboard"
    sheet = workbook.active
    sheet.title = sheet_format.sheet_vi
    title, subtitle = titles or _TITLES[sheet_format.kind]
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _SAMPLE_NOTE if sample and titles is None else subtitle
    sheet["A2"].font = Font(italic=True)
    for index, column in enumerate(sheet_format.columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.vi)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column.key, 16)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    _instructions_sheet(workbook, sheet_format, plan_codes)
    return workbook, sheet


def _instructions_sheet(workbook: Workbook, sheet_format: SheetFormat, plan_codes: list[str] | None = None) -> None:
    sheet = workbook.create_sheet("Hướng dẫn")
    sheet.append(["Cột (tiếng Việt)", "Column (English)", "Bắt buộc / Required", "Kiểu / Type", "Ghi chú / Notes"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    kinds = {"text": "Văn bản / text", "code": "Mã / code", "date": "Ngày dd/mm/yyyy / date",
             "period": "Tháng mm/yyyy / month", "number": "Số / number", "percent": "Tỷ lệ 0–100 / percent 0–100"}
    notes = {
        "province_code": "Mã tỉnh theo danh mục 2025; \"VN\" cho nhiệm vụ của bộ, ngành trung ương "
                         "/ 2025 GSO code; VN for central tasks",
        "province_name": "Có thể ghi tên thay cho mã, có hoặc không dấu / a name may replace the code",
        "commune_code": "Mã xã/phường 2025 / 2025 commune code",
        "status": ", ".join(f"{s.vi} ({s.en})" for s in REPORT_STATUSES),
        "plan": ", ".join(plan_codes or [p.code for p in plans()]),
        "area": ", ".join(a.vi for a in AREAS),
        "document_number": "Không bắt buộc; vd. 1131/QĐ-TTg (tối đa 100 ký tự) / optional, e.g. 1131/QĐ-TTg",
        "document_date": "Không bắt buộc; ngày ban hành văn bản giao nhiệm vụ / optional: the date it was issued",
    }
    for column in sheet_format.columns:
        sheet.append([column.vi, column.en, "x" if column.required else "", kinds[column.kind], notes.get(column.key,
                                                                                                          "")])
    sheet.append([])
    sheet.append(["Dòng tiêu đề có thể đặt dưới các dòng tên biểu mẫu; dòng \"Tổng cộng\" cuối bảng được bỏ qua.",
                  "The header may sit under form title rows; a trailing total row is ignored."])
    for letter, width in zip("ABCDE", (36, 32, 18, 26, 70)):
        sheet.column_dimensions[letter].width = width


def scope_units(scope_code: str = NATIONAL_CODE) -> tuple:
    """The units a template for `scope_code` offers: every unit for the nation, else the province
    and its communes, or the one commune."""
    if scope_code == NATIONAL_CODE:
        return all_units()
    inside = tuple(u for u in all_units()
                   if u.code == scope_code or (u.level == "commune" and u.province_code == scope_code))
    if not inside:
        raise ValueError(f"no administrative unit with code {scope_code!r}")
    return inside


def scope_plans(scope_code: str = NATIONAL_CODE, engine: Engine | None = None) -> list[str]:
    """The plan codes a template for `scope_code` offers: the national plans and the programmes of the
    scope's province (every province's for the nation), retired ones left out (they take no new task)."""
    from data_loaders.store import engine as db
    from data_loaders.store.plans import visible_in

    with (engine or db.get_engine()).connect() as conn:
        return [plan.code for plan in visible_in(conn, scope_code, include_retired=False)]


def _lists_sheet(workbook: Workbook, units: tuple, plan_codes: list[str] | None = None) -> dict[str, str]:
    """A hidden sheet holding the dropdown lists; returns list name -> range formula."""
    sheet = workbook.create_sheet("Danh mục")
    sheet.sheet_state = "hidden"
    central = ["Trung ương"] if any(u.code == NATIONAL_CODE for u in units) else []
    provinces = _provinces_of(units)
    lists = {
        "status": [s.vi for s in REPORT_STATUSES],
        "plan": plan_codes or [p.code for p in plans()],
        "area": [a.vi for a in AREAS],
        "province": central + [u.name for u in provinces],
        # commune names repeat across provinces; the list holds each name once, the importer
        # resolves it within the row's province
        "commune": sorted({u.name for u in units if u.level == "commune"}, key=vietnamese_sort_key),
    }
    ranges = {}
    for column_index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(column_index)
        sheet.cell(row=1, column=column_index, value=f"list_{name}")  # a label no format header matches
        for row_index, value in enumerate(values, start=2):
            sheet.cell(row=row_index, column=column_index, value=value)
        ranges[name] = f"'Danh mục'!${letter}$2:${letter}${len(values) + 1}"
    _commune_lists(workbook, sheet, units, start_column=len(lists) + 2, ranges=ranges)
    return ranges


def _provinces_of(units: tuple) -> list:
    """The provinces of `units`: those listed, or the province of a lone commune."""
    codes = {u.code if u.level == "province" else u.province_code for u in units if u.level != "national"}
    return [u for u in all_units() if u.level == "province" and u.code in codes]


def _commune_lists(workbook: Workbook, sheet, units: tuple, start_column: int, ranges: dict[str, str]) -> None:
    """For the dependent dropdown: each province's communes in a column named XA_<code>, and a
    province name -> list name table. ranges gets "province_lists" (the table)."""
    provinces = _provinces_of(units)
    communes: dict[str, list[str]] = {}
    for unit in units:
        if unit.level == "commune":
            communes.setdefault(unit.province_code, []).append(unit.name)
    name_col, key_col = get_column_letter(start_column), get_column_letter(start_column + 1)
    sheet.cell(row=1, column=start_column, value="list_province_lookup")
    sheet.cell(row=1, column=start_column + 1, value="list_name")
    for row, province in enumerate(provinces, start=2):
        sheet.cell(row=row, column=start_column, value=province.name)
        sheet.cell(row=row, column=start_column + 1, value=f"XA_{province.code}")
    ranges["province_lists"] = f"'Danh mục'!${name_col}$2:${key_col}${len(provinces) + 1}"
    for offset, province in enumerate(provinces):
        column = start_column + 3 + offset
        letter = get_column_letter(column)
        names = sorted(communes.get(province.code, []), key=vietnamese_sort_key)
        sheet.cell(row=1, column=column, value=f"XA_{province.code}")
        for row, name in enumerate(names, start=2):
            sheet.cell(row=row, column=column, value=name)
        workbook.defined_names[f"XA_{province.code}"] = DefinedName(
            f"XA_{province.code}", attr_text=f"'Danh mục'!${letter}$2:${letter}${len(names) + 1}")


def _add_dropdowns(workbook: Workbook, sheet, sheet_format: SheetFormat, last_row: int,
                   units: tuple | None = None, plan_codes: list[str] | None = None) -> None:
    ranges = _lists_sheet(workbook, units or all_units(), plan_codes)
    keys = {column.key: get_column_letter(i) for i, column in enumerate(sheet_format.columns, start=1)}
    targets = {"status": "status", "plan": "plan", "area": "area", "province_name": "province",
               "commune_name": "commune"}
    for index, column in enumerate(sheet_format.columns, start=1):
        letter = get_column_letter(index)
        cell_range = f"{letter}{HEADER_ROW + 1}:{letter}{last_row}"
        if column.kind in ("date", "period", "percent"):  # so typed dates and percents display as such
            number_format = _NUMBER_FORMATS[column.kind]
            for row in range(HEADER_ROW + 1, last_row + 1):
                cell = sheet.cell(row=row, column=index)
                if cell.number_format != number_format:
                    cell.number_format = number_format
        if column.key == "commune_name" and "province_name" in keys:
            # dependent dropdown: the communes of the province chosen on the same row; the whole
            # list when the province cell is empty or not a 2025 name. A warning, not a stop: the
            # importer also takes names typed without diacritics or the type word.
            province = f"${keys['province_name']}{HEADER_ROW + 1}"
            lookup = f"VLOOKUP({province},{ranges['province_lists']},2,FALSE)"
            validation = DataValidation(type="list",
                                        formula1=f"IF(ISNA({lookup}),{ranges['commune']},INDIRECT({lookup}))",
                                        allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                        errorTitle="Tên xã/phường",
                                        error="Không có trong danh sách xã/phường của tỉnh đã chọn.")
        elif column.key in targets:
            lenient = column.key == "province_name"
            validation = DataValidation(type="list", formula1=ranges[targets[column.key]], allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning" if lenient else "stop",
                                        errorTitle="Giá trị không hợp lệ", error="Chọn một giá trị trong danh sách.")
        elif column.kind == "percent":
            validation = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                                        allow_blank=True, showErrorMessage=True, error="Từ 0 đến 100.")
        elif column.kind == "date":
            validation = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                        showErrorMessage=True, error="Nhập ngày dd/mm/yyyy.")
        else:
            continue
        sheet.add_data_validation(validation)
        validation.add(cell_range)



def _write_rows(sheet, sheet_format: SheetFormat, rows: Iterable[list]) -> int:
    formats = [_NUMBER_FORMATS.get(column.kind) for column in sheet_format.columns]
    row_index = HEADER_ROW
    for values in rows:
        row_index += 1
        for column_index, (value, number_format) in enumerate(zip(values, formats), start=1):
            if value is None:
                continue
            cell = sheet.cell(row=row_index, column=column_index, value=value)
            if number_format:
                cell.number_format = number_format
    return row_index


def _unit_cells(unit) -> list:
    if unit.code == NATIONAL_CODE:
        return [NATIONAL_CODE, "Trung ương", None, None]
    if unit.level == "province":
        return [unit.code, unit.name, None, None]
    province = next(u for u in all_units() if u.code == unit.province_code)
    return [province.code, province.name, unit.code, unit.name]


def write_task_workbook(path: Path, tasks: list, sample: bool = False, scope_code: str = NATIONAL_CODE,
                        plan_codes: list[str] | None = None) -> None:
    """`plan_codes`: the plans its dropdown offers (scope_plans; default the national plans of the
    reference file, as the sample workbooks use)."""
    workbook, sheet = _new_workbook(TASKS, sample, plan_codes)
    area_names = {a.code: a.vi for a in AREAS}
    status_names = {s.code: s.vi for s in REPORT_STATUSES}
    rows = []
    for task in tasks:
        for i, (day, status, progress, note) in enumerate(task.reports):
            attributes = [task.title, task.plan, area_names[task.area], task.lead_agency]
            first = i == 0
            rows.append([task.code, *(attributes if first else [None] * 4), *_unit_cells(task.owner),
                         task.responsible_official if first else None, task.deadline if first else None,
                         day, status_names[status], progress, note])
    last_row = _write_rows(sheet, TASKS, rows)
    _add_dropdowns(workbook, sheet, TASKS, max(last_row, HEADER_ROW + 500), scope_units(scope_code), plan_codes)
    workbook.save(path)


def write_indicator_workbook(path: Path, rows: list[dict], sample: bool = False,
                             scope_code: str = NATIONAL_CODE,
                             indicators: tuple[IndicatorDef, ...] = INDICATORS,
                             titles: tuple[str, str] | None = None) -> None:
    """An indicator workbook with one column per indicator of `indicators` (the catalogue's; the
    sample workbooks hold the ten seeded ones); `titles` (title, subtitle) replace the monthly ones."""
    sheet_format = indicator_format(indicators)
    workbook, sheet = _new_workbook(sheet_format, sample, titles=titles)
    indicator_codes = [indicator.code for indicator in indicators]
    values = ([*_unit_cells(row["unit"]),
               dt.date(row["period"].year, row["period"].month, 1) if row["period"] else None,
               *(row.get(code) for code in indicator_codes)] for row in rows)
    last_row = _write_rows(sheet, sheet_format, values)
    _add_dropdowns(workbook, sheet, sheet_format, max(last_row, HEADER_ROW + 500), scope_units(scope_code))
    workbook.save(path)


# --- the pre-filled task template ---------------------------------------------------------------

# Read-only context of each pre-filled row: no format header matches these, so the importer ignores them.
LATEST_COLUMNS = (
    Column("latest_report_date", "Ngày báo cáo gần nhất", "Latest report date", "date", required=False),
    Column("latest_status", "Trạng thái gần nhất", "Latest status", "text", required=False),
    Column("latest_progress_pct", "Tiến độ gần nhất (%)", "Latest progress (%)", "percent", required=False),
)
REPORT_KEYS = ("report_date", "status", "progress_pct", "note")  # what the clerk types; the rest is locked
DOCUMENT_KEYS = ("document_number", "document_date")  # optional task attributes, last as in the blank template
PREFILLED_TASKS = SheetFormat(
    kind="tasks", sheet_vi=TASKS.sheet_vi, sheet_en=TASKS.sheet_en,
    columns=(*(c for c in TASKS.columns if c.key not in REPORT_KEYS + DOCUMENT_KEYS), *LATEST_COLUMNS,
             *(TASKS.column(key) for key in REPORT_KEYS + DOCUMENT_KEYS)))
_LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
_PREFILL_NOTE = ("Mỗi dòng là một nhiệm vụ đang theo dõi (ô xám: chỉ để xem). Chỉ nhập báo cáo mới vào các cột "
                 "Ngày báo cáo, Trạng thái, Tiến độ, Ghi chú; dòng để nguyên được bỏ qua khi tải lên. / "
                 "One row per task (grey cells are for reference): type the new report only; "
                 "rows left as they came are skipped.")
_LATEST_NOTE = "Báo cáo gần nhất đã lưu, chỉ để xem, không được nhập / the latest stored report, not imported"


def prefilled_tasks(scope_code: str = NATIONAL_CODE, agency: str | None = None, today: dt.date | None = None,
                    engine: Engine | None = None) -> list[dict]:
    """The tasks a template for `scope_code` (and, for a ministry reporter, `agency`) lists: every
    task of the scope that exists at `today` with its latest report (figures.tasks.task_list), by code.
    The agency is matched in the query (figures.tasks.agency_match): a ministry's list reads its own tasks,
    not the nation's 50,000."""
    from data_loaders.figures.tasks import task_list

    rows = task_list(scope_code, today or dt.date.today(), limit=1_000_000, engine=engine, agency=agency)
    return sorted(rows, key=lambda row: row["code"])


def write_prefilled_task_workbook(path, tasks: list[dict], scope_code: str = NATIONAL_CODE,
                                  plan_codes: list[str] | None = None) -> None:
    """The task template with one row per task of `tasks` (prefilled_tasks): attributes and the
    latest report greyed and locked (the sheet is protected without a password, so a clerk who
    must can still lift it), the report columns and the rows below open for typing."""
    workbook, sheet = _new_workbook(PREFILLED_TASKS, sample=False, plan_codes=plan_codes)
    sheet["A2"] = _PREFILL_NOTE
    area_names = {a.code: a.vi for a in AREAS}
    status_names = {s.code: s.vi for s in REPORT_STATUSES}
    units = {u.code: u for u in all_units()}
    rows = []
    for task in tasks:
        values = dict(
            task_code=task["code"], title=task["title"], plan=task["plan"], area=area_names.get(task["area"]),
            lead_agency=task["lead_agency"], responsible_official=task["responsible_official"],
            deadline=task["deadline"], latest_report_date=task["last_report"],
            latest_status=status_names.get(task["reported_status"]), latest_progress_pct=task["progress_pct"],
            document_number=task.get("document_number"), document_date=task.get("document_date"))
        owner = units.get(task["owner_unit_code"])
        unit_cells = _unit_cells(owner) if owner else [task["owner_unit_code"], None, None, None]
        values.update(zip(("province_code", "province_name", "commune_code", "commune_name"), unit_cells))
        rows.append([values.get(column.key) if column.key not in REPORT_KEYS else None
                     for column in PREFILLED_TASKS.columns])
    last_filled = _write_rows(sheet, PREFILLED_TASKS, rows)
    last_row = max(last_filled + 200, HEADER_ROW + 500)  # room below for new tasks
    _add_dropdowns(workbook, sheet, PREFILLED_TASKS, last_row, scope_units(scope_code), plan_codes)
    _lock_prefilled(sheet, last_filled, last_row)
    notes = workbook["Hướng dẫn"]
    for row in notes.iter_rows(min_row=2):
        if row[0].value in {c.vi for c in LATEST_COLUMNS}:
            row[4].value = _LATEST_NOTE
    workbook.save(path)


def _lock_prefilled(sheet, last_filled: int, last_row: int) -> None:
    """Grey, locked task attributes and latest report on the pre-filled rows; every other cell open."""
    open_cell = Protection(locked=False)
    for index, column in enumerate(PREFILLED_TASKS.columns, start=1):
        editable = column.key in REPORT_KEYS
        for row in range(HEADER_ROW + 1, last_row + 1):
            cell = sheet.cell(row=row, column=index)
            if row <= last_filled and not editable:
                cell.fill = _LOCKED_FILL
            else:
                cell.protection = open_cell
    protection = sheet.protection
    protection.sheet = True  # no password: a guard against typing over, not a secret
    protection.formatColumns = protection.formatRows = protection.autoFilter = protection.sort = False


def write_template(kind: str, path, scope_code: str = NATIONAL_CODE, *, prefill: bool = False,
                   agency: str | None = None, today: dt.date | None = None, engine: Engine | None = None,
                   frequency: str | None = None, year: int | None = None) -> None:
    """A template for staff to fill in (a path or a binary file), cut to `scope_code` (see the
    module docstring): below the nation, the indicator template names each commune of the scope on a
    row; with `prefill`, the task template lists the scope's tasks (of `agency` only, if given).
    The indicator template holds the catalogue's monthly and quarterly indicators; with `frequency`,
    only the catalogue's indicators of that frequency, and every unit of the scope at their reporting
    levels on a row (the nation too, unless communes report them: 34 provinces for a province-level
    indicator); a yearly one's rows carry `year` as their period (its December, the year's last
    month), left empty without `year`."""
    if kind == "tasks":
        # the national plans and the scope's programmes, from the database the template is made for (a
        # pre-filled one always reads one); a blank template made without one lists the national plans
        plan_codes = scope_plans(scope_code, engine) if engine is not None or prefill else None
        if prefill:
            write_prefilled_task_workbook(path, prefilled_tasks(scope_code, agency, today, engine), scope_code,
                                          plan_codes)
        else:
            write_task_workbook(path, [], scope_code=scope_code, plan_codes=plan_codes)
        return
    # the catalogue's active indicators of the scope (a province's own at that province and its communes)
    indicators = indicator_catalogue(engine, scope=scope_code)
    # a yearly indicator has a template of its own (one row per reporting unit and year), never a column
    # of the monthly one
    indicators = tuple(indicator for indicator in indicators
                       if indicator.frequency == frequency or (frequency is None and indicator.frequency != "yearly"))
    levels = {level for indicator in indicators for level in indicator.levels}
    period = dt.date(year, 12, 1) if frequency == "yearly" and year is not None else None
    rows = [] if scope_code == NATIONAL_CODE and (frequency is None or "commune" in levels) else [
        {"unit": unit, "period": period} for unit in sorted(
            (u for u in scope_units(scope_code) if u.level in levels),
            key=lambda u: (u.level != "province", vietnamese_sort_key(u.name)))]
    write_indicator_workbook(path, rows, scope_code=scope_code, indicators=indicators,
                             titles=YEARLY_TITLES if frequency == "yearly" else None)


def template_bytes(kind: str, scope_code: str = NATIONAL_CODE, *, prefill: bool = False, agency: str | None = None,
                   today: dt.date | None = None, engine: Engine | None = None, frequency: str | None = None,
                   year: int | None = None) -> bytes:
    """The template as bytes, for a download button (arguments as for write_template)."""
    import io

    buffer = io.BytesIO()
    write_template(kind, buffer, scope_code, prefill=prefill, agency=agency, today=today, engine=engine,
                   frequency=frequency, year=year)
    return buffer.getvalue()
