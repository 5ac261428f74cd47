"""The indicator catalogue in the database (issue 15, item 1), on both backends: an indicator added
through the command line is a column of the next template, is read by the import, is in the summary
(existing keys kept), the figures the charts draw and a deck slide, without a code change; a
province's administrator manages only that province's own indicators; an indicator with data is
not deleted; retiring keeps its history; the new rollups (average, latest, none) are computed in SQL."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from data_loaders import figures
from data_loaders.figures import indicators
from data_loaders.identity import audit
from data_loaders.identity import indicators as catalogue
from data_loaders.identity.accounts import get_account
from data_loaders.store import engine as db
from data_loaders.store.engine import make_engine
from data_loaders.store.indicator_catalogue import indicator_catalogue
from tests.support.auth_helpers import ensure_account
from tests.support.cli import run_cli
from tests.support.databases import BACKENDS, TEMPLATES, drop_database

LAM_DONG, HA_NOI = "68", "01"
JUNE = dt.date(2025, 6, 30)
SEEDED_KEYS = ["population", "fiveg_stations", "fiveg_coverage_pct", "fiber_coverage_pct", "villages_no_signal",
               "villages_no_power", "st_enterprises", "high_tech_enterprises", "digital_tech_enterprises",
               "ai_experts"]
ADD = ["indicators", "add", "smart_kiosks", "--name-vi", "Số ki-ốt dịch vụ công thông minh",
       "--name-en", "Smart public-service kiosks", "--unit-vi", "ki-ốt", "--unit-en", "kiosks", "--integer",
       "--max", "1000", "--group", "infrastructure", "--json"]


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """The sample in a database of this module's own (these tests change the catalogue)."""
    url = TEMPLATES.copy("sample", request.param, "catalogue", tmp_path_factory.mktemp("catalogue"))
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    drop_database(url)


def _json(result) -> dict:
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, (result.stdout, result.stderr)
    return json.loads(lines[0])


def _template(url: str, tmp_path, scope: str) -> openpyxl.Workbook:
    out = tmp_path / f"template_{scope}.xlsx"
    result = run_cli(url, "template", "indicators", "--scope", scope, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return openpyxl.load_workbook(out)


def _headers(workbook: openpyxl.Workbook) -> list[str]:
    sheet = workbook.worksheets[0]
    return [cell.value for cell in sheet[4] if cell.value]


def _fill(workbook: openpyxl.Workbook, header: str, values: list[float], period: str = "06/2025") -> bytes:
    """The first commune rows of a scoped template with `values` under `header` for `period`."""
    sheet = workbook.worksheets[0]
    column = _headers(workbook).index(header) + 1
    for offset, value in enumerate(values):
        sheet.cell(row=5 + offset, column=5, value=period)
        sheet.cell(row=5 + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(url: str, tmp_path, content: bytes, name: str, *extra: str) -> dict:
    path = tmp_path / name
    path.write_bytes(content)
    return _json(run_cli(url, "import", str(path), *extra, "--json"))


def test_an_indicator_added_on_the_command_line_reaches_template_import_summary_charts_and_deck(world, tmp_path):
    url, engine = world
    before = db.data_version(engine)
    added = _json(run_cli(url, *ADD))
    assert added["status"] == "added" and added["indicator"]["province"] == "VN"
    assert db.data_version(engine) > before  # every process reads the new catalogue on its next run

    workbook = _template(url, tmp_path, LAM_DONG)
    header = "Số ki-ốt dịch vụ công thông minh (ki-ốt)"
    assert _headers(workbook)[-1] == header
    first = workbook.worksheets[0].cell(row=5, column=3).value
    result = _import(url, tmp_path, _fill(workbook, header, [7, 3]), "kiosks.xlsx")
    assert (result["status"], result["created"]) == ("imported", 2), result

    # a fraction of a count is refused by the catalogue's bounds, as for the seeded indicators
    refused = _import(url, tmp_path, _fill(_template(url, tmp_path, LAM_DONG), header, [2.5]), "bad.xlsx")
    assert refused["status"] == "rejected" and refused["errors"][0]["column"] == header

    summary = _json(run_cli(url, "summary", "--unit", LAM_DONG, "--json"))
    assert list(summary["indicators"])[:10] == SEEDED_KEYS and summary["indicators"]["smart_kiosks"] == 10
    national = _json(run_cli(url, "summary", "--unit", "VN", "--json"))
    assert national["indicators"]["smart_kiosks"] == 10 and national["indicators"]["fiveg_stations"] == 12106
    assert _json(run_cli(url, "summary", "--unit", first, "--json"))["indicators"]["smart_kiosks"] == 7

    # what the infrastructure page's charts draw: the trend and the units below ranked
    trend = figures.indicator_trend(LAM_DONG, JUNE, 6, engine=engine)
    assert trend[-1]["smart_kiosks"] == 10
    from charts.maps import ranked_bars
    from charts.trend import trend_frame, trend_lines

    spec = trend_lines(trend_frame(trend, {"smart_kiosks": "Ki-ốt"}, "vi"), "Ki-ốt", "vi").to_dict()
    assert any(row["value"] == 10 for row in spec["datasets"][next(iter(spec["datasets"]))])
    import pandas as pd

    rows = figures.indicators_by_child(LAM_DONG, JUNE, engine=engine)
    frame = pd.DataFrame([{"code": r["code"], "name": r["name"], "value": r["smart_kiosks"]} for r in rows])
    bars = ranked_bars(frame.dropna(), "value", "Ki-ốt", "vi", decimals=0, percent=False).to_dict()
    assert sorted(row["value"] for row in bars["datasets"][next(iter(bars["datasets"]))]) == [3, 7]

    # the deck: a slide of the added indicators, with the figure and the ranking
    from reports.slides import build_slides

    deck = build_slides(LAM_DONG, JUNE, engine=engine)
    slide = deck.slides[deck.kinds.index("added_indicators")]
    assert [figure.line() for figure in slide.figures] == ["Số ki-ốt dịch vụ công thông minh (ki-ốt): 10"]
    assert slide.chart is not None

    entry = audit.entries(action="indicator_added", engine=engine)[0]
    assert entry["target"] == "indicator:smart_kiosks" and entry["actor"].startswith("cli:")


def test_a_province_administrator_manages_only_its_own_indicators(world, tmp_path):
    url, engine = world
    ensure_account(engine, "qt.lamdong", role="admin", scope=LAM_DONG)
    ensure_account(engine, "qt.hanoi", role="admin", scope=HA_NOI)
    base = ["--name-vi", "Số hợp tác xã chuyển đổi số", "--name-en", "Digitalised cooperatives",
            "--unit-vi", "hợp tác xã", "--unit-en", "cooperatives", "--integer", "--json"]
    national = run_cli(url, "indicators", "add", "ld_coops", *base, "--user", "qt.lamdong")
    assert national.returncode == 1 and _json(national)["status"] == "refused"  # a national one: not theirs
    other = run_cli(url, "indicators", "add", "ld_coops", *base, "--user", "qt.lamdong", "--province", HA_NOI)
    assert other.returncode == 1 and "quản trị viên tỉnh" in _json(other)["message"]
    own = _json(run_cli(url, "indicators", "add", "ld_coops", *base, "--user", "qt.lamdong", "--province", LAM_DONG))
    assert own["status"] == "added" and own["indicator"]["province"] == LAM_DONG
    hanoi = _json(run_cli(url, "indicators", "add", "hn_labs", "--name-vi", "Số phòng thí nghiệm", "--name-en", "Labs",
                          *base[4:], "--province", HA_NOI))  # the command line, trusted
    assert hanoi["status"] == "added"

    for command in ("retire", "delete"):
        for code in ("smart_kiosks", "hn_labs", "fiveg_stations"):
            refused = run_cli(url, "indicators", command, code, "--user", "qt.lamdong", "--json")
            assert refused.returncode == 1 and _json(refused)["status"] == "refused", (command, code)
    hanoi_admin = get_account("qt.hanoi", engine)
    with pytest.raises(catalogue.IndicatorRefused):
        catalogue.retire_indicator("ld_coops", account=hanoi_admin, engine=engine)
    refusals = [e for e in audit.entries(engine=engine) if e["outcome"] == "refused"
                and e["action"] in ("indicator_added", "indicator_retired", "indicator_deleted")]
    assert len(refusals) >= 6

    listed = {i["code"] for i in _json(run_cli(url, "indicators", "list", "--user", "qt.lamdong", "--json"))
              ["indicators"]}
    assert "ld_coops" in listed and "smart_kiosks" in listed and "hn_labs" not in listed
    # visible to the province (its communes, its template) and above; never at another province nor nationally
    assert "ld_coops" in _json(run_cli(url, "summary", "--unit", LAM_DONG, "--json"))["indicators"]
    assert "ld_coops" not in _json(run_cli(url, "summary", "--unit", HA_NOI, "--json"))["indicators"]
    assert "ld_coops" not in _json(run_cli(url, "summary", "--unit", "VN", "--json"))["indicators"]
    assert "Số hợp tác xã chuyển đổi số (hợp tác xã)" in _headers(_template(url, tmp_path, LAM_DONG))
    assert "Số hợp tác xã chuyển đổi số (hợp tác xã)" not in _headers(_template(url, tmp_path, HA_NOI))
    # a value of Lâm Đồng's own indicator for a Hà Nội commune is refused, cell by cell
    from data_loaders.ingest.formats import indicator_format
    from data_loaders.ingest.importer import import_file

    columns = indicator_format(indicator_catalogue(engine))
    sheet = openpyxl.Workbook()
    sheet.active.append([c.vi for c in columns.columns if c.key in ("province_code", "commune_code", "period",
                                                                    "ld_coops")])
    sheet.active.append([HA_NOI, "00004", "06/2025", 3])
    buffer = io.BytesIO()
    sheet.save(buffer)
    result = import_file(buffer.getvalue(), "hn.xlsx", engine=engine, dry_run=True)
    assert result.status == "rejected" and result.errors[0].key == "catalogue_err_other_province"

    # the province's administrator retires and deletes its own
    assert _json(run_cli(url, "indicators", "delete", "ld_coops", "--user", "qt.lamdong", "--json"))["status"] \
        == "deleted"
    assert "ld_coops" not in {i.code for i in indicator_catalogue(engine, include_retired=True)}


def test_deleting_an_indicator_with_data_is_refused_and_retiring_keeps_its_history(world, tmp_path):
    url, engine = world
    refused = run_cli(url, "indicators", "delete", "smart_kiosks", "--json")
    assert refused.returncode == 1
    assert _json(refused)["message"] == ('Không thể xoá chỉ tiêu "smart_kiosks": đã có 2 số liệu hoặc ghi chú. '
                                         'Hãy ngừng theo dõi để giữ lịch sử.')
    english = run_cli(url, "indicators", "delete", "smart_kiosks", "--json", lang="en")
    assert "Retire it instead" in _json(english)["message"]
    assert "smart_kiosks" in {i.code for i in indicator_catalogue(engine)}
    version = db.data_version(engine)
    assert _json(run_cli(url, "indicators", "retire", "smart_kiosks", "--json"))["status"] == "retired"
    assert db.data_version(engine) > version
    assert "Số ki-ốt dịch vụ công thông minh (ki-ốt)" not in _headers(_template(url, tmp_path, LAM_DONG))
    assert "smart_kiosks" not in {i.code for i in indicator_catalogue(engine)}
    assert figures.indicator_totals(LAM_DONG, JUNE, engine=engine)["smart_kiosks"] == 10  # its history stays
    again = run_cli(url, "indicators", "retire", "smart_kiosks", "--json")
    assert again.returncode == 1
    builtin = run_cli(url, "indicators", "retire", "population", "--json")
    assert builtin.returncode == 1 and "Nghị quyết 57" in _json(builtin)["message"]
    bad = run_cli(url, "indicators", "add", "period", "--name-vi", "x", "--name-en", "x", "--unit-vi", "x",
                  "--unit-en", "x", "--json")
    assert bad.returncode == 2 and _json(bad)["status"] == "error"


def test_average_latest_and_not_rolled_up_indicators_are_computed_in_sql(world, tmp_path, monkeypatch):
    url, engine = world
    common = ["--unit-vi", "điểm", "--unit-en", "points", "--decimals", "2", "--max", "100", "--json"]
    for code, rollup, levels in (("avg_score", "average", "commune"), ("latest_score", "latest", "commune"),
                                 ("own_score", "none", "province")):
        assert _json(run_cli(url, "indicators", "add", code, "--name-vi", f"Điểm {code}", "--name-en", code,
                             "--rollup", rollup, "--levels", levels, *common))["status"] == "added"
    workbook = _template(url, tmp_path, LAM_DONG)
    sheet = workbook.worksheets[0]
    assert sheet.cell(row=5, column=3).value is None  # the province's own row first: own_score is reported there
    headers = _headers(workbook)
    avg, latest, own = (headers.index(f"Điểm {c} (điểm)") + 1 for c in ("avg_score", "latest_score", "own_score"))
    sheet.cell(row=5, column=5, value="06/2025")
    sheet.cell(row=5, column=own, value=61.25)
    for row, (period, average, newest) in enumerate((("05/2025", 40, 10), ("06/2025", 60, 20),
                                                     ("06/2025", 80, 30)), start=6):
        sheet.cell(row=row, column=5, value=period)
        sheet.cell(row=row, column=avg, value=average)
        sheet.cell(row=row, column=latest, value=newest)
    communes = [sheet.cell(row=row, column=3).value for row in (6, 7, 8)]
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _import(url, tmp_path, buffer.getvalue(), "scores.xlsx")
    assert result["status"] == "imported", result

    totals = figures.indicator_totals(LAM_DONG, JUNE, engine=engine)
    assert totals["avg_score"] == pytest.approx(60.0)  # (40 + 60 + 80) / 3: each commune's latest
    assert totals["latest_score"] == pytest.approx(25.0)  # June, the newest period: (20 + 30) / 2
    assert totals["own_score"] == pytest.approx(61.25)  # the province's own value, not combined
    national = figures.indicator_totals("VN", JUNE, engine=engine)
    assert national["avg_score"] == pytest.approx(60.0) and national["own_score"] is None
    by_province = {row["code"]: row for row in figures.indicators_by_child("VN", JUNE, engine=engine)}
    assert by_province[LAM_DONG]["own_score"] == pytest.approx(61.25)
    assert by_province[LAM_DONG]["latest_score"] == pytest.approx(25.0)
    by_commune = {row["code"]: row for row in figures.indicators_by_child(LAM_DONG, JUNE, engine=engine)}
    assert by_commune[communes[0]]["latest_score"] == 10 and by_commune[communes[0]]["own_score"] is None
    series = figures.indicator_series("VN", "own_score", JUNE, 2, engine=engine)
    assert series["unit"][-1] is None and series["children"][LAM_DONG][-1] == pytest.approx(61.25)
    for code in ("avg_score", "latest_score", "own_score"):  # the nation's in one pass equal to each month end's
        for unit in ("VN", LAM_DONG):
            one_pass = figures.indicator_series(unit, code, JUNE, 2, engine=engine)
            with monkeypatch.context() as each_day:
                each_day.setattr(indicators, "_rolled_partials_on", lambda *args: None)
                assert one_pass == figures.indicator_series(unit, code, JUNE, 2, engine=engine), (unit, code)
    summary = _json(run_cli(url, "summary", "--unit", LAM_DONG, "--json"))["indicators"]
    assert (summary["avg_score"], summary["latest_score"], summary["own_score"]) == (60.0, 25.0, 61.25)
    # a commune row of the province-level indicator is refused, naming the level
    sheet.cell(row=6, column=own, value=5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rejected = _import(url, tmp_path, buffer.getvalue(), "scores_bad.xlsx")
    assert rejected["status"] == "rejected" and "cấp xã" in rejected["errors"][0]["message"]
