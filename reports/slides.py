"""The slide model of a briefing: what each slide says, with its exact figures, for one unit and date.

`build_slides(unit_code, as_of)` returns a `Deck` of plain dataclasses; the presentation page, the
.pptx and the PDF all draw the same Deck. Every figure comes from the metric layer, data_loaders.figures (aggregated in
SQL); this module only picks, ranks the handful of sibling rows it is given, and formats.

The page passes `read=components.cached.read` so a slideshow reuses the app's cached figures; the
command line passes nothing and the figures are read on `engine`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import altair as alt
import pandas as pd
from sqlalchemy import Engine

from charts.annotations import annotated, note_lines
from charts.maps import ranked_bars
from charts.status import status_bars, status_breakdown, status_by_unit, status_trend_chart
from charts.trend import trend_frame, trend_lines
from data_loaders.figures import data_quality, early_warnings, indicators, scope, sources, targets, tasks
from data_loaders.figures import definitions as rules
from data_loaders.figures.accountability import sibling_rank
from data_loaders.figures.cache import TREND_MONTHS, Reader
from data_loaders.figures.data_quality import SCORES, needing_attention, overall
from data_loaders.figures.directions import DIRECTION_STATES, direction_counts
from data_loaders.figures.early_warnings import KINDS, warning_counts
from data_loaders.figures.scope import UnitInfo
from data_loaders.figures.views import view_url
from data_loaders.i18n import format_date, format_number, format_percent, t, tn
from data_loaders.i18n.message import format_param, render
from data_loaders.ingest import approvals
from data_loaders.ingest.history import list_uploads
from data_loaders.store import engine as db
from data_loaders.store.dti import GROUP as DTI_GROUP
from data_loaders.store.indicator_catalogue import indicator_catalogue
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.store.settings import get_settings

FigureReader = Callable[..., Any]  # read(figure, *args): data_loaders.figures.cache.Reader or the app's cached read

SLIDE_KINDS = ("title", "headline", "task_status", "lagging_children", "overdue_by_agency", "infrastructure",
               "ecosystem", "quality", "warnings")
# at the end, only when the unit has some: indicators an administrator added to the catalogue, directions
OPTIONAL_KINDS = ("added_indicators", "directions")
# The dashboard page that shows each slide's figures live (data_loaders/figures/views.py).
VIEW_PAGES = {"title": "presentation", "headline": "overview", "task_status": "tasks", "lagging_children": "tasks",
              "overdue_by_agency": "tasks", "infrastructure": "infrastructure", "ecosystem": "ecosystem",
              "quality": "quality", "warnings": "warnings", "directions": "directions", "added_indicators": "map"}
# Each slide's title (the task slides name the plan filter's plan after it): known without reading a figure.
TITLES = {"title": "deck_title", "headline": "deck_slide_headline", "task_status": "deck_slide_task_status",
          "lagging_children": "deck_slide_lagging_children", "overdue_by_agency": "deck_slide_overdue_by_agency",
          "infrastructure": "deck_slide_infrastructure", "ecosystem": "deck_slide_ecosystem",
          "quality": "deck_slide_quality", "warnings": "deck_slide_warnings", "directions": "deck_slide_directions",
          "added_indicators": "deck_slide_added"}
ADDED_FIGURES = 6  # the added indicators a slide shows as figures; the rest are lines below them
LIST_LENGTH = 8  # rows on a lagging-units or agencies slide: what a hall can read
WARNINGS_SHOWN = 5  # at most early_warnings.HEAD: the summary holds that many
CHART_LABEL_WIDTH = 26  # characters a line of a unit or agency name on a slide's bar chart, wrapped beyond
WRAPPED_ROW = 56  # px a bar of those charts in the exported image: two lines of a name at the projector's type size


@dataclass(frozen=True)
class Figure:
    """One exact figure: its label, its value formatted in the deck's language, the raw number, and
    the change since the comparison date when there is one ("+12"); `alert` marks bad news (overdue)
    that a slide shows in red when it is not zero."""

    label: str
    value: str
    raw: float | int | str | None = None
    change: str | None = None
    alert: bool = False

    def line(self) -> str:
        return f"{self.label}: {self.value}" + (f" ({self.change})" if self.change else "")


@dataclass
class Slide:
    number: int
    kind: str
    title: str
    frozen: str  # "Số liệu tính đến 30/06/2025"
    sentence: str  # what the slide means, generated from its figures
    figures: list[Figure] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    chart: alt.TopLevelMixin | None = None
    url: str = ""  # the live view of these figures in the dashboard (the QR code)
    presentation_url: str = ""  # this slide in the dashboard's slideshow
    subtitle: str = ""
    # the units the slide names, (code, name), worst first: a leader directs one from the slideshow
    units: list[tuple[str, str]] = field(default_factory=list)

    def notes(self, source: str, lang: str) -> str:
        """Speaker notes: the sentence, every exact figure, the source and the live links."""
        lines = [self.title, self.frozen, "", self.sentence]
        if self.figures:
            lines += ["", t("deck_notes_figures", lang), *(f"- {figure.line()}" for figure in self.figures)]
        if self.bullets:
            lines += ["", *(f"- {bullet}" for bullet in self.bullets)]
        lines += ["", source, t("deck_notes_view", lang, url=self.url),
                  t("deck_notes_presentation", lang, url=self.presentation_url)]
        return "\n".join(lines)


@dataclass
class Deck:
    unit: UnitInfo
    unit_label: str
    as_of: dt.date
    compare: dt.date | None
    lang: str
    source: str  # data source and freshness, one line
    base_url: str
    slides: list[Slide] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [slide.kind for slide in self.slides]

    def file_stem(self) -> str:
        """nq57_68_2025-06-30: a file name for the deck of this unit and date."""
        return f"nq57_{self.unit.code}_{self.as_of.isoformat()}"


def unit_label(unit: UnitInfo, lang: str) -> str:
    return t("national", lang) if unit.code == NATIONAL_CODE else unit.name


def _signed(value: float | int, lang: str, decimals: int = 0) -> str:
    if abs(value) < 1e-9:
        return t("deck_no_change", lang)
    return ("+" if value > 0 else "−") + format_number(abs(value), lang, decimals)


def source_line(engine: Engine, latest: dt.date | None, lang: str, sample: bool) -> str:
    """Which uploaded files the figures come from and how fresh they are."""
    uploads = list_uploads(limit=50, engine=engine, status="imported")
    if not uploads:
        return t("deck_source_none", lang)
    names = list(dict.fromkeys(upload["file_name"] for upload in uploads))
    files = ", ".join(names[:4]) + (f", {t('deck_source_more', lang, count=len(names) - 4)}" if len(names) > 4 else "")
    uploaded = uploads[0]["uploaded_at"]
    text = t("deck_source", lang, files=files,
             uploaded=format_date(uploaded.date() if isinstance(uploaded, dt.datetime) else uploaded, lang),
             latest=format_date(latest, lang))
    return f"{text} {t('sample_data_notice', lang)}" if sample else text


# --- the slides -------------------------------------------------------------------------------


def _title_slide(ctx: _Context) -> Slide:
    figures = []
    if ctx.compare:
        figures.append(Figure(t("compare_with", ctx.lang), format_date(ctx.compare, ctx.lang), ctx.compare.isoformat()))
    subtitle = ctx.label
    if ctx.unit.level == "commune" and ctx.unit.province_code:
        subtitle = f"{ctx.label} · {ctx.read(scope.get_unit, ctx.unit.province_code).name}"
    return ctx.slide("title", t("deck_title", ctx.lang),
                     t("deck_title_sentence", ctx.lang, unit=ctx.label, date=format_date(ctx.as_of, ctx.lang)),
                     figures=figures, bullets=[ctx.source], subtitle=subtitle)


def _headline_slide(ctx: _Context) -> Slide:
    status, values = ctx.status, ctx.indicators
    lang = ctx.lang
    figures = [Figure(t("tasks_total", lang), format_number(status["total"], lang), status["total"])]
    figures += [Figure(t(f"status_{key}", lang), format_number(status[key], lang), status[key], alert=key == "overdue")
                for key in ("completed", "on_schedule", "overdue")]
    rate = rules.on_time_rate(status["total"], status["overdue"])
    if status["total"]:
        sentence = t("deck_headline_sentence", lang, unit=ctx.label, rate=format_percent(rate, lang, 0),
                     overdue=format_number(status["overdue"], lang))
        figures.append(Figure(t("on_time_rate", lang), format_percent(rate, lang), round(rate, 1)))
        rank = sibling_rank(ctx.unit, ctx.as_of, ctx.read)
        if rank:
            sentence += t("deck_rank", lang, rank=rank[0], count=rank[1])
            figures.append(Figure(t("deck_rank_label", lang), f"{rank[0]}/{rank[1]}", rank[0]))
    else:
        sentence = t("deck_no_tasks_sentence", lang, unit=ctx.label, date=format_date(ctx.as_of, lang))
    figures += [
        Figure(t("kpi_fiveg_stations", lang), format_number(values.get("fiveg_stations"), lang),
               values.get("fiveg_stations")),
        Figure(t("kpi_fiveg_coverage", lang), format_percent(values.get("fiveg_coverage_pct"), lang),
               values.get("fiveg_coverage_pct")),
        Figure(t("kpi_digital_tech", lang), format_number(values.get("digital_tech_enterprises"), lang),
               values.get("digital_tech_enterprises")),
    ]
    chart = status_bars(status, lang).properties(height=220) if status["total"] else None
    return ctx.slide("headline", t("deck_slide_headline", lang), sentence + ".", figures=figures, chart=chart)


TASK_SLIDES = ("task_status", "lagging_children", "overdue_by_agency")  # the slides the plan filter applies to


def _task_status_slide(ctx: _Context) -> Slide:
    lang, status = ctx.lang, ctx.plan_status
    trend = ctx.read(tasks.task_status_trend, ctx.unit.code, ctx.as_of, TREND_MONTHS, plan=ctx.plan)
    since = ctx.since if ctx.since < ctx.as_of else None
    before = ctx.read(tasks.task_status, ctx.unit.code, since, plan=ctx.plan) if since else None
    figures = []
    for key in ("total", "completed", "on_schedule", "overdue"):
        label = t("tasks_total", lang) if key == "total" else t(f"status_{key}", lang)
        change = _signed(status[key] - before[key], lang) if before else None
        figures.append(Figure(label, format_number(status[key], lang), status[key], change, alert=key == "overdue"))
    if not status["total"]:
        sentence = t("deck_no_tasks_sentence", lang, unit=ctx.label, date=format_date(ctx.as_of, lang)) + "."
    elif before:
        figures.append(Figure(t("deck_label_since", lang), format_date(since, lang), since.isoformat()))
        sentence = tn("deck_task_status_sentence", status["completed"], lang, since=format_date(since, lang),
                     date=format_date(ctx.as_of, lang), completed=format_number(status["completed"], lang),
                     completed_change=_signed(status["completed"] - before["completed"], lang),
                     overdue=format_number(status["overdue"], lang),
                     overdue_change=_signed(status["overdue"] - before["overdue"], lang),
                     total=format_number(status["total"], lang))
    else:
        sentence = tn("deck_task_status_plain", status["completed"], lang,
                      completed=format_number(status["completed"], lang),
                      overdue=format_number(status["overdue"], lang), total=format_number(status["total"], lang))
    chart = status_trend_chart(trend, lang).properties(height=300) if len(trend) > 1 and status["total"] else None
    return ctx.slide("task_status", t("deck_slide_task_status", lang), sentence, figures=figures, chart=chart)


def _lagging_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    children = ctx.read(tasks.task_status_by_child, ctx.unit.code, ctx.as_of, plan=ctx.plan)
    rows = [row for row in children if not row["own"] and row["overdue"]]
    rows.sort(key=lambda row: (-row["overdue"], -(row["overdue"] / row["total"]), row["name"]))
    rows = rows[:LIST_LENGTH]
    figures = [Figure(row["name"], t("deck_overdue_of", lang, overdue=format_number(row["overdue"], lang),
                                     total=format_number(row["total"], lang),
                                     rate=format_percent(rules.overdue_rate(row["total"], row["overdue"]),
                                                         lang)), row["overdue"])
               for row in rows]
    if rows:
        items = [t("deck_lagging_item", lang, unit=row["name"], overdue=format_number(row["overdue"], lang),
                   total=format_number(row["total"], lang)) for row in rows[:3]]
        sentence = t("deck_lagging_sentence", lang, units="; ".join(items))
        chart = status_by_unit([{**row, "label": row["name"]} for row in rows], lang, sort_by="given",
                               label_width=CHART_LABEL_WIDTH).properties(height=alt.Step(WRAPPED_ROW))
    elif not ctx.plan_status["total"]:  # no task below at all: say so, not "no overdue task"
        sentence, chart = t("deck_lagging_no_tasks", lang, unit=ctx.label, date=format_date(ctx.as_of, lang)), None
    else:
        sentence, chart = t("deck_lagging_none", lang), None
    return ctx.slide("lagging_children", t("deck_slide_lagging_children", lang), sentence, figures=figures, chart=chart,
                     units=[(row["code"], row["name"]) for row in rows])


def _agency_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    agencies = ctx.read(tasks.task_status_by, ctx.unit.code, ctx.as_of, "lead_agency", plan=ctx.plan)
    rows = [row for row in agencies if row["overdue"]][:LIST_LENGTH]
    figures = [Figure(row["key"], t("deck_overdue_of", lang, overdue=format_number(row["overdue"], lang),
                                    total=format_number(row["total"], lang),
                                    rate=format_percent(rules.overdue_rate(row["total"], row["overdue"]),
                                                        lang)), row["overdue"])
               for row in rows]
    if rows:
        items = ", ".join(t("deck_agency_item", lang, agency=row["key"], overdue=format_number(row["overdue"], lang))
                          for row in rows[:3])
        overdue = ctx.plan_status["overdue"]
        sentence = tn("deck_agency_sentence", overdue, lang, overdue=format_number(overdue, lang), agencies=items)
        chart = status_breakdown(rows, lang, label_width=CHART_LABEL_WIDTH).properties(height=alt.Step(WRAPPED_ROW))
    elif not ctx.plan_status["total"]:  # no task at all: say so, not "no overdue task"
        sentence = t("deck_no_tasks_sentence", lang, unit=ctx.label, date=format_date(ctx.as_of, lang)) + "."
        chart = None
    else:
        sentence, chart = t("overdue_none", lang), None
    return ctx.slide("overdue_by_agency", t("deck_slide_overdue_by_agency", lang), sentence, figures=figures,
                     chart=chart)


def _infrastructure_slide(ctx: _Context) -> Slide:
    lang, values = ctx.lang, ctx.indicators
    coverage, stations = values.get("fiveg_coverage_pct"), values.get("fiveg_stations")
    # the unit's targets (its own, its province's or the nation's) and whether each is met: figures/targets.py
    statuses = targets.target_status(ctx.unit.code, ctx.as_of, values, engine=ctx.engine,
                                     targets=ctx.read(targets.targets_in_force))
    figures = [
        Figure(t("kpi_fiveg_stations", lang), format_number(stations, lang), stations),
        Figure(t("kpi_fiveg_coverage", lang), format_percent(coverage, lang), coverage),
        *(Figure(t("deck_label_target", lang, indicator=t(targets.SUBJECTS[code], lang)
                   if code in targets.SUBJECTS else code),
                 _target_value(status, lang), status["target"]["value"])
          for code, status in statuses.items()),
        Figure(t("kpi_fiber", lang), format_percent(values.get("fiber_coverage_pct"), lang),
               values.get("fiber_coverage_pct")),
        Figure(t("kpi_no_signal", lang), format_number(values.get("villages_no_signal"), lang),
               values.get("villages_no_signal")),
        Figure(t("kpi_no_power", lang), format_number(values.get("villages_no_power"), lang),
               values.get("villages_no_power")),
    ]
    fiveg = statuses.get("fiveg_coverage_pct")
    if coverage is None:
        sentence = t("deck_infra_none", lang, unit=ctx.label, date=format_date(ctx.as_of, lang))
    elif fiveg is None:
        sentence = t("deck_infra_no_target", lang, unit=ctx.label, coverage=format_percent(coverage, lang),
                     stations=format_number(stations, lang))
    else:
        target = fiveg["target"]
        params = {"unit": ctx.label, "coverage": format_percent(coverage, lang),
                  "target": format_percent(target["value"], lang, 0 if float(target["value"]).is_integer() else 1),
                  "target_date": format_date(target["date"], lang), "stations": format_number(stations, lang)}
        if fiveg["met"]:
            sentence = t("deck_infra_reached", lang, **params)
        else:
            sentence = t("deck_infra_gap", lang, gap=format_number(fiveg["gap"], lang, 1), **params)
    trend = ctx.read(indicators.indicator_trend, ctx.unit.code, ctx.as_of, TREND_MONTHS)
    frame = trend_frame(trend, {"fiveg_coverage_pct": t("kpi_fiveg_coverage", lang),
                                "fiber_coverage_pct": t("kpi_fiber", lang)}, lang, percent=True)
    charted = [statuses[code]["target"] for code in ("fiveg_coverage_pct", "fiber_coverage_pct") if code in statuses]
    chart = trend_lines(frame, t("coverage_trend", lang), lang,
                        targets=charted).properties(height=300) if len(frame) else None
    notes = ctx.infrastructure_notes  # a leader's dated notes on these series
    if chart is not None and notes:
        chart = annotated(chart, notes, lang)
    return ctx.slide("infrastructure", t("deck_slide_infrastructure", lang), sentence, figures=figures, chart=chart,
                     bullets=note_lines(notes, lang))


def _target_value(status: targets.TargetStatus, lang: str) -> str:
    """A target as a slide's figure, short enough for a projector: "90% đến 31/12/2025 · chưa đạt"."""
    target = status["target"]
    text = t("deck_target_value", lang, target=format_param(targets.amount(target["indicator"], target["value"], None),
                                                            lang), date=format_date(target["date"], lang))
    if status["met"] is None:
        return text
    return f"{text} · {t('target_status_met' if status['met'] else 'target_status_not_met', lang)}"


def _notes(ctx: _Context, indicator_codes: tuple[str, ...]) -> list[dict]:
    """The unit's annotations on these indicators dated on or before the deck's date."""
    from data_loaders.follow_up.annotations import annotations_for

    return [note for note in annotations_for(ctx.unit.code, indicator_codes, engine=ctx.engine)
            if note["on_date"] <= ctx.as_of]


def _ecosystem_slide(ctx: _Context) -> Slide:
    lang, values = ctx.lang, ctx.indicators
    population = values.get("population")
    codes = (("kpi_digital_tech", "digital_tech_enterprises"), ("kpi_st", "st_enterprises"),
             ("kpi_high_tech", "high_tech_enterprises"), ("kpi_ai_experts", "ai_experts"))
    figures = []
    for label, code in codes:
        per = indicators.per_inhabitants(values.get(code), population)
        figures.append(Figure(t(label, lang), format_number(values.get(code), lang), values.get(code),
                              t("per_100k", lang, value=format_number(per, lang, 2)) if per is not None else None))
    digital_per = indicators.per_inhabitants(values.get("digital_tech_enterprises"), population)

    def counted(key: str, code: str) -> str:  # "1 AI expert", "2 AI experts"
        value = values.get(code)
        return tn(key, value or 0, lang, count=format_number(value, lang))

    sentence = t("deck_ecosystem_sentence", lang, unit=ctx.label,
                 digital=counted("deck_count_digital_tech", "digital_tech_enterprises"),
                 per100k=format_number(digital_per, lang, 1), st=counted("deck_count_st", "st_enterprises"),
                 high_tech=counted("deck_count_high_tech", "high_tech_enterprises"),
                 ai=counted("deck_count_ai_experts", "ai_experts"))
    chart = None
    if ctx.unit.level != "commune":
        rows = ctx.read(indicators.indicators_by_child, ctx.unit.code, ctx.as_of)
        frame = pd.DataFrame([{"code": row["code"], "name": row["name"],
                               "value": indicators.per_inhabitants(row["digital_tech_enterprises"],
                                                                   row["population"])} for row in rows],
                             columns=["code", "name", "value"]).dropna(subset=["value"])
        if len(frame):
            chart = ranked_bars(frame, "value", t("deck_ecosystem_chart", lang), lang, top=10, decimals=1,
                                percent=False, row_height=30)
    return ctx.slide("ecosystem", t("deck_slide_ecosystem", lang), sentence, figures=figures, chart=chart)


def _quality_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    result = ctx.read(data_quality.quality, ctx.unit.code, ctx.as_of, ctx.settings)
    scores = result["scores"]
    total = overall(scores)

    def score(value: float | None) -> str:
        return t("quality_no_data", lang) if value is None else format_number(value, lang, 1)

    figures = [Figure(t(f"quality_{key}", lang), score(scores[key]), scores[key]) for key in SCORES]
    figures.append(Figure(t("quality_overall", lang), score(total), total))
    if total is None:
        sentence = t("deck_quality_none", lang, unit=ctx.label, date=format_date(ctx.as_of, lang))
    else:
        sentence = t("deck_quality_sentence", lang, overall=score(total), **{key: score(scores[key]) for key in SCORES})
    attention = needing_attention(result, min(3, ctx.settings["attention_count"]))
    if attention:
        sentence += " " + t("deck_quality_attention", lang, units=", ".join(
            f"{child['unit']['name']} ({score(child['overall'])})" for child in attention))
    frame = pd.DataFrame([{"code": key, "name": t(f"quality_{key}", lang), "value": scores[key]} for key in SCORES])
    chart = ranked_bars(frame, "value", t("deck_quality_axis", lang), lang, decimals=1, percent=False,
                        row_height=44) if frame["value"].notna().any() else None
    return ctx.slide("quality", t("deck_slide_quality", lang), sentence, figures=figures, chart=chart)


def _warnings_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    # the summary: the first warnings, the total and the counts per kind (not the nation's thousands)
    result = ctx.read(early_warnings.warnings_summary, ctx.unit.code, ctx.as_of, ctx.settings, early_warnings.HEAD)
    counts, total = warning_counts(result), result["total"]
    figures = [Figure(t(f"warning_kind_{kind}", lang), format_number(counts[kind], lang), counts[kind],
                      alert=kind == "overdue") for kind in KINDS]
    if total:
        listed = "; ".join(f"{t(f'warning_kind_{kind}', lang)}: {format_number(counts[kind], lang)}"
                           for kind in KINDS if counts[kind])
        sentence = tn("deck_warnings_sentence", total, lang, total=format_number(total, lang), counts=listed)
    else:
        sentence = t("warnings_none", lang)
    if not ctx.status["total"]:  # "no warnings" alone would read as "every task on track"
        sentence += " " + t("deck_warnings_no_tasks", lang, unit=ctx.label, date=format_date(ctx.as_of, lang))
    bullets = [_with_document(render(item["message"], lang), item.get("document"), lang)
               for item in result["warnings"][:WARNINGS_SHOWN]]
    if total > WARNINGS_SHOWN:
        more = total - WARNINGS_SHOWN
        bullets.append(tn("deck_more_warnings", more, lang, count=format_number(more, lang)))
    return ctx.slide("warnings", t("deck_slide_warnings", lang), sentence, figures=figures, bullets=bullets)


def _with_document(text: str, document: dict | None, lang: str) -> str:
    """A task warning's sentence with the task's assigning document after it, when it carries one."""
    if not document:
        return text
    return f"{text} ({render(tasks.document_message(document['number'], document['date']), lang)})"


def _directions_slide(ctx: _Context) -> Slide | None:
    """Open directions and their answers at the deck's date; no slide when the unit has none."""
    from data_loaders.follow_up.directions import direction_answers, list_directions

    lang = ctx.lang
    counts = ctx.directions
    if not counts["total"]:
        return None
    figures = [Figure(t(f"direction_state_{state}", lang), format_number(counts[state], lang), counts[state],
                      alert=state == "overdue") for state in DIRECTION_STATES]
    sentence = tn("deck_directions_sentence", counts["total"], lang, total=format_number(counts["total"], lang),
                  overdue=format_number(counts["overdue"], lang), open=format_number(counts["open"], lang),
                  answered=format_number(counts["answered"], lang))
    rows = list_directions(None, ctx.unit.code, ctx.as_of, states=("overdue", "open", "answered"), engine=ctx.engine)
    bullets = []
    for row in rows[:WARNINGS_SHOWN]:
        about = f"{row['task_code']} · {row['unit_name']}" if row["task_code"] else row["unit_name"]
        document = tasks.document_message(row["task_document_number"], row["task_document_date"])
        if document:
            about += f" ({render(document, lang)})"
        state = t(f"direction_state_{row['state']}", lang)
        line = f"[{state}] {about}: {row['text'][:160]}"
        answers = [a for a in direction_answers(None, row["id"], engine=ctx.engine)
                   if a["created_at"].date() <= ctx.as_of]
        if answers:
            line += " — " + t("deck_direction_answer", lang, text=answers[-1]["text"][:160])
        bullets.append(line)
    return ctx.slide("directions", t("deck_slide_directions", lang), sentence, figures=figures, bullets=bullets)


def _added_slide(ctx: _Context) -> Slide | None:
    """The indicators an administrator added to the catalogue (national, and the unit's province's
    own): each with its value and change; units below ranked on the first. None when there are none."""
    lang = ctx.lang
    added = ctx.added
    if not added:
        return None
    since = ctx.since if ctx.since < ctx.as_of else None
    before = ctx.read(indicators.indicator_totals, ctx.unit.code, since) if since else {}
    figures, bullets = [], []
    for position, indicator in enumerate(added):
        value = ctx.indicators.get(indicator.code)
        old = before.get(indicator.code)
        change = None
        if value is not None and old is not None and abs(value - old) > 1e-9:
            change = ("+" if value > old else "-") + indicators.display(indicator, abs(value - old), lang)
        label = f"{indicator.label(lang)} ({indicator.unit_label(lang)})"
        if position < ADDED_FIGURES:
            figures.append(Figure(label, indicators.display(indicator, value, lang), value, change))
        elif len(bullets) < LIST_LENGTH:
            bullets.append(f"{label}: {indicators.display(indicator, value, lang)}")
    reported = sum(1 for i in added if ctx.indicators.get(i.code) is not None)
    sentence = tn("deck_added_sentence", len(added), lang, unit=ctx.label, count=format_number(len(added), lang),
                  reported=format_number(reported, lang))
    chart = None
    if ctx.unit.level != "commune":
        first = added[0]
        rows = ctx.read(indicators.indicators_by_child, ctx.unit.code, ctx.as_of)
        frame = pd.DataFrame([{"code": row["code"], "name": row["name"], "value": row.get(first.code)} for row in rows],
                             columns=["code", "name", "value"]).dropna(subset=["value"])
        if len(frame):
            chart = ranked_bars(frame, "value", first.label(lang), lang, top=10, decimals=first.decimals,
                                percent=first.percent, row_height=30)
    return ctx.slide("added_indicators", t("deck_slide_added", lang), sentence, figures=figures, chart=chart,
                     bullets=bullets)


@dataclass
class _Context:
    """What the slides of one deck share. The figures more than one slide reads (the task status, the
    indicator totals), the source line and the optional slides' contents are read on first use: a slideshow
    that builds one slide reads only what that slide needs."""

    unit: UnitInfo
    label: str
    as_of: dt.date
    compare: dt.date | None
    since: dt.date  # the comparison date: the one chosen, else the default one
    lang: str
    read: FigureReader
    settings: dict
    base_url: str
    engine: Engine | None = None
    plan: str | None = None  # the plan filter of the task slides (TASK_SLIDES)
    latest: dt.date | None = None
    version: int | None = None  # the data version the figures are read at, when the caller knows it
    counting: Callable[[UnitInfo, dt.date, str], Any] | None = None  # approvals.counting_note, or a cached one

    @cached_property
    def source(self) -> str:
        """The data source and freshness, with what the figures count: the title slide and every slide's notes."""
        read, engine = self.read, self.engine
        source = source_line(engine, self.latest, self.lang, read(scope.holds_sample_data))
        # what the figures count (figures/sources.py)
        if isinstance(read, Reader):
            counted = sources.mode_of_version(read.version)
        elif self.version is not None:
            counted = sources.mode_of_version(self.version)
        else:
            counted = sources.mode(engine)
        note = (self.counting or _counting_note)(self.unit, self.as_of, counted, engine)
        return source if note is None else f"{source} {render(note, self.lang)}"

    @cached_property
    def status(self) -> dict:
        return self.read(tasks.task_status, self.unit.code, self.as_of)

    @cached_property
    def plan_status(self) -> dict:
        """`status` of the plan's tasks (all tasks without a plan)."""
        return self.read(tasks.task_status, self.unit.code, self.as_of, plan=self.plan) if self.plan else self.status

    @cached_property
    def indicators(self) -> dict:
        return self.read(indicators.indicator_totals, self.unit.code, self.as_of)

    @cached_property
    def directions(self) -> dict:
        """The directions on the unit at the date, by state (read afresh: writing one moves no data version)."""
        return direction_counts(self.unit.code, self.as_of, self.engine)

    @cached_property
    def added(self) -> tuple:
        """The indicators an administrator added that the unit sees (the provinces' DTI is the accountability
        page's, not an added NQ57 indicator: the national deck stays as it was)."""
        return tuple(i for i in indicator_catalogue(self.engine, scope=self.unit.code, version=self.version)
                     if not i.builtin and i.group != DTI_GROUP)

    @cached_property
    def infrastructure_notes(self) -> list[dict]:
        """The leaders' notes on the coverage series (read afresh: a note moves no data version)."""
        return _notes(self, ("fiveg_coverage_pct", "fiber_coverage_pct"))

    def slide(self, kind: str, title: str, sentence: str, **content: Any) -> Slide:
        plan = self.plan if kind in TASK_SLIDES else None
        if plan:
            title = t("deck_plan_title", self.lang, title=title, plan=plan)
        return Slide(number=0, kind=kind, title=title, sentence=sentence,
                     frozen=t("as_of_caption", self.lang, date=format_date(self.as_of, self.lang)),
                     url=view_url(self.base_url, VIEW_PAGES[kind], self.unit, self.as_of, self.compare, plan=plan),
                     **content)

    def numbered(self, slide: Slide, number: int) -> Slide:
        """The slide as slide `number` of the deck, with its link into the dashboard's slideshow."""
        slide.number = number
        slide.presentation_url = view_url(self.base_url, "presentation", self.unit, self.as_of, self.compare,
                                          slide=number, plan=self.plan)
        if slide.kind == "title":
            slide.url = slide.presentation_url
        return slide

    def deck(self, slides: list[Slide] | None = None) -> Deck:
        return Deck(unit=self.unit, unit_label=self.label, as_of=self.as_of, compare=self.compare, lang=self.lang,
                    source=self.source, base_url=self.base_url, slides=slides or [])


def _counting_note(unit: UnitInfo, day: dt.date, counted: str, engine: Engine | None) -> Any:
    return approvals.counting_note(unit.code, day, engine, counted=counted)


BUILDERS = {"title": _title_slide, "headline": _headline_slide, "task_status": _task_status_slide,
            "lagging_children": _lagging_slide, "overdue_by_agency": _agency_slide,
            "infrastructure": _infrastructure_slide, "ecosystem": _ecosystem_slide, "quality": _quality_slide,
            "warnings": _warnings_slide, "directions": _directions_slide, "added_indicators": _added_slide}
# whether an optional slide is there, decided without building it
_PRESENT = {"directions": lambda ctx: bool(ctx.directions["total"]), "added_indicators": lambda ctx: bool(ctx.added)}


def slide_kinds(unit: UnitInfo) -> tuple[str, ...]:
    """The slides of a unit's deck, in order (a commune has no units below it to rank)."""
    return tuple(kind for kind in SLIDE_KINDS + OPTIONAL_KINDS
                 if not (kind == "lagging_children" and unit.level == "commune"))


def deck_context(unit_code: str, as_of: dt.date | None = None, compare: dt.date | None = None, lang: str = "vi",
                 engine: Engine | None = None, base_url: str | None = None, read: FigureReader | None = None,
                 plan: str | None = None, *, settings: dict | None = None, version: int | None = None,
                 counting: Callable[[UnitInfo, dt.date, str], Any] | None = None) -> _Context:
    """What `build_slides` builds a deck's slides from, reading no figure but the unit and the data's dates:
    for a slideshow that builds the slide it shows (`deck_outline`, `build_slide`). `settings` (get_settings'
    dict), `version` (the data version `read` reads at) and `counting` (counting_note(unit, day, counted,
    engine)) save the caller's own reads; by default they are read here."""
    engine = engine or db.get_engine()
    read = read or Reader(engine)
    unit = read(scope.get_unit, unit_code)
    latest = read(scope.latest_data_date)
    as_of = as_of or latest or dt.date.today()
    settings = get_settings(engine) if settings is None else settings
    base_url = base_url or settings["public_base_url"]
    since = compare or rules.default_comparison_date(as_of, read(scope.earliest_data_date))
    return _Context(unit=unit, label=unit_label(unit, lang), as_of=as_of, compare=compare, since=since, lang=lang,
                    read=read, settings=settings, base_url=base_url, engine=engine, plan=plan, latest=latest,
                    version=read.version if isinstance(read, Reader) else version, counting=counting)


def deck_outline(ctx: _Context) -> list[Slide]:
    """The deck's slides as the slideshow's controls need them, every figure left out: number, kind, title and
    links. The optional slides are there when they would be (a count of directions, the catalogue)."""
    kinds = [kind for kind in slide_kinds(ctx.unit) if kind not in _PRESENT or _PRESENT[kind](ctx)]
    return [ctx.numbered(ctx.slide(kind, t(TITLES[kind], ctx.lang), ""), number)
            for number, kind in enumerate(kinds, start=1)]


def build_slide(ctx: _Context, kind: str, number: int) -> Slide:
    """Slide `number` of the deck, of `kind` (from `deck_outline`), with every figure, as `build_slides` makes it."""
    slide = BUILDERS[kind](ctx)
    if slide is None:  # not with the same context: the outline asked the same question
        slide = ctx.slide(kind, t(TITLES[kind], ctx.lang), "")
    return ctx.numbered(slide, number)


def unversioned(ctx: _Context, kind: str) -> tuple | None:
    """What a slide of `kind` reads that no data version follows (a slide kept between runs is keyed on it too):
    the title slide's counting line the latest approval step, the infrastructure slide the leaders' notes.
    None for the directions slide: read afresh every time."""
    if kind == "directions":
        return None
    if kind == "title":
        return (approvals.decisions_version(ctx.engine),)
    if kind == "infrastructure":
        return tuple(tuple(note.items()) for note in ctx.infrastructure_notes)
    return ()


def build_slides(unit_code: str, as_of: dt.date | None = None, compare: dt.date | None = None, lang: str = "vi",
                 engine: Engine | None = None, base_url: str | None = None, read: FigureReader | None = None,
                 plan: str | None = None) -> Deck:
    """The deck of a unit ("VN", a province or a commune code) at a date; `read` reads each figure
    (the app passes its cached reader; by default the figures are read on `engine`). With `plan` (a
    plan the unit sees: figures.plans.plan_filter), the task slides count that plan's tasks only.
    Raises data_loaders.figures.scope.UnknownUnit for a code that names no unit."""
    ctx = deck_context(unit_code, as_of, compare, lang, engine, base_url, read, plan)
    slides = []
    for kind in slide_kinds(ctx.unit):
        slide = BUILDERS[kind](ctx)
        if slide is None:  # a slide with nothing to show (directions, where none were written; no added indicators)
            continue
        slides.append(ctx.numbered(slide, len(slides) + 1))
    return ctx.deck(slides)
