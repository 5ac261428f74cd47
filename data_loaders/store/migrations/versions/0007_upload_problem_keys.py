"""upload problems stored as message keys with parameters, not as translated sentences

Until 0006 the importer stored each problem of an upload (upload.messages "errors" and "warnings")
as {"sheet", "row", "column", "value", "message": <a sentence in the uploader's language>}. Now a
problem is {"sheet", "row", "column", "value", "key", "params"} and is written in the reader's
language when shown. The upgrade matches each stored sentence, once, against the importer's
catalogue templates as they were in both languages (copied below, so a later change of the catalogue
cannot change what this migration does); a sentence that matches none is kept as it was, as
{"key": null, "params": {}, "text": <the sentence>}, which still displays. History rows of committed
task files also count task reports (as the preview did) instead of tasks, from the counts each row
already kept. The downgrade writes every problem back as a Vietnamese sentence.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The importer's problem messages (Vietnamese, English) as of revision 0006.
TEMPLATES = {
    "err_required": (
        'Ô bắt buộc đang để trống.',
        'This cell is required but empty.',
    ),
    "err_bad_date": (
        'Ngày không hợp lệ (dùng dạng dd/mm/yyyy).',
        'Not a valid date (use dd/mm/yyyy).',
    ),
    "err_future_date": (
        'Ngày nằm trong tương lai.',
        'The date is in the future.',
    ),
    "err_bad_period": (
        'Kỳ báo cáo không hợp lệ (dùng dạng mm/yyyy).',
        'Not a valid period (use mm/yyyy).',
    ),
    "err_bad_number": (
        'Không phải là số.',
        'Not a number.',
    ),
    "err_negative": (
        'Giá trị không được âm.',
        'The value cannot be negative.',
    ),
    "err_percent_range": (
        'Tỷ lệ phải từ 0 đến 100.',
        'A percentage must be between 0 and 100.',
    ),
    "err_bad_choice": (
        'Giá trị không thuộc danh mục; dùng một trong: {choices}.',
        'Not an allowed value; use one of: {choices}.',
    ),
    "err_unknown_province": (
        'Không có tỉnh/thành phố này. Có phải: {suggestions}?',
        'No such province. Did you mean: {suggestions}?',
    ),
    "err_unknown_commune": (
        'Không có xã/phường này trong {province}. Có phải: {suggestions}?',
        'No such commune in {province}. Did you mean: {suggestions}?',
    ),
    "err_unit_missing": (
        'Cần mã hoặc tên tỉnh/thành phố ("VN" cho nhiệm vụ của bộ, ngành trung ương).',
        'A province code or name is required ("VN" for a central ministry\'s task).',
    ),
    "err_commune_needs_province": (
        'Cần tỉnh/thành phố để xác định xã/phường.',
        'The province is needed to identify the commune.',
    ),
    "err_code_name_mismatch": (
        'Mã {code} là {actual}, không khớp tên đã ghi.',
        'Code {code} is {actual}, which does not match the name given.',
    ),
    "err_commune_required": (
        'Số liệu chỉ tiêu phải ghi cho từng xã/phường.',
        'Indicator values must be given for a commune.',
    ),
    "err_new_task_incomplete": (
        'Nhiệm vụ mới: báo cáo đầu tiên phải có tên nhiệm vụ, kế hoạch, lĩnh vực, cơ quan chủ trì, người chịu trách nhiệm và hạn hoàn thành.',  # noqa: E501 (the sentence as stored)
        'New task: its first report must give the title, plan, area, lead agency, responsible official and deadline.',
    ),
    "err_duplicate_conflict": (
        'Trùng với dòng {other_row} nhưng khác giá trị.',
        'Duplicates row {other_row} with a different value.',
    ),
    "err_completed_progress": (
        'Đã hoàn thành thì tiến độ phải là 100%.',
        'A completed task must be at 100% progress.',
    ),
    "warn_old_province": (
        '"{old}" là tên tỉnh trước 01/07/2025; đã hiểu là {new}.',
        '"{old}" is a province name from before 1 July 2025; read as {new}.',
    ),
    "warn_duplicate_row": (
        'Dòng trùng với dòng {other_row}; chỉ tính một lần.',
        'Same as row {other_row}; counted once.',
    ),
    "warn_percent_fraction": (
        'Cột tỷ lệ được nhập dạng phần trăm Excel ({example}); đã hiểu là {scaled}%. Áp dụng cho cả cột.',
        'This percent column holds Excel percentages ({example}); read as {scaled}%. Applied to the whole column.',
    ),
    "err_missing_column": (
        'Thiếu cột bắt buộc "{column}".',
        'Required column "{column}" is missing.',
    ),
    "scope_unit_outside": (
        '{unit} nằm ngoài phạm vi được giao ({scope}).',
        '{unit} is outside your scope ({scope}).',
    ),
    "scope_task_unit_outside": (
        'Nhiệm vụ {task} thuộc {unit}, ngoài phạm vi được giao ({scope}).',
        'Task {task} belongs to {unit}, outside your scope ({scope}).',
    ),
    "scope_agency_outside": (
        'Nhiệm vụ do {agency} chủ trì, không phải {own}.',
        'The task is led by {agency}, not by {own}.',
    ),
    "scope_task_agency_outside": (
        'Nhiệm vụ {task} do {agency} chủ trì, không phải {own}.',
        'Task {task} is led by {agency}, not by {own}.',
    ),
    "scope_no_indicators": (
        'Tài khoản của {agency} chỉ được tải lên tiến độ nhiệm vụ, không tải lên số liệu chỉ tiêu.',
        'The account of {agency} may upload task progress only, not indicator values.',
    ),
}

_INT = r"(?P<{name}>\d+)"
_NUMBER = r"(?P<{name}>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_ANY = r"(?P<{name}>.*?)"
_NUMERIC = {"other_row": _INT, "scaled": _NUMBER}  # the parameters the importer passed as numbers


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    # split alternates literal text and parameter names
    regex = "".join(re.escape(part) if i % 2 == 0 else _NUMERIC.get(part, _ANY).format(name=part)
                    for i, part in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


# the most literal text first, so a template with more fixed words wins over a looser one
_PATTERNS = sorted(
    ((key, _pattern(template), len(re.sub(r"\{\w+\}", "", template)))
     for key, templates in TEMPLATES.items() for template in templates),
    key=lambda item: -item[2],
)


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _key_and_params(message: str) -> tuple[str, dict] | None:
    for key, pattern, _ in _PATTERNS:
        match = pattern.match(message)
        if match:
            params = match.groupdict()
            for name in ("other_row", "scaled", "example"):  # numbers then, numbers again now
                if name in params:
                    params[name] = _number(params[name])
            return key, params
    return None


def keyed_problem(problem: dict) -> dict:
    """A problem stored as a sentence, as a key with parameters (or a literal sentence)."""
    if "message" not in problem or "key" in problem:
        return problem
    place = {name: problem.get(name) for name in ("sheet", "row", "column", "value")}
    message = problem["message"] or ""
    found = _key_and_params(message)
    if found is None:
        return {**place, "key": None, "params": {}, "text": message}
    return {**place, "key": found[0], "params": found[1]}


def sentence_problem(problem: dict) -> dict:
    """A keyed problem written back as the Vietnamese sentence revision 0006 stored."""
    if "key" not in problem:
        return problem
    from data_loaders.ingest.problems import Problem  # the application's renderer, for references

    place = {name: problem.get(name) for name in ("sheet", "row", "column", "value")}
    if isinstance(place["column"], dict):
        place["column"] = Problem.from_stored(problem).column_label("vi")
    if problem["key"] is None:
        return {**place, "message": problem.get("text") or ""}
    return {**place, "message": Problem.from_stored(problem).message("vi")}


_upload = sa.table(
    "upload",
    sa.column("id", sa.Integer), sa.column("kind", sa.String), sa.column("status", sa.String),
    sa.column("created", sa.Integer), sa.column("updated", sa.Integer), sa.column("unchanged", sa.Integer),
    sa.column("messages", sa.JSON),
)


def _convert(convert_problem, counted: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_upload.c.id, _upload.c.kind, _upload.c.status, _upload.c.created,
                                        _upload.c.updated, _upload.c.unchanged, _upload.c.messages)).all()
    for row in rows:
        messages = dict(row.messages or {})
        for name in ("errors", "warnings"):
            if isinstance(messages.get(name), list):
                messages[name] = [convert_problem(p) if isinstance(p, dict) else p for p in messages[name]]
        values = {"messages": messages}
        # a committed task file: the history row counts reports (upgrade) or tasks (downgrade)
        if row.kind == "tasks" and row.status in ("imported", "unchanged") and f"{counted}_created" in messages:
            values.update(created=messages[f"{counted}_created"], updated=messages[f"{counted}_updated"],
                          unchanged=messages[f"{counted}_unchanged"])
        if messages != (row.messages or {}) or any(values.get(k, getattr(row, k)) != getattr(row, k)
                                                   for k in ("created", "updated", "unchanged")):
            connection.execute(sa.update(_upload).where(_upload.c.id == row.id).values(**values))


def upgrade() -> None:
    _convert(keyed_problem, "reports")


def downgrade() -> None:
    _convert(sentence_problem, "tasks")
