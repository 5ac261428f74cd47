"""One definition for every figure: for the nation, five provinces and five communes (Lâm Đồng among
them, and communes that did not report the last month), at three dates, every figure the overview,
tasks, infrastructure, ecosystem, warnings, accountability, quality and presentation pages show for
the unit and date (read from the AppTest elements), the deck's speaker notes and the command line
print is the metric layer's value, formatted the way the page formats it.

It failed before the metric layer existed: Lâm Đồng's 5G coverage on 30/06/2025 read 18,7% (18.71)
on the overview and 18,8% (18.77) in the warnings, and the presentation compared from 31/01/2025
while the accountability page compared from 31/03/2025.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
from html import unescape

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import figures
from data_loaders.cli.main import main as cli
from data_loaders.figures import definitions as rules
from data_loaders.figures.indicators import json_number
from data_loaders.i18n import format_date, format_number, format_percent, t
from data_loaders.store.catalogue import INDICATOR_BY_CODE
from data_loaders.store.indicator_catalogue import definition
from data_loaders.store.settings import get_settings
from reports.slides import build_slides
from tests.support import PROJECT_DIR
from tests.support.auth_helpers import sign_in_test_admin

APP = str(PROJECT_DIR / "app.py")
DATES = (dt.date(2025, 6, 30), dt.date(2025, 3, 31), dt.date(2025, 1, 31))
PROVINCES = ("68", "01", "79", "48", "04")  # Lâm Đồng, Hà Nội, Hồ Chí Minh, Đà Nẵng, Cao Bằng
KNOWN_COMMUNES = ("24781", "24620")  # Xuân Hương - Đà Lạt (no tasks); Quảng Hòa (an overdue task)
LANG = "vi"

TASK_LABELS = {"total": "tasks_total", "completed": "status_completed", "on_schedule": "status_on_schedule",
               "overdue": "status_overdue"}
INFRASTRUCTURE_LABELS = {"fiveg_stations": "kpi_fiveg_stations", "fiveg_coverage_pct": "kpi_fiveg_coverage",
                         "fiber_coverage_pct": "kpi_fiber", "villages_no_signal": "kpi_no_signal",
                         "villages_no_power": "kpi_no_power"}
ECOSYSTEM_LABELS = {"st_enterprises": "kpi_st", "high_tech_enterprises": "kpi_high_tech",
                    "digital_tech_enterprises": "kpi_digital_tech", "ai_experts": "kpi_ai_experts"}


def shown_value(code: str, value: float | None) -> str:
    """An indicator as the pages show it."""
    if INDICATOR_BY_CODE[code].percent:
        return format_percent(value, LANG)
    return format_number(value, LANG)


def units(engine) -> list[str]:
    """The nation, the five provinces, and five communes: two known ones and three that did not
    report the latest month (the sample leaves some communes without June figures), Lâm Đồng's first."""
    latest = figures.latest_data_date(engine)
    groups = sorted((w for w in figures.warnings("VN", latest,
                                                 engine=engine)["warnings"] if w["kind"] == "not_reporting"),
                    key=lambda w: w["unit"]["code"] != "68")
    silent = [commune["code"] for group in groups for commune in group["communes"]]
    assert len(silent) >= 3, "the sample must have communes that did not report the last month"
    return ["VN", *PROVINCES, *KNOWN_COMMUNES, *silent[:3]]


def params_of(unit: figures.UnitInfo, day: dt.date) -> dict[str, str]:
    params = {"as_of": day.isoformat()}
    if unit.level == "province":
        params["province"] = unit.code
    elif unit.level == "commune":
        params.update(province=unit.province_code, commune=unit.code)
    return params


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def markdown(app: AppTest) -> str:
    return unescape("\n".join(m.value for m in app.markdown))


def captions(app: AppTest) -> str:
    return "\n".join(c.value for c in app.caption)


def run_cli(*argv: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(list(argv)) == 0
    return json.loads(out.getvalue())


class Pages:
    """One signed-in AppTest session that opens each page for a unit and date."""

    def __init__(self, unit: figures.UnitInfo, day: dt.date):
        self.app = AppTest.from_file(APP, default_timeout=120)
        sign_in_test_admin(self.app, os.environ["DATABASE_URL"])
        self.params = params_of(unit, day)

    def open(self, page: str, **extra: str) -> AppTest:
        self.app.query_params.clear()
        for key, value in {**self.params, **extra}.items():
            self.app.query_params[key] = value
        self.app.switch_page(f"pages/{page}.py")
        self.app.run()
        assert not self.app.exception, self.app.exception
        assert not self.app.error, [e.value for e in self.app.error]
        return self.app


@pytest.fixture(scope="module")
def cases(app_database, seeded_engine):
    return [(code, day) for code in units(seeded_engine) for day in DATES]


def check_unit(engine, code: str, day: dt.date) -> None:
    unit = figures.get_unit(code, engine)
    status = figures.task_status(code, day, engine)
    values = figures.indicator_totals(code, day, engine)
    settings = get_settings(engine)
    where = f"{code} at {day}"
    pages = Pages(unit, day)

    # The command line prints the metric layer's values.
    summary = run_cli("summary", "--unit", code, "--as-of", day.isoformat(), "--json")
    assert summary["tasks"] == status, where
    # (the summary leaves out indicators the unit can never have, such as a province's DTI at the nation;
    # every value the unit has is in it)
    assert summary["indicators"] == {key: json_number(key, value, definition(key, engine))
                                     for key, value in values.items()
                                     if key in summary["indicators"] or value is not None}, where

    expected_tasks = {t(label, LANG): format_number(status[key], LANG) for key, label in TASK_LABELS.items()}
    expected_infrastructure = {t(label, LANG): shown_value(key, values[key]) for key,
                               label in INFRASTRUCTURE_LABELS.items()}
    expected_ecosystem = {t(label, LANG): shown_value(key, values[key]) for key, label in ECOSYSTEM_LABELS.items()}

    def assert_shown(page: str, expected: dict[str, str], app: AppTest) -> None:
        shown = metrics(app)
        for label, value in expected.items():
            assert shown.get(label) == value, f"{page}, {label}, {where}: {shown.get(label)} ≠ {value}"

    overview = pages.open("overview")
    assert_shown("overview", {**expected_tasks, **expected_infrastructure, **expected_ecosystem}, overview)
    assert_shown("tasks", expected_tasks, pages.open("tasks"))
    assert_shown("infrastructure", expected_infrastructure, pages.open("infrastructure"))
    assert_shown("ecosystem", expected_ecosystem, pages.open("ecosystem"))

    # Warnings: one overdue warning per overdue task; the unit's 5G coverage is the overview's.
    warnings_page = pages.open("warnings")
    assert metrics(warnings_page)[t("warning_kind_overdue", LANG)] == format_number(status["overdue"], LANG), where
    result = run_cli("warnings", "--unit", code, "--as-of", day.isoformat(), "--json")
    assert sum(1 for w in result["warnings"] if w["kind"] == "overdue") == status["overdue"], where
    for item in result["warnings"]:
        if item["kind"] == "off_target" and item["unit"]["code"] == unit.code:
            assert item["current_pct"] == json_number("fiveg_coverage_pct", values["fiveg_coverage_pct"]), where
            assert format_percent(values["fiveg_coverage_pct"], LANG) in item["message"], where

    # Accountability: the overdue tasks by lateness add up to the overdue figure; changes are measured
    # from the one default comparison date.
    since = rules.default_comparison_date(day, figures.earliest_data_date(engine))
    accountability = pages.open("accountability")
    buckets = [value for label, value in metrics(accountability).items() if label.startswith(t("status_overdue", LANG))]
    assert sum(int(value.replace(".", "")) for value in buckets) == status["overdue"], where
    assert format_date(since, LANG) in captions(accountability), where

    # Quality: the scores of the metric layer.
    scores = figures.quality(code, day, settings, engine)["scores"]
    shown = metrics(pages.open("quality"))
    for key, value in scores.items():
        expected = t("quality_no_data", LANG) if value is None else format_number(value, LANG, 1)
        assert shown[t(f"quality_{key}", LANG)] == expected, f"quality {key}, {where}"

    # The deck: the headline slide's figures (page and speaker notes), its rank among the siblings
    # (the accountability ranking's), and the comparison date of the task slide.
    deck = build_slides(code, day, lang=LANG, engine=engine)
    headline = next(slide for slide in deck.slides if slide.kind == "headline")
    notes = headline.notes(deck.source, LANG)
    for label, value in {**expected_tasks, t("kpi_fiveg_coverage", LANG): shown_value(
            "fiveg_coverage_pct", values["fiveg_coverage_pct"])}.items():
        assert f"- {label}: {value}" in notes, f"deck notes, {label}, {where}"
    if unit.parent_code and status["total"]:
        ranked = {row["key"]: row for row in figures.ranking(unit.parent_code, day, "child",
                                                             engine) if not row.get("own")}
        rank = f"{ranked[code]['rank']}/{sum(1 for row in ranked.values() if row['rank'] is not None)}"
        assert f"- {t('deck_rank_label', LANG)}: {rank}" in notes, where
    task_slide = next(slide for slide in deck.slides if slide.kind == "task_status")
    if since < day and status["total"]:
        assert f"- {t('deck_label_since', LANG)}: {format_date(since, LANG)}" in task_slide.notes(deck.source, LANG)

    presentation = markdown(pages.open("presentation", slide=str(headline.number)))
    for label, value in expected_tasks.items():
        assert re.search(rf"<b[^>]*>{re.escape(value)}</b>\s*(<span>)?{re.escape(label)}", presentation), \
            f"presentation, {label}, {where}"


def test_every_page_deck_and_command_shows_the_metric_layers_figures(cases, seeded_engine):
    for code, day in cases:
        check_unit(seeded_engine, code, day)


def test_lam_dong_coverage_reads_the_same_in_the_warnings(app_database, seeded_engine):
    """The case that started it: 18.71 everywhere, warnings included."""
    day = DATES[0]
    coverage = figures.indicator_totals("68", day, seeded_engine)["fiveg_coverage_pct"]
    warning = next(w for w in figures.warnings("68", day, engine=seeded_engine)["warnings"]
                   if w["kind"] == "off_target" and w["unit"]["code"] == "68")
    assert warning["current_pct"] == round(coverage, 2) == 18.71
