"""Early warnings: each kind triggered and not triggered on a small database (boundaries included),
the sample's 136 overdue tasks, the CLI JSON contract and settings (the page: tests/ui)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest

from benchmarks import reference_queries
from data_loaders.figures.early_warnings import (
    KINDS,
    URGENCY,
    commune_values,
    linear_fit,
    projection,
    top_warnings,
    warning_counts,
    warning_key,
    warning_keys,
    warnings,
    warnings_summary,
)
from data_loaders.figures.scope import get_unit
from data_loaders.follow_up.targets import set_target
from data_loaders.i18n.message import render
from data_loaders.identity.admin import change_setting
from data_loaders.store.settings import InvalidSetting, get_settings
from tests.support.builder import AS_OF, COMMUNE, OTHER_COMMUNE, PROVINCE, Builder
from tests.support.cli import run_cli

D = dt.date

def kinds_of(result: dict, kind: str) -> dict[str, dict]:
    return {(w.get("task") or w["unit"]["code"]): w for w in result["warnings"] if w["kind"] == kind}


# --- tasks --------------------------------------------------------------------------------------


def test_overdue_boundary_and_figures(empty_engine):
    b = Builder(empty_engine)
    b.task("LATE", D(2025, 6, 29), [(D(2025, 6, 1), "in_progress", 40)], agency="Sở KH&CN", official="Trần B")
    b.task("DUE_TODAY", D(2025, 6, 30), [(D(2025, 6, 1), "in_progress", 100)])
    b.task("DONE_LATE", D(2025, 3, 1), [(D(2025, 6, 1), "completed", 100)])
    b.task("CENTRAL", D(2025, 1, 31), [(D(2025, 1, 15), "not_started", 0)], owner="VN", agency="Bộ KH&CN")
    engine = b.commit()
    result = warnings("VN", AS_OF, engine=engine)
    overdue = kinds_of(result, "overdue")
    assert set(overdue) == {"LATE", "CENTRAL"}
    late = overdue["LATE"]
    assert late["days_overdue"] == 1 and late["lead_agency"] == "Sở KH&CN" and late["responsible_official"] == "Trần B"
    assert late["unit"]["code"] == COMMUNE and late["deadline"] == "2025-06-29"
    assert "1 ngày" in render(late["message"]) and "Trần B" in render(late["message"])
    # most urgent (most days overdue) first
    assert [w["task"] for w in result["warnings"] if w["kind"] == "overdue"] == ["CENTRAL", "LATE"]
    # the deadline on as_of is not overdue; a task completed late is not a warning
    assert "DUE_TODAY" not in {w.get("task") for w in result["warnings"]}
    assert "DONE_LATE" not in {w.get("task") for w in result["warnings"]}
    # scope: the province sees its commune's task, not the central one
    assert set(kinds_of(warnings(PROVINCE, AS_OF, engine=engine), "overdue")) == {"LATE"}
    assert kinds_of(warnings(OTHER_COMMUNE, AS_OF, engine=engine), "overdue") == {}


def test_due_soon_behind_pace(empty_engine):
    b = Builder(empty_engine)
    # first report 1 May, deadline 15 Jul: on 30 Jun 80% is due (60 of 75 days)
    b.task("BEHIND", D(2025, 7, 15), [(D(2025, 5, 1), "in_progress", 10), (D(2025, 6, 25), "in_progress", 50)])
    b.task("ON_PACE", D(2025, 7, 15), [(D(2025, 5, 1), "in_progress", 10), (D(2025, 6, 25), "in_progress", 80)])
    b.task("EDGE_IN", D(2025, 7, 30), [(D(2025, 6, 25), "in_progress", 0)])  # due in exactly 30 days
    b.task("EDGE_OUT", D(2025, 7, 31), [(D(2025, 6, 25), "in_progress", 0)])  # due in 31 days
    b.task("TODAY", D(2025, 6, 30), [(D(2025, 6, 1), "in_progress", 99)])  # due today, not yet overdue
    engine = b.commit()
    behind = kinds_of(warnings(PROVINCE, AS_OF, engine=engine), "due_soon_behind")
    assert set(behind) == {"BEHIND", "EDGE_IN", "TODAY"}
    assert behind["BEHIND"]["expected_pct"] == 80.0 and behind["BEHIND"]["days_left"] == 15
    assert behind["TODAY"]["days_left"] == 0 and behind["TODAY"]["expected_pct"] == 100.0
    # the nearest deadline first
    ordered = [w["task"] for w in warnings(PROVINCE, AS_OF,
                                           engine=engine)["warnings"] if w["kind"] == "due_soon_behind"]
    assert ordered == ["TODAY", "BEHIND", "EDGE_IN"]


def test_stalled_after_more_than_30_days(empty_engine):
    b = Builder(empty_engine)
    b.task("DAYS_30", D(2026, 6, 30), [(AS_OF - dt.timedelta(days=30), "in_progress", 20)])
    b.task("DAYS_31", D(2026, 6, 30), [(AS_OF - dt.timedelta(days=31), "in_progress", 20)])
    b.task("DONE_OLD", D(2026, 6, 30), [(D(2025, 1, 31), "completed", 100)])
    b.task("FUTURE", D(2026, 6, 30), [(D(2025, 7, 15), "in_progress", 20)])  # first report after as_of
    engine = b.commit()
    stalled = kinds_of(warnings(COMMUNE, AS_OF, engine=engine), "stalled")
    assert set(stalled) == {"DAYS_31"}
    assert stalled["DAYS_31"]["days_since_report"] == 31 and stalled["DAYS_31"]["last_report"] == "2025-05-30"
    # the threshold is a setting, not a constant
    change_setting("stalled_days", 25, engine, user="admin")
    assert set(kinds_of(warnings(COMMUNE, AS_OF, engine=engine), "stalled")) == {"DAYS_30", "DAYS_31"}


def test_a_task_is_listed_once_under_its_most_urgent_kind(empty_engine):
    b = Builder(empty_engine)
    b.task("OLD_AND_LATE", D(2025, 5, 1), [(D(2025, 2, 1), "in_progress", 10)])
    engine = b.commit()
    result = warnings(COMMUNE, AS_OF, engine=engine)
    assert [w["kind"] for w in result["warnings"] if w.get("task") == "OLD_AND_LATE"] == ["overdue"]


def test_task_warnings_name_title_unit_province_agency_and_official(empty_engine):
    b = Builder(empty_engine)
    b.task("COMMUNE_TASK", D(2025, 3, 2), [(D(2025, 2, 1), "in_progress", 32)], agency="UBND xã", official="Trần C")
    b.task("PROVINCE_TASK", D(2025, 6, 1), [(D(2025, 2, 1), "in_progress", 10)], owner=PROVINCE, agency="Sở KH&CN")
    b.task("CENTRAL_TASK", D(2025, 6, 10), [(D(2025, 2, 1), "in_progress", 10)], owner="VN", agency="Bộ KH&CN",
           official="Lê D")
    engine = b.commit()
    overdue = kinds_of(warnings("VN", AS_OF, engine=engine), "overdue")
    commune = overdue["COMMUNE_TASK"]
    assert commune["title"] == "Task COMMUNE_TASK" and commune["province"] == {"code": PROVINCE, "name": "Lâm Đồng"}
    assert commune["unit"] == {"code": COMMUNE, "name": "Phường Xuân Hương - Đà Lạt", "level": "commune"}
    text = render(commune["message"])
    assert text.startswith("COMMUNE_TASK «Task COMMUNE_TASK» — Phường Xuân Hương - Đà Lạt, Lâm Đồng: quá hạn 120 ngày")
    assert "Chủ trì: UBND xã; chịu trách nhiệm: Trần C." in text
    english = render(commune["message"], "en")
    assert "“Task COMMUNE_TASK” — Phường Xuân Hương - Đà Lạt, Lâm Đồng: 120 days overdue" in english
    province = overdue["PROVINCE_TASK"]
    assert province["province"]["name"] == "Lâm Đồng"
    assert "«Task PROVINCE_TASK» — Lâm Đồng: quá hạn 29 ngày" in render(province["message"])
    central = overdue["CENTRAL_TASK"]
    assert central["province"] is None
    assert "«Task CENTRAL_TASK» — Bộ, ngành trung ương: quá hạn 20 ngày" in render(central["message"])
    assert "Chủ trì: Bộ KH&CN; chịu trách nhiệm: Lê D." in render(central["message"])


def test_most_urgent_first_across_kinds(empty_engine):
    b = Builder(empty_engine)
    b.task("STALLED", D(2026, 6, 30), [(D(2025, 4, 1), "in_progress", 20)])
    b.task("BEHIND", D(2025, 7, 15), [(D(2025, 5, 1), "in_progress", 10)])
    b.task("LATE", D(2025, 6, 1), [(D(2025, 5, 1), "in_progress", 10)])
    for index, period in enumerate(D(2025, m, d) for m, d in ((3, 31), (4, 30), (5, 31), (6, 30))):
        b.value(COMMUNE, period, "population", 1000)
        b.value(COMMUNE, period, "fiveg_coverage_pct", 10 + index)
        if period < D(2025, 6, 30):
            b.value(OTHER_COMMUNE, period, "population", 1000)
    engine = b.commit()
    result = warnings(PROVINCE, AS_OF, engine=engine)
    kinds = [w["kind"] for w in result["warnings"]]
    assert kinds == ["overdue", "due_soon_behind", "stalled", "off_target", "not_reporting"] == list(URGENCY)
    assert [w.get("task") for w in top_warnings(result)] == ["LATE", "BEHIND", "STALLED"]
    with reference_queries.warnings_installed():  # the first queries (issue 17) give the same warnings
        first = warnings(PROVINCE, AS_OF, engine=engine)
    assert json.dumps(first, default=str) == json.dumps(result, default=str)  # the keys in their order too
    # the summary: the head of the same list, the total and each kind's count, every kind in the head
    for count in (1, 2, 4, 5, 10):
        summary = warnings_summary(PROVINCE, AS_OF, count=count, engine=engine)
        assert summary["warnings"] == result["warnings"][:count], count
        assert summary["total"] == 5 and summary["counts"] == dict.fromkeys(KINDS, 1)


def summary_of(result: dict, count: int) -> dict:
    return {**result, "warnings": result["warnings"][:count], "total": len(result["warnings"]),
            "counts": warning_counts(result)}


@pytest.mark.parametrize("unit", ["VN", "68", COMMUNE])
def test_the_summary_is_the_head_and_counts_of_the_warnings(seeded_engine, unit):
    """warnings_summary is `warnings` cut short: the same first warnings (their keys in the same order), the
    total and the counts per kind, at each level and date, with and without a plan."""
    settings = get_settings(seeded_engine)
    for day in (AS_OF, D(2025, 3, 31)):
        result = warnings(unit, day, settings, engine=seeded_engine)
        assert result["warnings"], (unit, day)
        for count in (3, 10):
            summary = warnings_summary(unit, day, settings, count, engine=seeded_engine)
            assert json.dumps(summary, default=str) == json.dumps(summary_of(result, count), default=str), (unit, day)
        assert warning_keys(unit, day, settings, engine=seeded_engine) == [warning_key(w) for w in result["warnings"]]
    plan = warnings(unit, AS_OF, settings, engine=seeded_engine, plan="01-KH/BCĐTW")
    assert summary_of(plan, 3) == warnings_summary(unit, AS_OF, settings, 3, engine=seeded_engine, plan="01-KH/BCĐTW")


@pytest.mark.parametrize("unit", ["VN", "68"])
def test_a_summary_of_some_kinds_is_their_head_of_the_warnings(seeded_engine, unit):
    """The warnings page's pages: with `kinds`, the first `count` warnings of those kinds in the full list's
    order (tasks and the others mixed as it mixes them), the total and counts still every kind's."""
    settings = get_settings(seeded_engine)
    result = warnings(unit, AS_OF, settings, engine=seeded_engine)
    present = [kind for kind in KINDS if any(w["kind"] == kind for w in result["warnings"])]
    assert len(present) >= 3, present
    for kinds in ([present[-1]], [present[0], present[-1]], present[1:]):
        for count in (1, 7, 100):
            summary = warnings_summary(unit, AS_OF, settings, count, engine=seeded_engine, kinds=kinds)
            expected = [w for w in result["warnings"] if w["kind"] in kinds][:count]
            assert json.dumps(summary["warnings"], default=str) == json.dumps(expected, default=str), (kinds, count)
            assert summary["total"] == len(result["warnings"]) and summary["counts"] == warning_counts(result)


def test_the_summary_and_keys_read_full_rows_for_their_head_only(seeded_engine, monkeypatch):
    """The summary and the keys sort the tasks out on a few columns and read the full row (title, agency,
    province, document) of the first `count` only: never every candidate's, as the full list does. Nationally
    they take the tasks the task summary says are overdue from it (figures/rollups.py): the same as live."""
    from data_loaders.figures import early_warnings, rollups

    settings = get_settings(seeded_engine)
    expected = {}
    for unit in ("VN", "68"):
        result = warnings(unit, AS_OF, settings, engine=seeded_engine)
        expected[unit] = (summary_of(result, 10), [warning_key(w) for w in result["warnings"]])
    monkeypatch.setattr(early_warnings, "_candidates", _every_candidate_read)
    for unit in ("VN", "68"):
        for served in (True, False):
            with rollups.live() if not served else contextlib.nullcontext():
                summary = warnings_summary(unit, AS_OF, settings, 10, engine=seeded_engine)
                keys = warning_keys(unit, AS_OF, settings, engine=seeded_engine)
            assert json.dumps(summary, default=str) == json.dumps(expected[unit][0], default=str), (unit, served)
            assert keys == expected[unit][1], (unit, served)


def _every_candidate_read(*args, **kwargs):
    raise AssertionError("every candidate's full row was read")


# --- communes not reporting ---------------------------------------------------------------------


def test_not_reporting_latest_period(empty_engine):
    b = Builder(empty_engine)
    for period in (D(2025, 5, 31), D(2025, 6, 30)):
        b.value(COMMUNE, period, "fiveg_stations", 3)
    b.value(OTHER_COMMUNE, D(2025, 5, 31), "fiveg_stations", 2)  # did not report for June
    engine = b.commit()
    province = warnings(PROVINCE, AS_OF, engine=engine)
    (group,) = [w for w in province["warnings"] if w["kind"] == "not_reporting"]  # one card for the province
    assert group["unit"]["code"] == PROVINCE and group["period"] == "2025-06-30" and group["indicator"] is None
    codes = {c["code"] for c in group["communes"]}
    assert OTHER_COMMUNE in codes and COMMUNE not in codes and group["count"] == group["total"] - 1
    assert "06/2025" in render(group["message"]) and render(group["message"]).startswith("Lâm Đồng: ")
    own = kinds_of(warnings(OTHER_COMMUNE, AS_OF, engine=engine), "not_reporting")
    assert set(own) == {OTHER_COMMUNE} and "06/2025" in render(own[OTHER_COMMUNE]["message"])
    national = kinds_of(warnings("VN", AS_OF, engine=engine), "not_reporting")
    assert len(national) == 34  # one warning per province
    lam_dong = national[PROVINCE]
    codes = {c["code"] for c in lam_dong["communes"]}
    assert OTHER_COMMUNE in codes and COMMUNE not in codes
    assert lam_dong["count"] == lam_dong["total"] - 1
    message = render(lam_dong["message"])
    assert message.startswith("Lâm Đồng: ") and f"{lam_dong['count']}/{lam_dong['total']} xã" in message
    assert kinds_of(warnings(COMMUNE, AS_OF, engine=engine), "not_reporting") == {}
    # before June was reported, May is the latest period and both communes reported it
    may = kinds_of(warnings(PROVINCE, D(2025, 6, 15), engine=engine), "not_reporting")
    assert {c["code"] for c in may[PROVINCE]["communes"]}.isdisjoint({COMMUNE, OTHER_COMMUNE})


def test_no_indicator_data_means_no_not_reporting_warning(empty_engine):
    assert kinds_of(warnings("VN", AS_OF, engine=empty_engine), "not_reporting") == {}


# --- indicators off target ----------------------------------------------------------------------


def test_linear_fit_and_projection():
    points = [(D(2025, 1, 1) + dt.timedelta(days=10 * i), 10 + 2 * i) for i in range(5)]  # +0.2 per day
    intercept, slope, origin = linear_fit(points)
    assert intercept == pytest.approx(10) and slope == pytest.approx(0.2) and origin == D(2025, 1, 1)
    fit = projection(points, 90, D(2025, 1, 1) + dt.timedelta(days=300))
    assert fit["projected"] == pytest.approx(70)
    assert fit["reach_date"] == D(2025, 1, 1) + dt.timedelta(days=400)
    assert projection(points[:1], 90, D(2025, 12, 31)) is None
    flat = projection([(D(2025, 1, 31), 5), (D(2025, 2, 28), 5)], 90, D(2025, 12, 31))
    assert flat["reach_date"] is None


def test_off_target_projection(empty_engine):
    b = Builder(empty_engine)
    months = [D(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))]
    for index, period in enumerate(months):
        b.value(COMMUNE, period, "population", 1000)
        b.value(COMMUNE, period, "fiveg_coverage_pct", 10 + 2 * index)  # slow: about 2 points a month
        b.value(OTHER_COMMUNE, period, "population", 1000)
        b.value(OTHER_COMMUNE, period, "fiveg_coverage_pct", 40 + 8 * index)  # fast: about 8 points a month
    engine = b.commit()
    result = warnings(PROVINCE, AS_OF, engine=engine)
    off = kinds_of(result, "off_target")
    assert set(off) == {PROVINCE}  # one card: the province (25 + 5 a month) with its communes below the path
    card = off[PROVINCE]
    assert card["current_pct"] == pytest.approx(50)  # (20 + 80) / 2, equal populations
    below = card["below_path"]
    assert below["count"] == 1 and below["total"] == 2
    (slow,) = below["communes"]  # the slow commune; the fast one reaches the target
    assert slow["code"] == COMMUNE and slow["current_pct"] == 20 and 30 < slow["projected_pct"] < 35
    assert card["indicator"] == "fiveg_coverage_pct" and card["target_pct"] == 90
    assert card["target_date"] == "2025-12-31"
    message = render(card["message"])
    assert message.startswith("Lâm Đồng: phủ sóng 5G 50,0%")
    assert "1/2 xã của Lâm Đồng dưới lộ trình phủ sóng 5G" in message
    assert "thấp nhất: Phường Xuân Hương - Đà Lạt (20,0%)" in message
    # the commune on its own: its own card, with the trend's figures
    commune = kinds_of(warnings(COMMUNE, AS_OF, engine=engine), "off_target")[COMMUNE]
    assert commune["current_pct"] == 20 and commune["reach_date"] > "2027-12-31" and "below_path" not in commune
    # at the national level, one card per province: the province's trend and its communes below the path
    national = kinds_of(warnings("VN", AS_OF, engine=engine), "off_target")
    assert set(national) == {"VN", PROVINCE}
    assert national[PROVINCE]["below_path"]["communes"] == below["communes"]
    assert [w["unit"]["code"] for w in warnings("VN", AS_OF, engine=engine)["warnings"]
            if w["kind"] == "off_target"][0] == "VN"  # the unit itself first
    # a lower target (without a path) is met by the trend: no warning
    set_target("fiveg_coverage_pct", "VN", D(2025, 12, 31), 30, user="admin", engine=engine)
    assert kinds_of(warnings(PROVINCE, AS_OF, engine=engine), "off_target") == {}


def test_commune_values_are_those_probed_at_each_date(empty_engine):
    """Two queries for every date (issue 17) give what one query per date gave: the latest value on or
    before each date, for a percentage only where the commune had a population (not zero) then; the
    dates in any order, values between month ends, communes without any value."""
    b = Builder(empty_engine)
    b.value(COMMUNE, D(2025, 1, 31), "fiveg_coverage_pct", 10)  # no population yet: not counted
    b.value(COMMUNE, D(2025, 3, 31), "population", 1000)
    b.value(COMMUNE, D(2025, 3, 31), "fiveg_coverage_pct", 12)
    b.value(COMMUNE, D(2025, 5, 15), "fiveg_coverage_pct", 14)  # mid-month
    b.value(COMMUNE, D(2025, 6, 30), "population", 0)  # no population to weigh by
    b.value(COMMUNE, D(2025, 2, 28), "fiveg_stations", 1)
    b.value(OTHER_COMMUNE, D(2025, 2, 28), "population", 500)
    b.value(OTHER_COMMUNE, D(2025, 4, 30), "fiveg_coverage_pct", 30)
    b.value(OTHER_COMMUNE, D(2025, 6, 30), "fiveg_stations", 2)
    engine = b.commit()
    dates = [D(2025, 6, 30), D(2025, 1, 31), D(2025, 4, 30), D(2025, 5, 31), D(2025, 2, 28)]
    coverage = commune_values(get_unit(PROVINCE, engine), dates, "fiveg_coverage_pct", engine)
    assert coverage[COMMUNE]["values"] == [None, None, 12.0, 14.0, None]
    assert coverage[OTHER_COMMUNE]["values"] == [30.0, None, 30.0, 30.0, None]
    for code in ("VN", PROVINCE, COMMUNE):
        for indicator in ("fiveg_coverage_pct", "fiveg_stations", "villages_no_signal"):
            for days in (dates, sorted(dates), dates[:1]):
                unit = get_unit(code, engine)
                assert (commune_values(unit, days, indicator, engine)
                        == reference_queries.commune_values(unit, days, indicator, engine)), (code, indicator, days)


def test_messages_in_english(empty_engine):
    b = Builder(empty_engine)
    b.task("LATE", D(2025, 6, 20), [(D(2025, 6, 1), "in_progress", 40)])
    engine = b.commit()
    (warning,) = warnings(COMMUNE, AS_OF, engine=engine)["warnings"]
    message = render(warning["message"], "en")
    assert "10 days overdue" in message and "20 Jun 2025" in message


# --- settings -------------------------------------------------------------------------------------


def test_settings_defaults_validation_and_storage(empty_engine):
    settings = get_settings(empty_engine)
    assert settings["due_soon_days"] == 30 and settings["stalled_days"] == 30
    assert settings["trend_months"] == 6 and settings["tasks_start_date"] == D(2024, 12, 22)
    for key, value in (("stalled_days", "x"), ("stalled_days", 0), ("nonsense", 1), ("trend_months", 37),
                       ("live_zero_days", 10), ("due_soon_days", 2.5)):
        with pytest.raises(InvalidSetting):
            change_setting(key, value, empty_engine, user="admin")
    assert change_setting("due_soon_days", "45", empty_engine, user="admin") == 45
    change_setting("tasks_start_date", "2025-01-01", empty_engine, user="admin")
    settings = get_settings(empty_engine)
    assert settings["due_soon_days"] == 45 and settings["tasks_start_date"] == D(2025, 1, 1)


def test_boolean_and_text_settings(empty_engine):
    settings = get_settings(empty_engine)
    assert settings["public_read_only"] is False and settings["public_base_url"].startswith("http")
    for key, value in (("public_read_only", "maybe"), ("public_read_only", 2), ("public_base_url", "ftp://x"),
                       ("public_base_url", 5), ("public_base_url", "https://" + "x" * 300)):
        with pytest.raises(InvalidSetting):
            change_setting(key, value, empty_engine, user="admin")
    change_setting("public_read_only", "true", empty_engine, user="admin")
    change_setting("public_base_url", " https://nq57.example.vn ", empty_engine, user="admin")
    settings = get_settings(empty_engine)
    assert settings["public_read_only"] is True and settings["public_base_url"] == "https://nq57.example.vn"


# --- the sample and the command line ------------------------------------------------------------


def test_sample_has_exactly_136_overdue_warnings(seeded_engine):
    result = warnings("VN", AS_OF, engine=seeded_engine)
    overdue = [w for w in result["warnings"] if w["kind"] == "overdue"]
    assert len(overdue) == 136
    assert all(w["days_overdue"] > 0 and w["lead_agency"] and w["responsible_official"] for w in overdue)
    assert [w["days_overdue"] for w in overdue] == sorted((w["days_overdue"] for w in overdue), reverse=True)
    order = [KINDS.index(w["kind"]) for w in result["warnings"]]
    assert order == sorted(order)
    with reference_queries.warnings_installed():  # the first queries (issue 17) give the same warnings
        first = warnings("VN", AS_OF, engine=seeded_engine)
    assert json.dumps(first, default=str) == json.dumps(result, default=str)


def test_cli_warnings_json_contract(seeded_url):
    done = run_cli(seeded_url, "warnings", "--unit", "VN", "--as-of", "2025-06-30", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload) == {"unit", "as_of", "warnings"}
    assert payload["unit"]["code"] == "VN" and payload["as_of"] == "2025-06-30"
    assert sum(1 for w in payload["warnings"] if w["kind"] == "overdue") == 136
    for item in payload["warnings"]:
        assert item["kind"] in KINDS
        assert {"kind", "unit", "message"} <= set(item)
        assert ("task" in item) != ("indicator" in item)
        assert isinstance(item["message"], str) and item["message"]
    english = run_cli(seeded_url, "warnings", "--unit", "68", "--json", lang="en")
    assert english.returncode == 0 and "overdue" in json.loads(english.stdout)["warnings"][0]["message"]


@pytest.mark.parametrize("args", [("--unit", "999"), ("--unit", "VN", "--as-of", "2025-02-30")])
def test_cli_warnings_bad_input(seeded_url, args):
    done = run_cli(seeded_url, "warnings", *args, "--json")
    # with --json every error is one JSON object on stdout (the CLI's contract)
    error = json.loads(done.stdout)
    assert done.returncode == 2 and error["status"] == "error" and error["message"]


def test_cli_settings(empty_engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    done = run_cli(url, "settings", "--set", "stalled_days=40", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stalled_days"] == 40
    bad = run_cli(url, "settings", "--set", "due_soon_days=12", "--set", "stalled_days=abc")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert get_settings(empty_engine)["due_soon_days"] == 30  # nothing changed when one assignment was bad


def test_the_warnings_are_built_without_cyclic_collection(seeded_engine, monkeypatch):
    """The warnings, their summary and keys build thousands of tuples and dicts (figures/bulk.py): no cyclic
    garbage collection while they do, in the worker thread too, and it is back on afterwards."""
    import gc

    from data_loaders.figures import early_warnings

    seen = []
    sort = early_warnings._sorted_tasks
    monkeypatch.setattr(early_warnings, "_sorted_tasks", lambda *args: seen.append(gc.isenabled()) or sort(*args))
    settings = get_settings(seeded_engine)
    assert gc.isenabled()
    for figure in (warnings, warning_keys):
        figure("VN", AS_OF, settings, engine=seeded_engine)
    warnings_summary("VN", AS_OF, settings, 3, engine=seeded_engine)
    assert seen == [False, False, False]
    assert gc.isenabled()
