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
    "nav_tasks": {"vi": "Nhiệm vụ", "en": "Tasks"},
    "nav_infrastructure": {"vi": "Hạ tầng số", "en": "Digital infrastructure"},
    "nav_ecosystem": {"vi": "Hệ sinh thái", "en": "Ecosystem"},
    "nav_map": {"vi": "Bản đồ", "en": "Map"},
    "nav_section_views": {"vi": "Theo dõi", "en": "Monitor"},
    "nav_section_data": {"vi": "Dữ liệu", "en": "Data"},
    "drill_heading": {"vi": "Phạm vi", "en": "Scope"},
    "province": {"vi": "Tỉnh, thành phố", "en": "Province or city"},
    "commune": {"vi": "Xã, phường, đặc khu", "en": "Commune, ward or special zone"},
    "all_provinces": {"vi": "Toàn quốc", "en": "Nationwide"},
    "all_communes": {"vi": "Toàn tỉnh", "en": "Whole province"},
    "search_units": {"vi": "Tìm tỉnh, xã (gõ có hoặc không dấu)", "en": "Find a province or commune (with or without diacritics)"},
    "search_results": {"vi": "Kết quả tìm kiếm", "en": "Search results"},
    "search_none": {"vi": "Không tìm thấy đơn vị nào.", "en": "No unit found."},
    "search_pick": {"vi": "Chọn để mở", "en": "Pick one to open"},
    "as_of_help": {"vi": "Xem tình hình tại một ngày trong quá khứ: mỗi nhiệm vụ lấy báo cáo gần nhất đến ngày này.", "en": "See the state on a past date: each task takes its latest report on or before it."},
    "data_freshness": {"vi": "Dữ liệu mới nhất: {date}", "en": "Latest data: {date}"},
    "breadcrumb_label": {"vi": "Đang xem", "en": "Viewing"},
    "level_national": {"vi": "Toàn quốc", "en": "National"},
    "level_province": {"vi": "Cấp tỉnh", "en": "Province"},
    "level_commune": {"vi": "Cấp xã", "en": "Commune"},
    "central_ministries": {"vi": "Bộ, ngành trung ương", "en": "Central ministries"},
    "province_own_tasks": {"vi": "Nhiệm vụ cấp tỉnh", "en": "Province-level tasks"},
    "kpi_fiveg_stations": {"vi": "Trạm 5G", "en": "5G stations"},
    "kpi_fiveg_coverage": {"vi": "Dân số được phủ sóng 5G", "en": "Population covered by 5G"},
    "kpi_fiber": {"vi": "Hộ gia đình có cáp quang", "en": "Households with fibre"},
    "kpi_no_signal": {"vi": "Thôn chưa có sóng di động", "en": "Villages without mobile signal"},
    "kpi_no_power": {"vi": "Thôn chưa có điện lưới", "en": "Villages without electricity"},
    "kpi_st": {"vi": "Doanh nghiệp KH&CN", "en": "S&T enterprises"},
    "kpi_high_tech": {"vi": "Doanh nghiệp công nghệ cao", "en": "High-tech enterprises"},
    "kpi_digital_tech": {"vi": "Doanh nghiệp công nghệ số", "en": "Digital-tech enterprises"},
    "kpi_ai_experts": {"vi": "Chuyên gia AI", "en": "AI experts"},
    "kpi_population": {"vi": "Dân số", "en": "Population"},
    "per_100k": {"vi": "{value} / 100.000 dân", "en": "{value} per 100,000 people"},
    "gap_to_target": {"vi": "Còn thiếu {gap} điểm % so với mục tiêu {target}%", "en": "{gap} percentage points short of the {target}% target"},
    "target_reached": {"vi": "Đã đạt mục tiêu {target}%", "en": "{target}% target reached"},
    "unit_people": {"vi": "người", "en": "people"},
    "status_completed": {"vi": "Đã hoàn thành", "en": "Completed"},
    "status_on_schedule": {"vi": "Đang thực hiện theo lộ trình", "en": "In progress, on schedule"},
    "status_overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "overdue_rate": {"vi": "Tỷ lệ quá hạn", "en": "Overdue rate"},
    "on_time_rate": {"vi": "Tỷ lệ đúng hạn", "en": "On-time rate"},
    "unit_name": {"vi": "Đơn vị", "en": "Unit"},
    "click_to_drill": {"vi": "Bấm vào một đơn vị trên biểu đồ để xem chi tiết.", "en": "Click a unit in the chart to drill into it."},
    "error_page": {"vi": "Không hiển thị được trang này. Vui lòng tải lại hoặc báo quản trị viên.", "en": "This page could not be shown. Please reload or tell the administrator."},
    "compare_with": {"vi": "So sánh với ngày", "en": "Compare with"},
    "compare_help": {"vi": "Các thẻ số liệu hiện mức thay đổi so với ngày này (ví dụ: ngày hội nghị sơ kết trước). Để trống nếu không so sánh.", "en": "The figure cards show the change since this date (e.g. the last review conference). Leave empty for no comparison."},
    "compare_caption": {"vi": "Thay đổi so với {date}", "en": "Change since {date}"},
    "delta_points": {"vi": "{value} điểm %", "en": "{value} pts"},
    "tasks_title": {"vi": "Nhiệm vụ thực hiện Nghị quyết 57", "en": "Tasks implementing Resolution 57"},
    "by_child_heading": {"vi": "Theo đơn vị trực thuộc", "en": "By unit below"},
    "sort_by": {"vi": "Sắp xếp theo", "en": "Sort by"},
    "sort_overdue_count": {"vi": "Số quá hạn", "en": "Overdue count"},
    "sort_overdue_rate": {"vi": "Tỷ lệ quá hạn", "en": "Overdue rate"},
    "by_area": {"vi": "Theo lĩnh vực", "en": "By area"},
    "by_agency": {"vi": "Theo cơ quan chủ trì", "en": "By lead agency"},
    "by_plan": {"vi": "Theo kế hoạch", "en": "By plan"},
    "overdue_list": {"vi": "Nhiệm vụ quá hạn", "en": "Overdue tasks"},
    "overdue_none": {"vi": "Không có nhiệm vụ quá hạn.", "en": "No overdue tasks."},
    "task_list": {"vi": "Danh sách nhiệm vụ", "en": "Task list"},
    "task_list_help": {"vi": "Chọn một dòng để xem lịch sử báo cáo của nhiệm vụ.", "en": "Select a row to see the task's report history."},
    "filter_plan": {"vi": "Kế hoạch", "en": "Plan"},
    "filter_area": {"vi": "Lĩnh vực", "en": "Area"},
    "filter_status": {"vi": "Tình trạng", "en": "Status"},
    "filter_agency": {"vi": "Cơ quan chủ trì", "en": "Lead agency"},
    "filter_all": {"vi": "Tất cả", "en": "All"},
    "col_code": {"vi": "Mã", "en": "Code"},
    "col_title": {"vi": "Nhiệm vụ", "en": "Task"},
    "col_owner": {"vi": "Đơn vị", "en": "Unit"},
    "col_agency": {"vi": "Cơ quan chủ trì", "en": "Lead agency"},
    "col_official": {"vi": "Người chịu trách nhiệm", "en": "Responsible official"},
    "col_deadline": {"vi": "Hạn", "en": "Deadline"},
    "col_days_overdue": {"vi": "Số ngày quá hạn", "en": "Days overdue"},
    "col_progress": {"vi": "Tiến độ", "en": "Progress"},
    "col_status": {"vi": "Tình trạng", "en": "Status"},
    "col_last_report": {"vi": "Báo cáo gần nhất", "en": "Last report"},
    "col_report_date": {"vi": "Ngày báo cáo", "en": "Report date"},
    "col_reported_status": {"vi": "Trạng thái báo cáo", "en": "Reported status"},
    "col_note": {"vi": "Ghi chú", "en": "Note"},
    "col_source": {"vi": "Nguồn (tệp, dòng)", "en": "Source (file, row)"},
    "task_detail": {"vi": "Chi tiết nhiệm vụ {code}", "en": "Task {code}"},
    "tasks_shown": {"vi": "{shown} / {total} nhiệm vụ", "en": "{shown} of {total} tasks"},
    "reported_completed": {"vi": "Đã hoàn thành", "en": "Completed"},
    "reported_in_progress": {"vi": "Đang thực hiện", "en": "In progress"},
    "reported_not_started": {"vi": "Chưa triển khai", "en": "Not started"},
    "communes_without_tasks": {"vi": "{count} xã, phường chưa có nhiệm vụ nào (không hiển thị).", "en": "{count} communes have no tasks (not shown)."},
    "no_tasks": {"vi": "Đơn vị này chưa có nhiệm vụ nào đến ngày đã chọn.", "en": "This unit has no tasks by the chosen date."},
    "infrastructure_title": {"vi": "Hạ tầng số", "en": "Digital infrastructure"},
    "ecosystem_title": {"vi": "Hệ sinh thái đổi mới sáng tạo", "en": "Innovation ecosystem"},
    "map_title": {"vi": "Bản đồ", "en": "Map"},
    "trend_heading": {"vi": "Diễn biến theo tháng", "en": "Monthly trend"},
    "ranking_heading": {"vi": "Xếp hạng đơn vị trực thuộc", "en": "Units below, ranked"},
    "metric": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "per_capita_toggle": {"vi": "Tính trên 100.000 dân", "en": "Per 100,000 inhabitants"},
    "metric_overdue": {"vi": "Nhiệm vụ quá hạn", "en": "Overdue tasks"},
    "metric_overdue_rate": {"vi": "Tỷ lệ nhiệm vụ quá hạn", "en": "Overdue task rate"},
    "metric_on_time_rate": {"vi": "Tỷ lệ nhiệm vụ đúng hạn", "en": "On-time task rate"},
    "metric_tasks_total": {"vi": "Tổng số nhiệm vụ", "en": "Total tasks"},
    "ranking_top_bottom": {"vi": "{shown} đơn vị đầu và cuối trong số {total}", "en": "Top and bottom {shown} of {total} units"},
    "no_children": {"vi": "Cấp xã không có đơn vị trực thuộc.", "en": "A commune has no units below it."},
    "stations_trend": {"vi": "Số trạm 5G", "en": "5G stations"},
    "coverage_trend": {"vi": "Tỷ lệ dân số được phủ sóng 5G (%)", "en": "5G population coverage (%)"},
    "villages_trend": {"vi": "Thôn chưa có sóng, chưa có điện", "en": "Villages without signal or power"},
    "enterprises_trend": {"vi": "Doanh nghiệp", "en": "Enterprises"},
    # --- warnings, accountability, quality (issue 5)
    "nav_warnings": {"vi": "Cảnh báo sớm", "en": "Early warnings"},
    "nav_accountability": {"vi": "Trách nhiệm, thi đua", "en": "Accountability"},
    "nav_quality": {"vi": "Chất lượng dữ liệu", "en": "Data quality"},
    "warnings_title": {"vi": "Cảnh báo sớm", "en": "Early warnings"},
    "warnings_intro": {
        "vi": "Những việc cần xử lý, việc gấp nhất ở trên cùng. Bấm vào một cảnh báo để mở trang chi tiết.",
        "en": "What needs action, most urgent first. Open a warning to see its detail.",
    },
    "warnings_none": {"vi": "Không có cảnh báo nào.", "en": "No warnings."},
    "warnings_thresholds": {
        "vi": "Ngưỡng: sắp đến hạn trong {due_soon} ngày; chậm báo cáo quá {stalled} ngày; mục tiêu 5G {target}% đến {date}.",
        "en": "Thresholds: due within {due_soon} days; stalled after {stalled} days without a report; 5G target {target}% by {date}.",
    },
    "warnings_shown": {"vi": "Hiển thị {shown} / {total} cảnh báo", "en": "Showing {shown} of {total} warnings"},
    "warnings_show_more": {"vi": "Xem thêm", "en": "Show more"},
    "warning_kind_overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "warning_kind_due_soon_behind": {"vi": "Sắp đến hạn, chậm tiến độ", "en": "Due soon, behind pace"},
    "warning_kind_stalled": {"vi": "Lâu không báo cáo", "en": "Stalled"},
    "warning_kind_not_reporting": {"vi": "Chưa báo cáo số liệu", "en": "Not reporting"},
    "warning_kind_off_target": {"vi": "Chệch mục tiêu", "en": "Off target"},
    "warning_open": {"vi": "Mở", "en": "Open"},
    "warn_overdue": {
        "vi": "{code} ({owner}) quá hạn {days} ngày (hạn {deadline}, tiến độ {progress}). Chủ trì: {agency}; chịu trách nhiệm: {official}.",
        "en": "{code} ({owner}) is {days} days overdue (deadline {deadline}, progress {progress}). Lead: {agency}; responsible: {official}.",
    },
    "warn_due_soon_behind": {
        "vi": "{code} ({owner}) còn {days} ngày đến hạn {deadline} nhưng tiến độ {progress}, cần khoảng {expected}. Chủ trì: {agency}; chịu trách nhiệm: {official}.",
        "en": "{code} ({owner}) is due in {days} days ({deadline}) at {progress}, where about {expected} is needed. Lead: {agency}; responsible: {official}.",
    },
    "warn_stalled": {
        "vi": "{code} ({owner}) không có báo cáo mới trong {days} ngày (lần cuối {last}, tiến độ {progress}). Chủ trì: {agency}; chịu trách nhiệm: {official}.",
        "en": "{code} ({owner}) has had no report for {days} days (last on {last}, progress {progress}). Lead: {agency}; responsible: {official}.",
    },
    "warn_not_reporting_province": {
        "vi": "{province}: {count}/{total} xã chưa báo cáo kỳ {period}",
        "en": "{province}: {count} of {total} communes have not reported for {period}",
    },
    "warn_not_reporting_commune": {"vi": "{commune}: chưa báo cáo kỳ {period}", "en": "{commune}: no report for {period}"},
    "warn_off_target": {
        "vi": "{unit}: phủ sóng 5G {current} ({period}); theo xu hướng hiện tại đạt {projected} vào {target_date}, mục tiêu {target}.",
        "en": "{unit}: 5G coverage {current} ({period}); at the current trend {projected} by {target_date}, against a {target} target.",
    },
    "warn_off_target_reach": {"vi": "Với tốc độ này, đạt mục tiêu vào khoảng {date}.", "en": "At this pace the target is reached around {date}."},
    "warn_off_target_never": {"vi": "Với xu hướng này, không đạt được mục tiêu.", "en": "At this trend the target is never reached."},
    "accountability_title": {"vi": "Trách nhiệm và thi đua", "en": "Accountability and emulation ranking"},
    "accountability_agencies": {"vi": "Cơ quan chủ trì", "en": "Lead agencies"},
    "accountability_provinces": {"vi": "Tỉnh, thành phố", "en": "Provinces"},
    "accountability_compare_help": {
        "vi": "Thứ hạng thay đổi tính từ ngày so sánh chọn ở thanh bên (mặc định: 3 tháng trước).",
        "en": "Rank changes count from the comparison date chosen in the sidebar (default: three months earlier).",
    },
    "accountability_buckets": {"vi": "Nhiệm vụ quá hạn theo mức độ trễ", "en": "Overdue tasks by lateness"},
    "accountability_officials": {"vi": "Nhiệm vụ theo người chịu trách nhiệm", "en": "Tasks by responsible official"},
    "accountability_no_tasks": {"vi": "Chưa có nhiệm vụ nào đến ngày đã chọn.", "en": "No tasks by the chosen date."},
    "bucket_le_30": {"vi": "≤ 30 ngày", "en": "≤ 30 days"},
    "bucket_31_90": {"vi": "31–90 ngày", "en": "31–90 days"},
    "bucket_gt_90": {"vi": "> 90 ngày", "en": "> 90 days"},
    "col_rank": {"vi": "Hạng", "en": "Rank"},
    "col_rank_change": {"vi": "Thay đổi hạng", "en": "Rank change"},
    "col_total": {"vi": "Tổng số", "en": "Total"},
    "col_completed": {"vi": "Hoàn thành", "en": "Completed"},
    "col_overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "col_overdue_rate": {"vi": "Tỷ lệ quá hạn", "en": "Overdue rate"},
    "col_on_time_rate": {"vi": "Tỷ lệ đúng hạn", "en": "On-time rate"},
    "col_agency_or_unit": {"vi": "Cơ quan, đơn vị", "en": "Agency or unit"},
    "rank_up": {"vi": "tăng {places} bậc", "en": "up {places}"},
    "rank_down": {"vi": "giảm {places} bậc", "en": "down {places}"},
    "rank_same": {"vi": "giữ nguyên", "en": "unchanged"},
    "rank_new": {"vi": "mới", "en": "new"},
    "quality_title": {"vi": "Chất lượng dữ liệu: đúng, đủ, sạch, sống", "en": "Data quality: correct, sufficient, clean, live"},
    "quality_correct": {"vi": "Đúng", "en": "Correct"},
    "quality_sufficient": {"vi": "Đủ", "en": "Sufficient"},
    "quality_clean": {"vi": "Sạch", "en": "Clean"},
    "quality_live": {"vi": "Sống", "en": "Live"},
    "quality_overall": {"vi": "Điểm chung", "en": "Overall"},
    "quality_correct_def": {
        "vi": "Đúng: tỷ lệ dòng tải lên vượt qua kiểm tra, nhân với tỷ lệ báo cáo nhiệm vụ không tự mâu thuẫn (hoàn thành mà tiến độ dưới 100%, chưa triển khai mà đã có tiến độ, hoặc ghi ngày trước khi nhiệm vụ có thể tồn tại).",
        "en": "Correct: the share of uploaded rows that passed validation, times the share of task reports that do not contradict themselves (completed below 100%, not started with progress, or dated before the task could exist).",
    },
    "quality_sufficient_def": {
        "vi": "Đủ: tỷ lệ xã đã báo cáo từng chỉ tiêu trong kỳ gần nhất, lấy trung bình trên các chỉ tiêu.",
        "en": "Sufficient: the share of communes that reported each indicator for the latest period, averaged over the indicators.",
    },
    "quality_clean_def": {
        "vi": "Sạch: 100 trừ tỷ lệ dòng tải lên bị trùng lặp hoặc mâu thuẫn; trường hợp đã được xử lý chỉ tính {weight} phần.",
        "en": "Clean: 100 minus the share of uploaded rows that were duplicates or conflicting values; one already resolved counts for {weight} of one.",
    },
    "quality_live_def": {
        "vi": "Sống: 100 nếu báo cáo gần nhất không quá {full} ngày, giảm dần về 0 khi đã {zero} ngày không có báo cáo.",
        "en": "Live: 100 when the latest report is at most {full} days old, falling to 0 at {zero} days without a report.",
    },
    "quality_map_score": {"vi": "Điểm trên bản đồ", "en": "Score on the map"},
    "quality_attention": {"vi": "Dữ liệu cần quan tâm nhất: {units}.", "en": "Data most in need of attention: {units}."},
    "quality_attention_none": {"vi": "Mọi đơn vị đều đạt điểm tối đa ở cả bốn tiêu chí.", "en": "Every unit scores full marks on all four measures."},
    "quality_scorecard": {"vi": "Bảng điểm", "en": "Scorecard"},
    "quality_days_since": {"vi": "Số ngày từ báo cáo gần nhất", "en": "Days since the last report"},
    "quality_no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "cli_bad_setting": {"vi": "Thiết lập không hợp lệ: {detail}", "en": "Invalid setting: {detail}"},
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
    "err_file_too_large": {"vi": "Tệp quá lớn ({size_mb} MB); tối đa {max_mb} MB.", "en": "The file is too large ({size_mb} MB); the limit is {max_mb} MB."},
    "err_too_many_rows": {"vi": "Tệp có {rows} dòng, vượt quá giới hạn {max_rows} dòng.", "en": "The file has {rows} rows, more than the limit of {max_rows}."},
    "err_zip_bomb": {
        "vi": "Tệp nén bung ra quá lớn (giới hạn {max_mb} MB) hoặc tỷ lệ nén bất thường; tệp bị từ chối.",
        "en": "The archive inflates beyond the limit ({max_mb} MB) or has an abnormal compression ratio; it was rejected.",
    },
    "warn_percent_fraction": {
        "vi": "Cột tỷ lệ được nhập dạng phần trăm Excel ({example}); đã hiểu là {scaled}%. Áp dụng cho cả cột.",
        "en": "This percent column holds Excel percentages ({example}); read as {scaled}%. Applied to the whole column.",
    },
    "upload_title": {"vi": "Tải lên số liệu", "en": "Upload data"},
    "nav_upload": {"vi": "Tải lên số liệu", "en": "Upload data"},
    "upload_new_file": {"vi": "Tải tệp khác", "en": "Upload another file"},
    "upload_intro": {
        "vi": "Tải biểu mẫu, điền số liệu, rồi tải tệp lên. Tệp được kiểm tra từng ô; chỉ khi không có lỗi và bạn xác nhận thì số liệu mới được ghi.",
        "en": "Download a template, fill it in, then upload it. Every cell is checked; figures are saved only when there is no error and you confirm.",
    },
    "upload_templates": {"vi": "Biểu mẫu", "en": "Templates"},
    "upload_template_tasks": {"vi": "Biểu mẫu tiến độ nhiệm vụ (.xlsx)", "en": "Task progress template (.xlsx)"},
    "upload_template_indicators": {"vi": "Biểu mẫu chỉ tiêu theo xã (.xlsx)", "en": "Indicators by commune template (.xlsx)"},
    "upload_file_label": {"vi": "Chọn tệp (.xlsx, .xls, .ods, .csv)", "en": "Choose a file (.xlsx, .xls, .ods, .csv)"},
    "upload_limits": {"vi": "Tối đa {max_mb} MB, {max_rows} dòng.", "en": "Up to {max_mb} MB and {max_rows} rows."},
    "upload_user": {"vi": "Người tải lên", "en": "Uploaded by"},
    "upload_stage_read": {"vi": "Đang đọc tệp…", "en": "Reading the file…"},
    "upload_stage_validate": {"vi": "Đang kiểm tra từng dòng…", "en": "Checking every row…"},
    "upload_stage_commit": {"vi": "Đang đối chiếu với cơ sở dữ liệu…", "en": "Comparing with the database…"},
    "upload_stage_done": {"vi": "Xong", "en": "Done"},
    "upload_checking": {"vi": "Đang kiểm tra tệp", "en": "Checking the file"},
    "upload_saving": {"vi": "Đang ghi số liệu", "en": "Saving the figures"},
    "upload_rejected": {
        "vi": "Tệp có {errors} lỗi nên chưa ghi gì. Sửa các ô dưới đây (hoặc tải tệp đánh dấu lỗi) rồi tải lên lại.",
        "en": "The file has {errors} errors, so nothing was saved. Fix the cells below (or download the marked-up file) and upload again.",
    },
    "upload_unreadable": {"vi": "Không nhận tệp: {message}", "en": "The file was not accepted: {message}"},
    "upload_preview_ready": {
        "vi": "Tệp hợp lệ: {rows} dòng ({kind}). Xem trước các thay đổi dưới đây rồi bấm Xác nhận để ghi.",
        "en": "The file is valid: {rows} rows ({kind}). Review the changes below, then press Confirm to save.",
    },
    "upload_nothing_changes": {"vi": "Tệp hợp lệ nhưng không làm thay đổi số liệu nào.", "en": "The file is valid but changes no figure."},
    "upload_already_imported": {"vi": "Tệp này đã được tải lên trước đây (lần tải số {upload_id}); không có gì thay đổi.", "en": "This file was uploaded before (upload {upload_id}); nothing changes."},
    "upload_confirm": {"vi": "Xác nhận ghi số liệu", "en": "Confirm and save"},
    "upload_cancel": {"vi": "Huỷ", "en": "Cancel"},
    "upload_imported": {"vi": "Đã ghi: {created} mới, {updated} cập nhật, {unchanged} không đổi (lần tải số {upload_id}).", "en": "Saved: {created} new, {updated} updated, {unchanged} unchanged (upload {upload_id})."},
    "upload_errors_heading": {"vi": "Lỗi cần sửa", "en": "Errors to fix"},
    "upload_warnings_heading": {"vi": "Cảnh báo", "en": "Warnings"},
    "upload_error_workbook": {"vi": "Tải tệp đánh dấu các ô lỗi (.xlsx)", "en": "Download the file with the wrong cells marked (.xlsx)"},
    "upload_preview_heading": {"vi": "Xem trước thay đổi", "en": "Preview of the changes"},
    "upload_biggest_changes": {"vi": "Thay đổi lớn nhất", "en": "Biggest changes"},
    "upload_history": {"vi": "Lịch sử tải lên", "en": "Upload history"},
    "upload_history_empty": {"vi": "Chưa có lần tải lên nào.", "en": "No uploads yet."},
    "upload_download_original": {"vi": "Tải tệp gốc của lần tải số", "en": "Download the original file of upload"},
    "upload_download_button": {"vi": "Tải tệp gốc", "en": "Download original"},
    # --- exports of tables and charts (issue 6)
    "download_xlsx": {"vi": "Tải Excel", "en": "Excel"},
    "download_csv": {"vi": "Tải CSV", "en": "CSV"},
    "download_chart": {"vi": "Tải ảnh", "en": "Image"},
    "download_png": {"vi": "Ảnh PNG (báo cáo, trình chiếu)", "en": "PNG image (reports, slides)"},
    "download_svg": {"vi": "Ảnh SVG (phóng to không vỡ nét)", "en": "SVG image (sharp at any size)"},
    "status_trend_file": {"vi": "Diễn biến tình trạng nhiệm vụ", "en": "Task status over time"},
    # --- end exports
    "upload_kind_tasks": {"vi": "Tiến độ nhiệm vụ", "en": "Task progress"},
    "upload_kind_indicators": {"vi": "Chỉ tiêu theo xã", "en": "Indicators by commune"},
    "upload_status_imported": {"vi": "Đã ghi", "en": "Imported"},
    "upload_status_unchanged": {"vi": "Không thay đổi", "en": "Unchanged"},
    "upload_status_rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "col_upload_id": {"vi": "Số", "en": "No."},
    "col_uploaded_at": {"vi": "Thời điểm", "en": "When"},
    "col_uploaded_by": {"vi": "Người tải", "en": "Who"},
    "col_file_name": {"vi": "Tệp", "en": "File"},
    "col_kind": {"vi": "Loại", "en": "Kind"},
    "col_rows": {"vi": "Số dòng", "en": "Rows"},
    "col_outcome": {"vi": "Kết quả", "en": "Outcome"},
    "col_created": {"vi": "Mới", "en": "New"},
    "col_updated": {"vi": "Cập nhật", "en": "Updated"},
    "col_unchanged": {"vi": "Không đổi", "en": "Unchanged"},
    "col_warnings": {"vi": "Cảnh báo", "en": "Warnings"},
    "col_errors": {"vi": "Lỗi", "en": "Errors"},
    "col_sheet": {"vi": "Trang tính", "en": "Sheet"},
    "col_row": {"vi": "Dòng", "en": "Row"},
    "col_column": {"vi": "Cột", "en": "Column"},
    "col_value": {"vi": "Giá trị", "en": "Value"},
    "col_message": {"vi": "Nội dung", "en": "Message"},
    "col_indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col_unit": {"vi": "Đơn vị", "en": "Unit"},
    "col_period": {"vi": "Kỳ", "en": "Period"},
    "col_old": {"vi": "Cũ", "en": "Old"},
    "col_new": {"vi": "Mới", "en": "New"},
    "preview_tasks_created": {"vi": "Nhiệm vụ mới", "en": "New tasks"},
    "preview_tasks_updated": {"vi": "Nhiệm vụ cập nhật", "en": "Tasks updated"},
    "preview_tasks_unchanged": {"vi": "Nhiệm vụ không đổi", "en": "Tasks unchanged"},
    "preview_reports_created": {"vi": "Báo cáo mới", "en": "New reports"},
    "preview_reports_updated": {"vi": "Báo cáo cập nhật", "en": "Reports updated"},
    "preview_values_created": {"vi": "Số liệu mới", "en": "New values"},
    "preview_values_updated": {"vi": "Số liệu thay đổi", "en": "Values changed"},
    "preview_values_unchanged": {"vi": "Số liệu không đổi", "en": "Values unchanged"},
    "error_workbook_sheet": {"vi": "Lỗi", "en": "Errors"},
    "upload_failed": {"vi": "Không xử lý được tệp. Vui lòng thử lại hoặc báo quản trị viên.", "en": "The file could not be processed. Please try again or tell the administrator."},
    # --- end upload
    # --- map and drill-down pages (issue 3)
    "map_attribution": {
        "vi": "Ranh giới: Natural Earth (phạm vi công cộng), đã điều chỉnh; mã đơn vị: Tổng cục Thống kê",
        "en": "Boundaries: Natural Earth (public domain), adapted; codes: GSO",
    },
    "map_no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "map_province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "map_commune": {"vi": "Xã, phường, đặc khu", "en": "Commune"},
    "map_unit": {"vi": "Đơn vị", "en": "Unit"},
    "map_hoang_sa": {"vi": "QĐ. Hoàng Sa", "en": "Hoang Sa Is."},
    "map_truong_sa": {"vi": "QĐ. Trường Sa", "en": "Truong Sa Is."},
    "map_click_hint": {"vi": "Bấm vào một đơn vị trên bản đồ hoặc biểu đồ để xem chi tiết.", "en": "Click a unit on the map or chart to drill down."},
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


def format_compact(value: float | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Large counts for a card: 101.300.000 -> "101,3 triệu" (vi) / "101.3 million" (en)."""
    if value is None:
        return "–"
    for size, vi, en in ((1e9, "tỷ", "billion"), (1e6, "triệu", "million")):
        if abs(value) >= size:
            return f"{format_number(value / size, lang, 1)} {vi if lang == 'vi' else en}"
    return format_number(value, lang)


def format_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    return "–" if value is None else f"{format_number(value, lang, decimals)}%"


def format_date(value: dt.date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """30/06/2025 in Vietnamese, 30 Jun 2025 in English."""
    if value is None:
        return "–"
    return _babel_format_date(value, format="dd/MM/yyyy" if lang == "vi" else "d MMM yyyy", locale=_LOCALES[lang])
