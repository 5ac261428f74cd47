"""Reporting periods and deadlines (issue 13, item 4): each month is due on the report_due_day of the
month after; for each unit below the chosen one, on time, late, not submitted or not due yet, when
and by whom — the figure, the setting and the `reporting-status` command. Both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from data_loaders.figures import reporting
from data_loaders.store import settings
from data_loaders.store.models import Upload
from tests.support.builder import COMMUNE, OTHER_COMMUNE, PROVINCE, Builder
from tests.support.cli import run_cli

D = dt.date
JUNE = D(2025, 6, 1)
UTC = dt.timezone.utc


def _at(engine, upload_id: int, moment: dt.datetime) -> None:
    """Stored in UTC, as the importer stores it (SQLite keeps no zone)."""
    with engine.begin() as conn:
        conn.execute(update(Upload).where(Upload.id == upload_id).values(uploaded_at=moment.astimezone(UTC)))


def _june(engine) -> dict[str, int]:
    """Xuân Hương reports June by 5 July 23:00 Vietnam time (on time), Bảo Lộc's ward 1 on 6 July
    (late, then again on 8 July); Hà Nội's province tasks are reported on time; nobody else."""
    builder = Builder(engine)
    on_time = builder.upload("indicators", user="vanthu.xuanhuong")
    late = builder.upload("indicators", user="vanthu.baoloc")
    later = builder.upload("tasks", user="vanthu.baoloc2")
    hanoi = builder.upload("tasks", user="sokhcn.hanoi")
    may = builder.upload("indicators", user="vanthu.b")
    builder.value(COMMUNE, D(2025, 6, 30), "fiveg_stations", 12, upload_id=on_time, source_row=5)
    builder.value(COMMUNE, D(2025, 6, 30), "ai_experts", 3, upload_id=on_time, source_row=5)
    builder.value(OTHER_COMMUNE, D(2025, 6, 30), "fiveg_stations", 4, upload_id=late, source_row=5)
    builder.task("BL-01", D(2025, 12, 31), [(D(2025, 6, 20), "in_progress", 40, 5)], owner=OTHER_COMMUNE,
                 upload_id=later)
    builder.task("HN-01", D(2025, 12, 31), [(D(2025, 6, 30), "in_progress", 40, 5)], owner="01", upload_id=hanoi)
    builder.value("24829", D(2025, 5, 31), "fiveg_stations", 2, upload_id=may, source_row=5)  # May: not June
    builder.task("LD-OLD", D(2025, 12, 31), [(D(2025, 7, 1), "in_progress", 40, 5)], owner="24829", upload_id=may)
    builder.commit()
    vietnam = reporting.VIETNAM_TIME
    _at(engine, on_time, dt.datetime(2025, 7, 5, 23, 0, tzinfo=vietnam))
    _at(engine, late, dt.datetime(2025, 7, 6, 0, 30, tzinfo=vietnam))  # half an hour after the due date ended
    _at(engine, later, dt.datetime(2025, 7, 8, 9, 0, tzinfo=UTC))
    _at(engine, hanoi, dt.datetime(2025, 7, 2, 9, 0, tzinfo=UTC))
    _at(engine, may, dt.datetime(2025, 6, 3, 9, 0, tzinfo=UTC))
    return {"on_time": on_time, "late": late, "later": later}


def test_due_dates():
    assert reporting.due_date(JUNE, 5) == D(2025, 7, 5)
    assert reporting.due_date(D(2025, 12, 1), 5) == D(2026, 1, 5)
    assert reporting.due_date(D(2025, 1, 1), 28) == D(2025, 2, 28)
    assert reporting.deadline_instant(D(2025, 7, 5)) == dt.datetime(2025, 7, 5, 17, 0, tzinfo=UTC)
    assert reporting.parse_period("2025-06") == JUNE
    for bad in ("2025-13", "06/2025", "2025", "2025-6-1", ""):
        with pytest.raises(ValueError):
            reporting.parse_period(bad)


def test_each_commune_on_time_late_or_not_submitted_with_when_and_who(empty_engine):
    _june(empty_engine)
    result = reporting.reporting_status(PROVINCE, JUNE, 5, D(2025, 7, 20), engine=empty_engine)
    rows = {row["unit"]["code"]: row for row in result["children"]}
    assert len(rows) == 124  # Lâm Đồng's communes
    on_time, late = rows[COMMUNE], rows[OTHER_COMMUNE]
    assert on_time["status"] == "on_time" and on_time["first_submitted_by"] == "vanthu.xuanhuong"
    assert on_time["first_submitted_at"] == dt.datetime(2025, 7, 5, 16, 0, tzinfo=UTC)
    assert (on_time["indicator_values"], on_time["task_reports"], on_time["uploads"]) == (2, 0, 1)
    assert late["status"] == "late" and late["first_submitted_by"] == "vanthu.baoloc"
    assert (late["last_submitted_by"], late["uploads"], late["task_reports"]) == ("vanthu.baoloc2", 2, 1)
    assert rows["24829"]["status"] == "not_submitted"  # May's values and July's report are not June's
    assert rows["24829"]["first_submitted_at"] is None
    assert result["counts"] == {"on_time": 1, "late": 1, "not_submitted": 122, "not_due": 0}
    assert result["due_date"] == D(2025, 7, 5) and result["period"] == "2025-06"
    assert [row["status"] for row in result["children"][:2]] == ["not_submitted", "not_submitted"]


def test_the_nation_counts_provinces_and_before_the_due_date_nothing_is_missing_yet(empty_engine):
    _june(empty_engine)
    result = reporting.reporting_status("VN", JUNE, 5, D(2025, 7, 20), engine=empty_engine)
    rows = {row["unit"]["code"]: row for row in result["children"]}
    assert len(rows) == 34
    assert rows[PROVINCE]["status"] == "on_time" and rows[PROVINCE]["communes_reported"] == 2
    assert rows[PROVINCE]["communes"] == 124 and rows[PROVINCE]["uploads"] == 3
    assert rows["01"]["status"] == "on_time" and rows["01"]["first_submitted_by"] == "sokhcn.hanoi"
    assert result["counts"]["not_submitted"] == 32
    early = reporting.reporting_status("VN", JUNE, 5, D(2025, 7, 5), engine=empty_engine)
    assert early["counts"] == {"on_time": 2, "late": 0, "not_submitted": 0, "not_due": 32}
    # a later due day turns the late commune on time
    lenient = reporting.reporting_status(PROVINCE, JUNE, 10, D(2025, 7, 20), engine=empty_engine)
    assert lenient["counts"]["on_time"] == 2 and lenient["counts"]["late"] == 0


def test_the_due_day_setting_is_validated():
    assert settings.defaults()["report_due_day"] == 5
    assert settings.validate("report_due_day", "10") == 10
    for bad in (0, 29, "5.5", "năm"):
        with pytest.raises(settings.InvalidSetting):
            settings.validate("report_due_day", bad)


def test_the_command_line_contract(empty_engine):
    _june(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    assert run_cli(url, "settings", "--set", "report_due_day=6", "--json").returncode == 0
    done = run_cli(url, "reporting-status", "--period", "2025-06", "--unit", PROVINCE, "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"unit", "period", "due_day", "due_date", "today", "counts", "children"}
    assert (payload["due_day"], payload["due_date"]) == (6, "2025-07-06")  # the setting, as changed
    rows = {row["unit"]["code"]: row for row in payload["children"]}
    assert rows[OTHER_COMMUNE]["status"] == "on_time"  # 6 July 00:30 is within a 6 July due date
    assert rows[COMMUNE]["first_submitted_at"] == "2025-07-05T16:00:00+00:00"
    assert payload["counts"] == {"on_time": 2, "late": 0, "not_submitted": 122, "not_due": 0}
    text = run_cli(url, "reporting-status", "--period", "2025-06", "--unit", "VN", lang="en")
    assert text.returncode == 0 and "Lâm Đồng" in text.stdout and "on_time 2" in text.stdout


@pytest.mark.parametrize("args", [("--period", "06/2025", "--unit", "68"), ("--period", "2025-06", "--unit", "999")])
def test_bad_input_is_exit_2_with_a_json_error(empty_engine, args):
    url = empty_engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "reporting-status", *args, "--json", lang="en")
    assert done.returncode == 2 and not done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == "error" and ("06/2025" in payload["message"] or "999" in payload["message"])


def test_the_sufficient_score_and_the_non_reporting_warning_count_the_same_communes(empty_engine):
    from data_loaders.figures import data_quality, early_warnings
    from data_loaders.figures.scope import get_unit

    _june(empty_engine)
    status = reporting.reporting_status("VN", JUNE, 5, D(2025, 7, 20), engine=empty_engine)
    province = {row["unit"]["code"]: row for row in status["children"]}[PROVINCE]
    missing = early_warnings.communes_not_reporting(get_unit(PROVINCE, empty_engine), D(2025, 6, 30), empty_engine)
    assert len(missing) == province["communes"] - province["communes_reported"] == 122
    quality = data_quality.quality(PROVINCE, D(2025, 6, 30), engine=empty_engine)
    assert quality["figures"]["values_reported"] == province["indicator_values"] == 3


@pytest.mark.parametrize("unit", ["VN", PROVINCE])
def test_the_sample_arrives_mostly_on_time_and_partly_late(seeded_engine, unit):
    """The sample's uploads are stamped as their units would have sent them (seed/submissions.py), not
    all at the time of loading (which made every unit late for every month)."""
    for month in (D(2025, 1, 1), JUNE):
        counts = reporting.reporting_status(unit, month, 5, D(2025, 12, 31), seeded_engine)["counts"]
        assert counts["on_time"] > 5 * counts["late"] > 0, (unit, month, counts)
        assert counts["not_due"] == 0
