"""Data quality scores (correct, sufficient, clean, live): each on a small database built to lower it
and to leave it at 100, the sample's perfect scores and the CLI JSON contract (the page: tests/ui)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from data_loaders.figures.data_quality import SCORES, classify, live_score, needing_attention, quality
from data_loaders.i18n import t
from data_loaders.identity.admin import change_setting
from tests.support.builder import AS_OF, COMMUNE, OTHER_COMMUNE, PROVINCE, Builder
from tests.support.cli import run_cli

D = dt.date


def child(result: dict, code: str) -> dict:
    return next(c for c in result["children"] if c["unit"]["code"] == code)


# --- correct ---------------------------------------------------------------------------------------


def test_correct_counts_contradicting_reports_and_rejected_rows(empty_engine):
    b = Builder(empty_engine)
    accepted = b.upload("tasks", rows=4)
    b.task("T1", D(2025, 9, 30), [(D(2025, 3, 31), "in_progress", 20, 2), (D(2025, 4, 30), "completed", 90, 3),
                                  (D(2025, 5, 31), "in_progress", 60, 4), (D(2025, 6, 30), "in_progress", 70, 5)],
           upload_id=accepted)
    b.upload("tasks", status="rejected", rows=10, messages={
        "errors": [{"sheet": "S", "row": 3, "column": "A", "value": None, "key": "err_required", "params": {}},
                   {"sheet": "S", "row": 3, "column": "B", "value": None, "key": "err_required", "params": {}},
                   {"sheet": "S", "row": 7, "column": "A", "value": None, "key": "err_required", "params": {}}],
        "warnings": [], "error_count": 3, "warning_count": 0})
    engine = b.commit()
    commune = quality(COMMUNE, AS_OF, engine=engine)
    assert commune["figures"]["reports"] == 4 and commune["figures"]["contradicting"] == 1
    assert commune["scores"]["correct"] == 75.0  # every stored row was accepted; 1 report in 4 contradicts
    national = quality("VN", AS_OF, engine=engine)
    # 14 rows uploaded, 2 of them (rows 3 and 7 of the rejected file) failed validation
    assert national["figures"]["uploaded_rows"] == 14 and national["figures"]["error_rows"] == 2
    assert national["scores"]["correct"] == round(100 * 12 / 14 * 0.75, 1)
    assert child(quality(PROVINCE, AS_OF, engine=engine), OTHER_COMMUNE)["scores"]["correct"] is None


def test_correct_other_contradictions_and_the_clean_case(empty_engine):
    b = Builder(empty_engine)
    b.task("EARLY", D(2025, 9, 30), [(D(2024, 12, 1), "in_progress", 10), (D(2025, 6, 1), "in_progress", 30)])
    b.task("NOT_STARTED", D(2025, 9, 30), [(D(2025, 6, 1), "not_started", 5), (D(2025, 6, 15), "not_started", 0)])
    b.task("FINE", D(2025, 9, 30), [(D(2025, 6, 1), "in_progress", 50), (D(2025, 6, 20), "completed", 100)],
           owner=OTHER_COMMUNE)
    engine = b.commit()
    result = quality(PROVINCE, AS_OF, engine=engine)
    assert child(result, COMMUNE)["scores"]["correct"] == 50.0  # dated before 22/12/2024; not started at 5%
    assert child(result, OTHER_COMMUNE)["scores"]["correct"] == 100.0
    assert result["scores"]["correct"] == round(100 * (1 - 2 / 6), 1)
    # reports after as_of are not judged yet
    assert quality(COMMUNE, D(2025, 5, 31), engine=engine)["figures"]["reports"] == 1


# --- sufficient ------------------------------------------------------------------------------------


def test_sufficient_share_of_communes_per_indicator(empty_engine):
    from data_loaders.store.catalogue import INDICATORS

    b = Builder(empty_engine)
    for indicator in INDICATORS:
        b.value(COMMUNE, D(2025, 6, 30), indicator.code, 1)
    for indicator in INDICATORS[:5]:
        b.value(OTHER_COMMUNE, D(2025, 6, 30), indicator.code, 1)
        b.value(OTHER_COMMUNE, D(2025, 5, 31), indicator.code, 1)
    for indicator in INDICATORS[5:]:
        b.value(OTHER_COMMUNE, D(2025, 5, 31), indicator.code, 1)  # an earlier period does not count
    engine = b.commit()
    result = quality(PROVINCE, AS_OF, engine=engine)
    communes = result["figures"]["communes"]
    assert child(result, COMMUNE)["scores"]["sufficient"] == 100.0
    assert child(result, OTHER_COMMUNE)["scores"]["sufficient"] == 50.0
    assert result["scores"]["sufficient"] == round(100 * 15 / (10 * communes), 1)
    others = [c for c in result["children"] if c["unit"]["code"] not in (COMMUNE, OTHER_COMMUNE)]
    assert all(c["scores"]["sufficient"] == 0 for c in others)
    # as of May, May is the latest period: the other commune reported all ten
    assert child(quality(PROVINCE, D(2025, 5, 31), engine=engine), OTHER_COMMUNE)["scores"]["sufficient"] == 100.0
    assert quality(PROVINCE, AS_OF, engine=engine)["figures"]["period"] == "2025-06-30"


def test_sufficient_without_any_data_is_unknown(empty_engine):
    assert quality("VN", AS_OF, engine=empty_engine)["scores"] == {s: None for s in SCORES}


# --- clean -----------------------------------------------------------------------------------------


def test_problems_are_classified_by_key_not_by_sentence():
    assert classify({"key": "warn_duplicate_row", "params": {"other_row": 12}}) == ("duplicate", 12)
    assert classify({"key": "err_duplicate_conflict", "params": {"other_row": 7}}) == ("conflict", 7)
    assert classify({"key": "err_required", "params": {}}) is None
    # a sentence stored before keys that matched no catalogue message (migration 0007) is no repeat
    assert classify({"key": None, "params": {}, "text": t("warn_duplicate_row", "vi", other_row=12)}) is None


def test_clean_duplicates_resolved_and_conflicts_unresolved(empty_engine):
    b = Builder(empty_engine)
    duplicate = {"sheet": "S", "row": 6, "column": "A", "value": "T1", "key": "warn_duplicate_row",
                 "params": {"other_row": 3}}
    accepted = b.upload("tasks", rows=4, messages={"warnings": [duplicate], "warning_count": 1, "error_count": 0})
    b.task("T1", D(2025, 9, 30), [(D(2025, 5, 31), "in_progress", 20, 2), (D(2025, 6, 30), "in_progress", 30, 3)],
           upload_id=accepted)
    b.task("T2", D(2025, 9, 30), [(D(2025, 5, 31), "in_progress", 20, 4), (D(2025, 6, 30), "in_progress", 30, 5)],
           upload_id=accepted, owner=OTHER_COMMUNE)
    conflict = {"sheet": "S", "row": 4, "column": "B", "value": 1, "key": "err_duplicate_conflict",
                "params": {"other_row": 2}}
    b.upload("indicators", status="rejected", rows=4, user="someone",
             messages={"errors": [conflict], "warnings": [], "error_count": 1, "warning_count": 0})
    engine = b.commit()
    province = quality(PROVINCE, AS_OF, engine=engine)
    # the duplicate was counted once by the importer: resolved, a quarter of a problem in 2 rows
    assert child(province, COMMUNE)["scores"]["clean"] == 87.5
    assert child(province, OTHER_COMMUNE)["scores"]["clean"] == 100.0
    national = quality("VN", AS_OF, engine=engine)
    assert national["figures"]["duplicates"] == 1 and national["figures"]["conflicts"] == 1
    assert national["scores"]["clean"] == round(100 * (1 - (1 + 0.25) / 8), 1)
    # the same person later has a file of the same kind accepted: the conflict counts as resolved
    b = Builder(engine)
    b.count = 10
    b.upload("indicators", rows=1, user="someone")
    b.commit()
    assert quality("VN", AS_OF, engine=engine)["scores"]["clean"] == round(100 * (1 - 0.5 / 8),
                                                                           1)  # an upload that stored no row adds none
    change_setting("clean_resolved_weight", 0, engine, user="admin")
    assert quality("VN", AS_OF, engine=engine)["scores"]["clean"] == 100.0


# --- live ------------------------------------------------------------------------------------------


def test_live_score_scale():
    assert live_score(None, 31, 180) is None
    assert live_score(0, 31, 180) == live_score(31, 31, 180) == 100
    assert 99 < live_score(32, 31, 180) < 100
    assert live_score(180, 31, 180) == live_score(400, 31, 180) == 0


def test_live_days_since_last_report(empty_engine):
    b = Builder(empty_engine)
    b.task("RECENT", D(2025, 9, 30), [(AS_OF - dt.timedelta(days=31), "in_progress", 20)])
    b.task("OLD", D(2025, 9, 30), [(AS_OF - dt.timedelta(days=100), "in_progress", 20)], owner=OTHER_COMMUNE)
    b.value(OTHER_COMMUNE, D(2025, 1, 31), "fiveg_stations", 1)
    engine = b.commit()
    result = quality(PROVINCE, AS_OF, engine=engine)
    assert child(result, COMMUNE)["scores"]["live"] == 100.0
    old = child(result, OTHER_COMMUNE)
    assert old["figures"]["days_since_report"] == 100
    assert old["scores"]["live"] == round(100 * (180 - 100) / (180 - 31), 1)
    assert result["scores"]["live"] == 100.0  # the province's latest report is 31 days old
    worst_first = [c["unit"]["code"] for c in needing_attention(result, 500)]
    assert worst_first.index(OTHER_COMMUNE) < worst_first.index(COMMUNE)  # silent communes (0 sufficient) lead


# --- the sample, the command line, the page --------------------------------------------------------


def test_sample_scores(seeded_engine):
    """The sample is clean, correct and live; some communes have not sent June's figures yet
    (data_loaders.sample._late_reporters), which is exactly what "sufficient" measures."""
    from data_loaders.seed.sample import _late_reporters
    from data_loaders.units.divisions import all_units

    communes = [u for u in all_units() if u.level == "commune"]
    late = _late_reporters(communes)
    result = quality("VN", AS_OF, engine=seeded_engine)
    assert {k: result["scores"][k] for k in ("correct", "clean", "live")} == {"correct": 100.0, "clean": 100.0,
                                                                              "live": 100.0}
    assert result["scores"]["sufficient"] == pytest.approx(round(100 * (len(communes) - len(late)) / len(communes), 1),
                                                           abs=0.05)
    assert len(result["children"]) == 34
    # the communes' monthly rows, the task rows and the 34 provinces' rows of the DTI sample
    assert result["figures"]["uploaded_rows"] == 6 * len(communes) - len(late) + 3367 + 34
    lagging = {communes[i].province_code for i in late}
    for item in result["children"]:
        if item["unit"]["code"] not in lagging:
            assert item["scores"]["sufficient"] == 100.0


def test_cli_quality_json_contract(seeded_url):
    done = run_cli(seeded_url, "quality", "--unit", "68", "--as-of", "2025-06-30", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert {"unit", "scores", "children"} <= set(payload)
    assert payload["unit"]["code"] == "68" and set(payload["scores"]) == set(SCORES)
    assert len(payload["children"]) == 124
    for item in [payload] + payload["children"]:
        assert set(item["scores"]) == {"correct", "sufficient", "clean", "live"}
        assert all(v is None or 0 <= v <= 100 for v in item["scores"].values())
    for child_item in payload["children"]:
        assert {"unit", "scores"} <= set(child_item)


@pytest.mark.parametrize("args", [("--unit", "xyz"), ("--unit", "68", "--as-of", "30/06/2025")])
def test_cli_quality_bad_input(seeded_url, args):
    done = run_cli(seeded_url, "quality", *args, "--json")
    # with --json every error is one JSON object on stdout (the CLI's contract)
    error = json.loads(done.stdout)
    assert done.returncode == 2 and error["status"] == "error" and error["message"]
