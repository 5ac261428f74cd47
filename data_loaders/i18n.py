"""One catalogue for every user-facing string, in Vietnamese and English, and the number and date
formats of each language (Babel: 12.106 and 30/06/2025 in Vietnamese, 12,106 and 30 Jun 2025 in English)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date as _babel_format_date
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = {"vi": "vi_VN", "en": "en_GB"}

MESSAGES: dict[str, dict[str, str]] = {
    # --- application shell
    "app_title": {"vi": "Bảng điều hành Nghị quyết 57", "en": "Resolution 57 Dashboard"},
    "app_subtitle": {
        "vi": "Theo dõi thực hiện Nghị quyết 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        "en": "Monitoring Resolution 57-NQ/TW on breakthroughs in science, technology, innovation and national digital transformation",
    },
    "nav_overview": {"vi": "Tổng quan", "en": "Overview"},
    "language": {"vi": "Ngôn ngữ", "en": "Language"},
    "as_of": {"vi": "Số liệu tính đến", "en": "Figures as of"},
    "as_of_caption": {"vi": "Số liệu tính đến {date}", "en": "Figures as of {date}"},
    "sample_data_notice": {
        "vi": "Dữ liệu mẫu: các con số tổng hợp toàn quốc khớp với số liệu Hội nghị sơ kết 6 tháng (02/07/2025); phân bổ theo tỉnh, xã là mô phỏng.",
        "en": "Sample data: national totals match the six-month review conference (2 July 2025); the breakdown by province and commune is simulated.",
    },
    "no_data": {"vi": "Chưa có dữ liệu. Hãy nạp dữ liệu mẫu hoặc tải lên tệp Excel.", "en": "No data yet. Load the sample or upload a workbook."},
    "database_unavailable": {
        "vi": "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau hoặc báo quản trị viên.",
        "en": "The database cannot be reached. Please try again later or tell the administrator.",
    },
    # --- overview
    "tasks_heading": {"vi": "Nhiệm vụ", "en": "Tasks"},
    "tasks_total": {"vi": "Tổng số nhiệm vụ", "en": "Total tasks"},
    "tasks_by_status": {"vi": "Nhiệm vụ theo tình trạng", "en": "Tasks by status"},
    "infrastructure_heading": {"vi": "Hạ tầng số", "en": "Digital infrastructure"},
    "ecosystem_heading": {"vi": "Hệ sinh thái đổi mới sáng tạo", "en": "Innovation ecosystem"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "fiveg_target_caption": {
        "vi": "Mục tiêu {target}% dân số được phủ sóng 5G đến {date}",
        "en": "Target: {target}% of the population covered by 5G by {date}",
    },
    "share_of_total": {"vi": "{pct}% tổng số", "en": "{pct}% of total"},
    "count": {"vi": "Số lượng", "en": "Count"},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "national": {"vi": "Toàn quốc", "en": "Nationwide"},
    # --- command line
    "cli_unknown_unit": {"vi": "Không có đơn vị hành chính mã {code}", "en": "No administrative unit has code {code}"},
    "cli_bad_date": {"vi": "Ngày không hợp lệ: {value} (cần dạng YYYY-MM-DD)", "en": "Invalid date: {value} (expected YYYY-MM-DD)"},
    "cli_database_not_empty": {"vi": "Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu mẫu.", "en": "The database already holds data; the sample was not loaded again."},
    "cli_file_missing": {"vi": "Không tìm thấy tệp {path}", "en": "File not found: {path}"},
    # --- reading and validating spreadsheets
    "err_not_spreadsheet": {
        "vi": "Tệp không phải bảng tính Excel (.xlsx, .xls), OpenDocument (.ods) hay CSV UTF-8.",
        "en": "The file is not an Excel (.xlsx, .xls), OpenDocument (.ods) or UTF-8 CSV spreadsheet.",
    },
    "err_unreadable": {"vi": "Không đọc được tệp: {detail}", "en": "The file cannot be read: {detail}"},
    "err_no_header": {
        "vi": "Không tìm thấy dòng tiêu đề có các cột bắt buộc ({columns}) trong tệp.",
        "en": "No header row with the required columns ({columns}) was found in the file.",
    },
    "err_missing_column": {"vi": "Thiếu cột bắt buộc \"{column}\".", "en": "Required column \"{column}\" is missing."},
    "err_required": {"vi": "Ô bắt buộc đang để trống.", "en": "This cell is required but empty."},
    "err_bad_date": {"vi": "Ngày không hợp lệ (dùng dạng dd/mm/yyyy).", "en": "Not a valid date (use dd/mm/yyyy)."},
    "err_future_date": {"vi": "Ngày nằm trong tương lai.", "en": "The date is in the future."},
    "err_bad_period": {"vi": "Kỳ báo cáo không hợp lệ (dùng dạng mm/yyyy).", "en": "Not a valid period (use mm/yyyy)."},
    "err_bad_number": {"vi": "Không phải là số.", "en": "Not a number."},
    "err_negative": {"vi": "Giá trị không được âm.", "en": "The value cannot be negative."},
    "err_percent_range": {"vi": "Tỷ lệ phải từ 0 đến 100.", "en": "A percentage must be between 0 and 100."},
    "err_bad_choice": {"vi": "Giá trị không thuộc danh mục; dùng một trong: {choices}.", "en": "Not an allowed value; use one of: {choices}."},
    "err_unknown_province": {"vi": "Không có tỉnh/thành phố này. Có phải: {suggestions}?", "en": "No such province. Did you mean: {suggestions}?"},
    "err_unknown_commune": {"vi": "Không có xã/phường này trong {province}. Có phải: {suggestions}?", "en": "No such commune in {province}. Did you mean: {suggestions}?"},
    "err_unit_missing": {"vi": "Cần mã hoặc tên tỉnh/thành phố (\"VN\" cho nhiệm vụ của bộ, ngành trung ương).", "en": "A province code or name is required (\"VN\" for a central ministry's task)."},
    "err_commune_needs_province": {"vi": "Cần tỉnh/thành phố để xác định xã/phường.", "en": "The province is needed to identify the commune."},
    "err_code_name_mismatch": {"vi": "Mã {code} là {actual}, không khớp tên đã ghi.", "en": "Code {code} is {actual}, which does not match the name given."},
    "err_commune_required": {"vi": "Số liệu chỉ tiêu phải ghi cho từng xã/phường.", "en": "Indicator values must be given for a commune."},
    "err_new_task_incomplete": {
        "vi": "Nhiệm vụ mới: báo cáo đầu tiên phải có tên nhiệm vụ, kế hoạch, lĩnh vực, cơ quan chủ trì, người chịu trách nhiệm và hạn hoàn thành.",
        "en": "New task: its first report must give the title, plan, area, lead agency, responsible official and deadline.",
    },
    "err_duplicate_conflict": {
        "vi": "Trùng với dòng {other_row} nhưng khác giá trị.",
        "en": "Duplicates row {other_row} with a different value.",
    },
    "err_completed_progress": {"vi": "Đã hoàn thành thì tiến độ phải là 100%.", "en": "A completed task must be at 100% progress."},
    "warn_old_province": {
        "vi": "\"{old}\" là tên tỉnh trước 01/07/2025; đã hiểu là {new}.",
        "en": "\"{old}\" is a province name from before 1 July 2025; read as {new}.",
    },
    "warn_duplicate_row": {"vi": "Dòng trùng với dòng {other_row}; chỉ tính một lần.", "en": "Same as row {other_row}; counted once."},
    # --- upload page and upload history (issue 4)
    # --- end upload
    # --- map and drill-down pages (issue 3)
    # --- end map
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    entry = MESSAGES[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def format_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """12106 -> "12.106" (vi) or "12,106" (en); None -> an en dash."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[lang])


def format_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    return "–" if value is None else f"{format_number(value, lang, decimals)}%"


def format_date(value: dt.date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """30/06/2025 in Vietnamese, 30 Jun 2025 in English."""
    if value is None:
        return "–"
    return _babel_format_date(value, format="dd/MM/yyyy" if lang == "vi" else "d MMM yyyy", locale=_LOCALES[lang])
