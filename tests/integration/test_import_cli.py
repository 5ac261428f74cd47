"""`python -m data_loaders import|template` is a contract for automation: one JSON object, exit 0
for imported/unchanged/already_imported, 1 for rejected (database unchanged), 2 for an unreadable
file or bad usage. Most tests call the command line in this process
(tests/support/cli.py); a few run it as a real process, for its exit codes and streams."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from data_loaders.store.models import IndicatorValue, RollupCache, Task, TaskReport
from tests.support.cli import json_payload, run_cli, run_cli_process
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, TASK_HEADERS, indicator_row, task_row, workbook_bytes

PROBLEM_KEYS = {"sheet", "row", "column", "value", "message"}
OK_KEYS = {"status", "kind", "rows", "created", "updated", "unchanged", "warnings", "upload_id"}


def cli(engine, *args: str, process: bool = False) -> tuple[int, dict | None, str]:
    """The command in this process (or, with `process`, a real one), in English."""
    url = engine.url.render_as_string(hide_password=False)
    done = (run_cli_process if process else run_cli)(url, *args, lang="en")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json_payload(done, args), done.stderr


def data_counts(engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(m)).scalar_one() for m in (Task, TaskReport,
                                                                                              IndicatorValue))


def test_import_exit_codes_and_json(empty_engine, tmp_path):
    good = tmp_path / "tien_do.xlsx"
    good.write_bytes(workbook_bytes([task_row("NV-1"), task_row("NV-2", province="Đắk Nông")], TASK_HEADERS))

    code, payload, _ = cli(empty_engine, "import", str(good), "--dry-run", "--json")
    assert code == 0 and payload["status"] == "imported" and payload["dry_run"] is True
    assert data_counts(empty_engine) == (0, 0, 0)

    code, payload, _ = cli(empty_engine, "import", str(good), "--json", process=True)  # a real process too
    assert code == 0 and OK_KEYS <= set(payload)
    assert (payload["status"], payload["kind"], payload["rows"], payload["created"]) == ("imported", "tasks", 2, 2)
    assert isinstance(payload["upload_id"], int)
    [warning] = payload["warnings"]
    assert set(warning) == PROBLEM_KEYS and warning["row"] == 5 and warning["value"] == "Đắk Nông"
    # the same post-commit step as the upload page: the figures of the new data version are computed
    with empty_engine.connect() as conn:
        versions = set(conn.execute(select(RollupCache.data_version)).scalars())
    assert versions == {payload["upload_id"]}

    code, again, _ = cli(empty_engine, "import", str(good), "--json")
    assert code == 0 and again["status"] == "already_imported" and again["upload_id"] == payload["upload_id"]


def test_rejected_exit_1_and_database_unchanged(empty_engine, tmp_path):
    bad = tmp_path / "chi_tieu.xlsx"
    bad.write_bytes(workbook_bytes([indicator_row("Lâm Đồng", "Không Có", None, "06/2025", "nhiều", 5)],
                                   INDICATOR_HEADERS))
    before = data_counts(empty_engine)
    code, payload, _ = cli(empty_engine, "import", str(bad), "--json", process=True)
    assert code == 1 and payload["status"] == "rejected"
    assert len(payload["errors"]) == 2 and all(set(e) == PROBLEM_KEYS for e in payload["errors"])
    assert {(e["row"], e["column"], e["value"]) for e in payload["errors"]} == {
        (4, "Xã/Phường", "Không Có"), (4, "Số trạm 5G", "nhiều")}
    assert data_counts(empty_engine) == before


def test_unreadable_files_and_bad_usage_exit_2(empty_engine, tmp_path):
    junk = tmp_path / "report.xlsx"
    junk.write_bytes(b"%PDF-1.4 definitely not a spreadsheet")
    code, payload, _ = cli(empty_engine, "import", str(junk), "--json")
    assert code == 2 and payload["status"] == "error" and "not an Excel" in payload["message"]

    code, payload, _ = cli(empty_engine, "import", str(tmp_path / "missing.xlsx"), "--json")
    assert code == 2 and payload["status"] == "error"

    code, payload, _ = cli(empty_engine, "import", "--json")  # no FILE
    assert code == 2 and payload["status"] == "error"

    code, _, stderr = cli(empty_engine, "import", str(junk))
    assert code == 2 and stderr.strip() and len(stderr.strip().splitlines()) == 1


def test_template_command_writes_both_templates(empty_engine, tmp_path):
    for kind, header in (("tasks", "Mã nhiệm vụ"), ("indicators", "Kỳ báo cáo")):
        out = tmp_path / f"{kind}.xlsx"
        code, _, stderr = cli(empty_engine, "template", kind, "--out", str(out))
        assert code == 0, stderr
        workbook = load_workbook(out)
        sheet = workbook.worksheets[0]
        headers = [c.value for c in sheet[4] if c.value]
        assert header in headers
        lists = {dv.formula1 for dv in sheet.data_validations.dataValidation if dv.type == "list"}
        assert len(lists) == (5 if kind == "tasks" else 2)  # status, plan, area, province, commune
        guide = workbook["Hướng dẫn"]
        english = {row[1] for row in guide.iter_rows(min_row=2, values_only=True)}
        assert ("Task code" if kind == "tasks" else "Period") in english
        assert workbook["Danh mục"].sheet_state == "hidden"
        # communes: a dependent list (the row's province), falling back to every commune
        assert any("INDIRECT" in formula for formula in lists)
        assert workbook.defined_names["XA_68"].attr_text.startswith("'Danh mục'!")
    code, _, _ = cli(empty_engine, "template", "budget", "--out", str(tmp_path / "x.xlsx"))
    assert code == 2
    code, _, _ = cli(empty_engine, "template", "tasks", "--out", str(tmp_path / "nope" / "x.xlsx"))
    assert code == 2
    code, _, _ = cli(empty_engine, "template", "indicators", "--scope", "68", "--out", str(tmp_path / "68.xlsx"))
    assert code == 0 and load_workbook(tmp_path / "68.xlsx").worksheets[0]["B5"].value == "Lâm Đồng"
    code, _, stderr = cli(empty_engine, "template", "tasks", "--scope", "99", "--out", str(tmp_path / "99.xlsx"))
    assert code == 2 and "99" in stderr and not (tmp_path / "99.xlsx").exists()


def test_blank_template_round_trips_through_the_importer(empty_engine, tmp_path):
    """A newcomer fills the downloaded template the way staff do and uploads it."""
    out = tmp_path / "mau.xlsx"
    assert cli(empty_engine, "template", "tasks", "--out", str(out))[0] == 0
    workbook = load_workbook(out)
    sheet = workbook.worksheets[0]
    typed = dict(zip(TASK_HEADERS, task_row("NV-100", province="Lâm Đồng")))
    for cell in sheet[4]:
        if cell.value in typed:
            sheet.cell(row=5, column=cell.column, value=typed[cell.value])
    workbook.save(out)
    code, payload, _ = cli(empty_engine, "import", str(out), "--json")
    assert code == 0 and payload["created"] == 1, payload
