"""Where a trend chart's target label sits: over its dashed rule, or under it where the lines would run through
it (issue 12: at commune 24781 the fibre line at 90–97% crossed "Mục tiêu 90%" over a 90% rule)."""

from __future__ import annotations

import datetime as dt

from charts.trend import trend_frame, trend_lines

MONTHS = [dt.date(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))]
TARGET = {"indicator": "fiveg_coverage_pct", "value": 90.0, "date": dt.date(2025, 12, 31), "baseline_value": 26.0,
          "baseline_date": dt.date(2025, 6, 30), "higher_is_better": True}


def _label_marks(fibre: list[float], fiveg: list[float], target: dict = TARGET) -> list[dict]:
    rows = [{"date": day, "fiveg_coverage_pct": g, "fiber_coverage_pct": f} for day, g, f in zip(MONTHS, fiveg, fibre)]
    frame = trend_frame(rows, {"fiveg_coverage_pct": "5G", "fiber_coverage_pct": "Cáp quang"}, "vi", percent=True)
    spec = trend_lines(frame, "Phủ sóng", "vi", targets=[target]).to_dict()
    marks = []

    def walk(node):
        if isinstance(node, dict):
            mark = node.get("mark")
            if isinstance(mark, dict) and mark.get("type") == "text" and "label" in str(node.get("encoding")):
                if mark.get("stroke") != "white":  # the white halo under the label sits where the label does
                    marks.append(mark)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(spec)
    return marks


def test_the_label_goes_under_the_rule_when_a_line_runs_just_over_it():
    (mark,) = _label_marks([90.5, 91.9, 93.4, 94.4, 95.8, 97.3], [15.4, 18.7, 22.3, 26.6, 30.9, 35.9])
    assert mark["baseline"] == "top" and mark["dy"] > 0


def test_the_label_stays_over_the_rule_when_the_lines_run_under_it():
    for fibre in ([76.7, 78.0, 79.2, 80.0, 81.3, 82.5], [83.9, 85.2, 86.6, 87.5, 88.8, 90.2]):
        (mark,) = _label_marks(fibre, [11.4, 13.8, 16.4, 19.6, 23.0, 26.5])
        assert mark["dy"] < 0 and "baseline" not in mark


def test_never_under_a_rule_at_the_foot_of_the_scale():
    target = {**TARGET, "value": 0.0, "baseline_value": None, "baseline_date": None, "higher_is_better": False}
    (mark,) = _label_marks([0.1, 0.1, 0.2, 1.0, 2.0, 3.0], [0.1, 0.2, 0.4, 1.6, 2.0, 2.4], target)  # over it
    assert mark["dy"] < 0
