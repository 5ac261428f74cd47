"""The canonical spreadsheet formats: the columns of the task-progress and indicator workbooks.

The templates, the sample workbooks and the reader share these definitions. Headers are matched
in Vietnamese or English, with or without diacritics, in any case, order or spacing. The indicator
workbook's columns are the catalogue's (`indicator_format(indicator_catalogue(...))`): an indicator
an administrator adds is a column of the next template and import. `INDICATOR_VALUES` is the
format of the ten seeded indicators (the bundled sample workbooks).
"""

from __future__ import annotations

from dataclasses import dataclass

from data_loaders.i18n.text import fold
from data_loaders.store.catalogue import INDICATORS, IndicatorDef


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    kind: str  # text | code | date | period | number | percent
    required: bool = True
    aliases: tuple[str, ...] = ()

    def header(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en

    def folded_names(self) -> set[str]:
        return {_fold_header(name) for name in (self.vi, self.en, self.key, *self.aliases)}


@dataclass(frozen=True)
class SheetFormat:
    kind: str  # tasks | indicators
    sheet_vi: str
    sheet_en: str
    columns: tuple[Column, ...]
    indicators: tuple[IndicatorDef, ...] = ()  # the indicator workbook's: the catalogue it was made from

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def _fold_header(text: str) -> str:
    # "Tiến độ (%)" and "tien do %" and "TIEN_DO" all fold to "tien do"
    cleaned = fold(text)
    for char in "()[]%_:*./-":
        cleaned = cleaned.replace(char, " ")
    return " ".join(cleaned.split())


fold_header = _fold_header

_UNIT_COLUMNS = (
    Column("province_code", "Mã tỉnh", "Province code", "code", required=False, aliases=("ma tinh thanh",)),
    Column("province_name", "Tỉnh/Thành phố", "Province", "text", required=False,
           aliases=("tinh", "tinh thanh", "tinh thanh pho", "province city")),
    Column("commune_code", "Mã xã", "Commune code", "code", required=False, aliases=("ma xa phuong", "ma phuong")),
    Column("commune_name", "Xã/Phường", "Commune", "text", required=False,
           aliases=("xa", "phuong", "xa phuong dac khu", "commune ward")),
)

TASKS = SheetFormat(
    kind="tasks",
    sheet_vi="Tiến độ nhiệm vụ",
    sheet_en="Task progress",
    columns=(
        Column("task_code", "Mã nhiệm vụ", "Task code", "text", aliases=("ma nv", "task id")),
        Column("title", "Tên nhiệm vụ", "Task title", "text", required=False, aliases=("nhiem vu", "task")),
        Column("plan", "Kế hoạch", "Plan", "text", required=False),
        Column("area", "Lĩnh vực", "Area", "text", required=False),
        Column("lead_agency", "Cơ quan chủ trì", "Lead agency", "text", required=False,
               aliases=("don vi chu tri", "co quan chu tri thuc hien")),
        *_UNIT_COLUMNS,
        Column("responsible_official", "Người chịu trách nhiệm", "Responsible official", "text", required=False,
               aliases=("nguoi phu trach", "can bo phu trach", "responsible")),
        Column("deadline", "Hạn hoàn thành", "Deadline", "date", required=False, aliases=("thoi han", "han")),
        Column("report_date", "Ngày báo cáo", "Report date", "date", aliases=("ngay bc",)),
        Column("status", "Trạng thái", "Status", "text", aliases=("tinh trang",)),
        Column("progress_pct", "Tiến độ (%)", "Progress (%)", "percent", aliases=("ti le hoan thanh", "progress")),
        Column("note", "Ghi chú", "Note", "text", required=False, aliases=("notes",)),
        # optional, after the columns older files have: the document that assigned the task
        Column("document_number", "Số văn bản giao nhiệm vụ", "Assigning document number", "text", required=False,
               aliases=("so van ban", "so hieu van ban", "so van ban giao", "document number", "document no")),
        Column("document_date", "Ngày văn bản giao nhiệm vụ", "Assigning document date", "date", required=False,
               aliases=("ngay van ban", "ngay ban hanh", "ngay van ban giao", "document date")),
    ),
)

def indicator_format(indicators: tuple[IndicatorDef, ...]) -> SheetFormat:
    """The indicator workbook with one column per catalogue indicator, in the catalogue's order."""
    return SheetFormat(
        kind="indicators",
        sheet_vi="Chỉ tiêu theo xã",
        sheet_en="Indicators by commune",
        columns=(
            *_UNIT_COLUMNS,
            Column("period", "Kỳ báo cáo", "Period", "period", aliases=("thang", "ky", "thang bao cao", "month")),
            *(
                Column(
                    indicator.code,
                    f"{indicator.vi} ({indicator.unit_vi})",
                    f"{indicator.en} ({indicator.unit_en})",
                    "percent" if indicator.percent else "number",
                    required=False,
                    aliases=(indicator.vi, indicator.en),
                )
                for indicator in indicators
            ),
        ),
        indicators=tuple(indicators),
    )


INDICATOR_VALUES = indicator_format(INDICATORS)


def formats_for(indicators: tuple[IndicatorDef, ...]) -> dict[str, SheetFormat]:
    """The formats an upload is read with, the indicator workbook's from this catalogue."""
    return {TASKS.kind: TASKS, "indicators": indicator_format(indicators)}


FORMATS = {TASKS.kind: TASKS, INDICATOR_VALUES.kind: INDICATOR_VALUES}
