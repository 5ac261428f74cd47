"""Plausible values and text that fits (issue 14, cases 1 and 3), on SQLite and on PostgreSQL when
TEST_DATABASE_URL is set:

- every indicator has a plausible range in the catalogue (population and counts bounded and whole,
  percentages 0–100, nothing negative or infinite): a value outside it is a cell error naming the
  range, the file changes nothing, and the figures above the commune still compute (a population
  of 1e308 used to overflow PostgreSQL's sums and take every national page down);
- the text columns' lengths are declared once (store/models.py) and checked by the validator, so an
  over-long code, agency or official is a cell error naming the limit on both backends (SQLite used
  to store it, PostgreSQL to fail at commit with its internals shown), and text of exactly the limit
  is stored;
- should the database still refuse a write, everything is rolled back and the file rejected with a
  message, the database's text logged, never shown.

Both entry points are exercised: the command line (`import --json`) and `import_file` as the upload
page calls it (an account, a preview, the rejection recorded)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile

import pytest
from sqlalchemy import func, inspect, select

from data_loaders.identity import accounts
from data_loaders.ingest import commit as commit_module
from data_loaders.ingest import validate as validate_module
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.read import detect_format, read_raw_sheets
from data_loaders.ingest.validate import TEXT_LIMITS, validate
from data_loaders.store.catalogue import INDICATORS
from data_loaders.store.models import (
    AGENCY_NAME_LENGTH,
    OFFICIAL_NAME_LENGTH,
    TASK_CODE_LENGTH,
    Account,
    Agency,
    AuditEntry,
    IndicatorValue,
    Task,
    TaskReport,
    Upload,
)
from tests.support import PROJECT_DIR
from tests.support.cli import json_payload, run_cli
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

TODAY = dt.date(2025, 7, 15)
AS_OF = "2025-06-30"
XUAN_HUONG = "24781"  # Phường Xuân Hương - Đà Lạt, Lâm Đồng (68)
PASSWORD = "a long enough password"
POPULATION = "Dân số (người)"
STATIONS = "Số trạm 5G"
COVERAGE = "Tỷ lệ dân số được phủ sóng 5G (%)"
# database internals that must never reach a person
INTERNALS = ("psycopg", "sqlite3", "DataError", "IntegrityError", "UniqueViolation", "StringDataRightTruncation",
             "NumericValueOutOfRange", "character varying", "INSERT", "COPY")


def cli(engine, *args: str) -> tuple[int, dict | None, str]:
    """The command in this process, in English: (exit code, its JSON, stderr)."""
    done = run_cli(engine.url.render_as_string(hide_password=False), *args, lang="en")
    assert "Traceback" not in done.stderr + done.stdout
    return done.returncode, json_payload(done, args), done.stderr


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Task, TaskReport, Agency, IndicatorValue)}


def reporter(engine, scope: str = "68") -> Account:
    return accounts.create_account(f"reporter{scope}", PASSWORD, "reporter", scope, actor="cli:test", engine=engine)


def as_page(engine, content: bytes, account: Account, name: str = "upload.xlsx", dry_run: bool = True):
    """`import_file` as the upload page calls it: the account's upload, its rejection recorded."""
    return import_file(content, name, user=account.username, account=account, dry_run=dry_run, lang="en",
                       engine=engine, today=TODAY, record_rejection=True)


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def summary(engine, unit: str) -> dict:
    code, payload, stderr = cli(engine, "summary", "--unit", unit, "--as-of", AS_OF, "--json")
    assert code == 0, (payload, stderr)
    return payload


# --- case 1: plausible values -------------------------------------------------------------------


def test_a_population_of_1e308_is_refused_naming_its_cell_and_the_figures_still_compute(empty_engine, tmp_path):
    account = reporter(empty_engine)
    base = workbook_bytes([indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 10, 20.5, 40_000)],
                          INDICATOR_HEADERS)
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "base.xlsx", base), "--user", account.username,
                           "--json")
    assert code == 0 and payload["status"] == "imported", payload
    before = counts(empty_engine), summary(empty_engine, "VN"), summary(empty_engine, "68")
    assert before[1]["indicators"]["population"] == 40_000

    absurd = workbook_bytes([indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 10, 20.5, 1e308)],
                            INDICATOR_HEADERS)
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "absurd.xlsx", absurd), "--user",
                           account.username, "--json")
    assert code == 1 and payload["status"] == "rejected"
    [error] = payload["errors"]
    assert (error["sheet"], error["row"], error["column"], error["value"]) == ("Báo cáo", 4, POPULATION, 1e308)
    assert error["message"] == "Not a plausible value for one commune: it must be between 0 and 2,000,000."
    # nothing changed, and every figure above the commune still computes, on PostgreSQL too
    assert (counts(empty_engine), summary(empty_engine, "VN"), summary(empty_engine, "68")) == before

    # the upload page's path: the same cell error as a key with the range, in Vietnamese too
    result = as_page(empty_engine, absurd, account)
    assert result.status == "rejected"
    [problem] = result.errors
    assert (problem.row, problem.cell, problem.key, problem.params) == (
        4, "G4", "bounds_err_out_of_range", {"minimum": 0, "maximum": 2_000_000})
    assert problem.message("vi") == "Giá trị không hợp lý cho một xã: phải từ 0 đến 2.000.000."
    with empty_engine.connect() as conn:
        stored = conn.execute(select(Upload.messages).where(Upload.id == result.upload_id)).scalar_one()
    assert stored["errors"][0]["key"] == "bounds_err_out_of_range"
    assert counts(empty_engine) == before[0]


def test_negative_over_100_percent_fractional_counts_and_implausible_counts_are_cell_errors(empty_engine):
    rows = communes("68", 7)
    cases = [  # (stations, coverage, population): one implausible cell per row, rows 4..10
        (-3, 20.5, 10_000),
        (10, 100.5, 10_000),
        (12.5, 20.5, 10_000),
        (10, 20.5, 2_000_001),
        (10, -0.1, 10_000),
        (10_001, 20.5, 10_000),
        (10, 20.5, 10_000.5),
    ]
    content = workbook_bytes([indicator_row("Lâm Đồng", None, commune.code, "06/2025", *case)
                              for commune, case in zip(rows, cases)], INDICATOR_HEADERS)
    result = as_page(empty_engine, content, reporter(empty_engine), dry_run=False)
    assert result.status == "rejected"
    found = {(e.row, e.column, e.value, e.key) for e in result.errors}
    assert found == {
        (4, STATIONS, -3, "err_negative"),
        (5, COVERAGE, 100.5, "err_percent_range"),
        (6, STATIONS, 12.5, "bounds_err_not_integer"),
        (7, POPULATION, 2_000_001, "bounds_err_out_of_range"),
        (8, COVERAGE, -0.1, "err_negative"),
        (9, STATIONS, 10_001, "bounds_err_out_of_range"),
        (10, POPULATION, 10_000.5, "bounds_err_not_integer"),
    }
    by_row = {e.row: e for e in result.errors}
    assert by_row[9].message("en") == "Not a plausible value for one commune: it must be between 0 and 10,000."
    assert by_row[6].message("en") == "This indicator counts things, so it must be a whole number."
    assert counts(empty_engine)["indicator_value"] == 0  # all or nothing: the good cells were not kept either


def test_values_at_the_bounds_are_stored_and_a_formula_rounding_slip_is_the_whole_number_meant(empty_engine):
    content = workbook_bytes([indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 12.000000000001, 100,
                                            2_000_000)], INDICATOR_HEADERS)
    result = as_page(empty_engine, content, reporter(empty_engine), dry_run=False)
    assert result.status == "imported", [e.as_json() for e in result.errors]
    with empty_engine.connect() as conn:
        stored = dict(conn.execute(select(IndicatorValue.indicator_code, IndicatorValue.value)).all())
    assert stored == {"fiveg_stations": 12.0, "fiveg_coverage_pct": 100.0, "population": 2_000_000.0}


def _with_number_text(content: bytes, cell: str, number: str) -> bytes:
    """The workbook with `cell`'s number written as `number` (openpyxl cannot write 1e309 itself)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                marker = f'<c r="{cell}" t="n"><v>'.encode()
                start = data.index(marker) + len(marker)
                data = data[:start] + number.encode() + data[data.index(b"</v>", start):]
            target.writestr(item, data)
    return out.getvalue()


def test_a_number_cell_beyond_floating_point_is_refused_as_not_a_number(empty_engine, tmp_path):
    content = _with_number_text(workbook_bytes([indicator_row("Lâm Đồng", None, XUAN_HUONG, "06/2025", 10, 20.5,
                                                              1e308)], INDICATOR_HEADERS), "G4", "1E+309")
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "inf.xlsx", content), "--json")
    assert code == 1 and payload["status"] == "rejected"
    [error] = payload["errors"]
    assert (error["row"], error["column"], error["message"]) == (4, POPULATION, "Not a number.")
    assert error["value"] == "inf"  # JSON has no infinite number: text, as in the history (PostgreSQL's JSON too)
    with empty_engine.connect() as conn:
        stored = conn.execute(select(Upload.status, Upload.messages)).one()
    assert stored.status == "rejected" and stored.messages["errors"][0]["value"] == "inf"
    assert counts(empty_engine)["indicator_value"] == 0


def test_every_indicator_declares_a_finite_range_and_the_sample_workbooks_lie_within_it():
    for indicator in INDICATORS:
        plausible = indicator.plausible
        assert 0 == plausible.minimum < plausible.maximum < 1e7, indicator.code
        assert plausible.integer == (indicator.unit_en != "%"), indicator.code
        assert plausible.maximum == 100 or indicator.unit_en != "%"
    # the bundled sample (what the generator writes, see test_sample_data) passes validation whole
    for name in ("nq57_chi_tieu_theo_xa_mau.xlsx", "nq57_tien_do_nhiem_vu_mau.xlsx"):
        path = PROJECT_DIR / "sample_data" / name
        sheet_format, rows = detect_format(read_raw_sheets(path.read_bytes(), name))
        validated = validate(sheet_format, rows, TODAY)
        assert validated.problems.errors == [], name
        assert len(validated.values) + len(validated.reports) > 3_000


# --- case 3: text that fits its column --------------------------------------------------------


def test_text_limits_are_the_columns_lengths_in_the_migrated_database(empty_engine):
    columns = {table: {c["name"]: c["type"] for c in inspect(empty_engine).get_columns(table)}
               for table in ("task", "agency")}
    assert columns["task"]["code"].length == TEXT_LIMITS["task_code"] == TASK_CODE_LENGTH
    assert columns["agency"]["name"].length == TEXT_LIMITS["lead_agency"] == AGENCY_NAME_LENGTH
    assert columns["task"]["responsible_official"].length == TEXT_LIMITS["responsible_official"] \
        == OFFICIAL_NAME_LENGTH


def test_over_long_official_code_and_agency_are_cell_errors_naming_the_limit(empty_engine, tmp_path):
    rows = [
        task_row("NV-1", official="Nguyễn Văn " + "A" * 289),  # 300 characters
        task_row("NV-" + "9" * 66),  # a code of 69
        task_row("NV-3", agency="Sở " + "Khoa học " * 44 + "XXXX"),  # 403
        task_row("NV-4", note="ghi chú " * 300),  # 2,399 after the spaces are tidied
    ]
    content = workbook_bytes(rows, TASK_HEADERS)
    before = counts(empty_engine)
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "long.xlsx", content), "--json")
    assert code == 1 and payload["status"] == "rejected"
    found = {(e["row"], e["column"], e["message"]) for e in payload["errors"]}
    assert found == {
        (4, "Người chịu trách nhiệm", "Too long: 300 characters, at most 120."),
        (5, "Mã nhiệm vụ", "Too long: 69 characters, at most 40."),
        (6, "Cơ quan chủ trì", "Too long: 403 characters, at most 200."),
        (7, "Ghi chú", "Too long: 2,399 characters, at most 2,000."),
    }
    code_error = next(e for e in payload["errors"] if e["row"] == 5)
    assert code_error["value"] == "NV-" + "9" * 66  # short enough to repeat whole
    official_error = next(e for e in payload["errors"] if e["row"] == 4)
    assert len(official_error["value"]) == 81 and official_error["value"].endswith("…")
    assert not any(word in str(payload) for word in INTERNALS)
    assert counts(empty_engine) == before

    # the upload page: the preview already refuses it (it used to preview "1 new task" and fail at Confirm)
    result = as_page(empty_engine, content, reporter(empty_engine))
    assert result.status == "rejected"
    assert {(e.cell, e.key, e.params["limit"]) for e in result.errors} == {
        ("H4", "bounds_err_too_long", 120), ("A5", "bounds_err_too_long", 40), ("E6", "bounds_err_too_long", 200),
        ("M7", "bounds_err_too_long", 2000)}
    assert "tối đa 120 ký tự" in next(e for e in result.errors if e.cell == "H4").message("vi")
    assert counts(empty_engine) == before


def test_text_of_exactly_the_limit_is_stored_on_every_backend(empty_engine, tmp_path):
    official = "Nguyễn Thị " + "B" * (OFFICIAL_NAME_LENGTH - 11)
    code_text = "NV-" + "7" * (TASK_CODE_LENGTH - 3)
    agency = "Sở " + "Thông tin " * 19 + "Truyền."
    assert (len(official), len(code_text), len(agency)) == (OFFICIAL_NAME_LENGTH, TASK_CODE_LENGTH,
                                                            AGENCY_NAME_LENGTH)
    content = workbook_bytes([task_row(code_text, official=official, agency=agency)], TASK_HEADERS)
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "fits.xlsx", content), "--json")
    assert code == 0 and payload["status"] == "imported", payload
    with empty_engine.connect() as conn:
        stored = conn.execute(select(Task.code, Task.responsible_official, Agency.name)
                              .join(Agency, Agency.id == Task.lead_agency_id)).one()
    assert tuple(stored) == (code_text, official, agency)


# --- the safety net ----------------------------------------------------------------------------


def _inserting_twice(monkeypatch) -> None:
    """Every bulk insert writes its rows twice: a unique-key violation at commit, on both backends
    (through SQLAlchemy on SQLite, from the driver's COPY on PostgreSQL), after the first copy and
    the upload row were written in the same transaction."""
    original = commit_module._bulk_insert

    def twice(connection, table, names, rows):
        original(connection, table, names, rows)
        original(connection, table, names, rows)

    monkeypatch.setattr(commit_module, "_bulk_insert", twice)
    # PostgreSQL's set-based indicator write (staged with COPY): the second pass is refused too
    staged = commit_module._stage_and_write

    def staged_twice(*args, **kwargs):
        staged(*args, **kwargs)
        staged(*args, **kwargs)

    monkeypatch.setattr(commit_module, "_stage_and_write", staged_twice)


def test_a_write_the_database_refuses_rolls_back_whole_with_a_message_not_its_text(empty_engine, tmp_path,
                                                                                   monkeypatch, caplog):
    _inserting_twice(monkeypatch)
    content = workbook_bytes([indicator_row("Lâm Đồng", None, c.code, "06/2025", 10, 20.5, 5000)
                              for c in communes("68", 2)], INDICATOR_HEADERS)
    with caplog.at_level(logging.ERROR, logger="nq57.ingest"):
        code, payload, stderr = cli(empty_engine, "import", write(tmp_path, "values.xlsx", content), "--json")
    assert code == 1 and payload["status"] == "rejected"
    [error] = payload["errors"]
    assert error["message"] == ("The database could not save this file, so nothing was saved. The error has been "
                                "logged; please tell the administrator.")
    assert (error["row"], error["column"]) == (None, None)
    assert not any(word in str(payload) + stderr for word in INTERNALS)
    # logged server-side with the traceback
    [record] = [r for r in caplog.records if r.name == "nq57.ingest" and r.exc_info]
    assert "values.xlsx" in record.getMessage()
    # nothing half-committed: no value, no imported upload, no commit audited; the attempt is in the history
    with empty_engine.connect() as conn:
        uploads = conn.execute(select(Upload.status, Upload.messages)).all()
        audited = set(conn.execute(select(AuditEntry.action)).scalars())
    assert counts(empty_engine)["indicator_value"] == 0
    assert [status for status, _ in uploads] == ["rejected"]
    assert uploads[0][1]["errors"][0]["key"] == "bounds_err_commit_failed"
    assert "upload_committed" not in audited

    # the upload page's path: a rejected result with the key, in Vietnamese too
    result = as_page(empty_engine, content, reporter(empty_engine), dry_run=False)
    assert result.status == "rejected" and [e.key for e in result.errors] == ["bounds_err_commit_failed"]
    assert result.errors[0].message("vi").startswith("Cơ sở dữ liệu không lưu được tệp này")
    assert counts(empty_engine)["indicator_value"] == 0


def test_postgresql_refusing_an_over_long_text_is_caught_too(empty_engine, tmp_path, monkeypatch):
    """The issue's own failure (StringDataRightTruncation at commit), with the validator's limit lifted."""
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce String(n)")
    monkeypatch.setitem(validate_module.TEXT_LIMITS, "responsible_official", 1000)
    content = workbook_bytes([task_row("NV-1", official="Nguyễn Văn " + "A" * 289)], TASK_HEADERS)
    before = counts(empty_engine)
    code, payload, _ = cli(empty_engine, "import", write(tmp_path, "long.xlsx", content), "--json")
    assert code == 1 and payload["status"] == "rejected"
    assert [e["message"] for e in payload["errors"]] == [
        "The database could not save this file, so nothing was saved. The error has been logged; please tell the "
        "administrator."]
    assert not any(word in str(payload) for word in INTERNALS)
    assert counts(empty_engine) == before
