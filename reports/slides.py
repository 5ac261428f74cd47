"""The slide model of a briefing: what each slide says, with its exact figures, for one unit and date.

`build_slides(unit_code, as_of)` returns a `Deck` of plain dataclasses; the presentation page, the
.pptx and the PDF all draw the same Deck. Every figure comes from data_loaders.queries (aggregated in
SQL); this module only picks, ranks the handful of sibling rows it is given, and formats.

The page passes `queries=components.cached` so a slideshow reuses the app's cached figures; the
command line passes nothing and the queries run on `engine`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import altair as alt
import pandas as pd
from sqlalchemy import Engine

from components.charts import (
    status_bars,
    status_breakdown,
    status_by_unit,
    status_trend_chart,
    trend_frame,
    trend_lines,
)
from components.map import ranked_bars
from data_loaders.figures import queries as data_queries
from data_loaders.figures.quality import SCORES, needing_attention, overall
from data_loaders.figures.queries import UnitInfo
from data_loaders.figures.warnings import KINDS, warning_counts
from data_loaders.i18n import format_date, format_number, format_percent, t
from data_loaders.ingest.history import list_uploads
from data_loaders.store import engine as db
from data_loaders.store.models import NATIONAL_CODE
from data_loaders.store.settings import get_settings

# The query-string contract of the dashboard (components/state.py), plus the slide number.
PROVINCE_KEY, COMMUNE_KEY, AS_OF_KEY, COMPARE_KEY, SLIDE_KEY = "province", "commune", "as_of", "compare", "slide"
PRESENTATION_PATH = "presentation"

SLIDE_KINDS = ("title", "headline", "task_status", "lagging_children", "overdue_by_agency", "infrastructure",
               "ecosystem", "quality", "warnings")
# The dashboard page that shows each slide's figures live (url_path in app.py; "" is the overview).
VIEW_PATHS = {"title": PRESENTATION_PATH, "headline": "", "task_status": "tasks", "lagging_children": "tasks",
              "overdue_by_agency": "tasks", "infrastructure": "infrastructure", "ecosystem": "ecosystem",
              "quality": "quality", "warnings": "warnings"}
LIST_LENGTH = 8  # rows on a lagging-units or agencies slide: what a hall can read
WARNINGS_SHOWN = 5
TREND_MONTHS = 6


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


# --- links ------------------------------------------------------------------------------------


def view_url(base_url: str, path: str, unit: UnitInfo, as_of: dt.date, compare: dt.date | None = None,
             slide: int | None = None) -> str:
    """A dashboard link under the query-string contract. The date is always in it: the figures a QR
    code opens are frozen at the date on the slide, not whatever is latest when it is scanned."""
    params: dict[str, str] = {}
    if unit.level == "province":
        params[PROVINCE_KEY] = unit.code
    elif unit.level == "commune":
        params[PROVINCE_KEY] = unit.province_code or ""
        params[COMMUNE_KEY] = unit.code
    params[AS_OF_KEY] = as_of.isoformat()
    if compare:
        params[COMPARE_KEY] = compare.isoformat()
    if slide:
        params[SLIDE_KEY] = str(slide)
    return f"{base_url.rstrip('/')}/{path}?{urlencode(params)}"


# --- data access ------------------------------------------------------------------------------


class _EngineQueries:
    """data_loaders.queries bound to one engine, looked up by name like components.cached."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def __getattr__(self, name: str):
        return functools.partial(getattr(data_queries, name), engine=self._engine)


def unit_label(unit: UnitInfo, lang: str) -> str:
    return t("national", lang) if unit.code == NATIONAL_CODE else unit.name


def _signed(value: float | int, lang: str, decimals: int = 0) -> str:
    if abs(value) < 1e-9:
        return t("deck_no_change", lang)
    return ("+" if value > 0 else "−") + format_number(abs(value), lang, decimals)


def _on_time_rate(row: dict) -> float | None:
    return 100 * (row["total"] - row["overdue"]) / row["total"] if row["total"] else None


def sibling_rank(unit: UnitInfo, as_of: dt.date, q: Any) -> tuple[int, int] | None:
    """The unit's place by on-time rate among the units under the same parent that have tasks
    (competition ranking: equal rates share a place), or None at the national level."""
    if unit.parent_code is None:
        return None
    rows = [row for row in q.task_status_by_child(unit.parent_code, as_of) if not row["own"] and row["total"]]
    mine = next((row for row in rows if row["code"] == unit.code), None)
    if mine is None:
        return None
    rate = _on_time_rate(mine)
    better = sum(1 for row in rows if _on_time_rate(row) > rate + 1e-9)
    return better + 1, len(rows)


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
        subtitle = f"{ctx.label} · {ctx.q.get_unit(ctx.unit.province_code).name}"
    return ctx.slide("title", t("deck_title", ctx.lang),
                     t("deck_title_sentence", ctx.lang, unit=ctx.label, date=format_date(ctx.as_of, ctx.lang)),
                     figures=figures, bullets=[ctx.source], subtitle=subtitle)


def _headline_slide(ctx: _Context) -> Slide:
    status, values = ctx.status, ctx.indicators
    lang = ctx.lang
    figures = [Figure(t("tasks_total", lang), format_number(status["total"], lang), status["total"])]
    figures += [Figure(t(f"status_{key}", lang), format_number(status[key], lang), status[key], alert=key == "overdue")
                for key in ("completed", "on_schedule", "overdue")]
    rate = _on_time_rate(status)
    if status["total"]:
        sentence = t("deck_headline_sentence", lang, unit=ctx.label, rate=format_percent(rate, lang, 0),
                     overdue=format_number(status["overdue"], lang))
        figures.append(Figure(t("on_time_rate", lang), format_percent(rate, lang), round(rate, 1)))
        rank = sibling_rank(ctx.unit, ctx.as_of, ctx.q)
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


def _task_status_slide(ctx: _Context) -> Slide:
    lang, status = ctx.lang, ctx.status
    trend = ctx.q.task_status_trend(ctx.unit.code, ctx.as_of, TREND_MONTHS)
    since = ctx.compare or (trend[0]["date"] if len(trend) > 1 else None)
    before = ctx.q.task_status(ctx.unit.code, since) if since else None
    figures = []
    for key in ("total", "completed", "on_schedule", "overdue"):
        label = t("tasks_total", lang) if key == "total" else t(f"status_{key}", lang)
        change = _signed(status[key] - before[key], lang) if before else None
        figures.append(Figure(label, format_number(status[key], lang), status[key], change, alert=key == "overdue"))
    if not status["total"]:
        sentence = t("deck_no_tasks_sentence", lang, unit=ctx.label, date=format_date(ctx.as_of, lang)) + "."
    elif before:
        figures.append(Figure(t("deck_label_since", lang), format_date(since, lang), since.isoformat()))
        sentence = t("deck_task_status_sentence", lang, since=format_date(since, lang),
                     date=format_date(ctx.as_of, lang), completed=format_number(status["completed"], lang),
                     completed_change=_signed(status["completed"] - before["completed"], lang),
                     overdue=format_number(status["overdue"], lang),
                     overdue_change=_signed(status["overdue"] - before["overdue"], lang),
                     total=format_number(status["total"], lang))
    else:
        sentence = t("deck_task_status_plain", lang, completed=format_number(status["completed"], lang),
                     overdue=format_number(status["overdue"], lang), total=format_number(status["total"], lang))
    chart = status_trend_chart(trend, lang).properties(height=300) if len(trend) > 1 and status["total"] else None
    return ctx.slide("task_status", t("deck_slide_task_status", lang), sentence, figures=figures, chart=chart)


def _lagging_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    rows = [row for row in ctx.q.task_status_by_child(ctx.unit.code, ctx.as_of) if not row["own"] and row["overdue"]]
    rows.sort(key=lambda row: (-row["overdue"], -(row["overdue"] / row["total"]), row["name"]))
    rows = rows[:LIST_LENGTH]
    figures = [Figure(row["name"], t("deck_overdue_of", lang, overdue=format_number(row["overdue"], lang),
                                     total=format_number(row["total"], lang),
                                     rate=format_percent(100 * row["overdue"] / row["total"], lang)), row["overdue"])
               for row in rows]
    if rows:
        items = [t("deck_lagging_item", lang, unit=row["name"], overdue=format_number(row["overdue"], lang),
                   total=format_number(row["total"], lang)) for row in rows[:3]]
        sentence = t("deck_lagging_sentence", lang, units="; ".join(items))
        chart = status_by_unit([{**row, "label": row["name"]} for row in rows], lang).properties(height=alt.Step(40))
    else:
        sentence, chart = t("deck_lagging_none", lang), None
    return ctx.slide("lagging_children", t("deck_slide_lagging_children", lang), sentence, figures=figures, chart=chart)


def _agency_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    by_agency = ctx.q.task_status_by(ctx.unit.code, ctx.as_of, "lead_agency")
    rows = [row for row in by_agency if row["overdue"]][:LIST_LENGTH]
    figures = [Figure(row["key"], t("deck_overdue_of", lang, overdue=format_number(row["overdue"], lang),
                                    total=format_number(row["total"], lang),
                                    rate=format_percent(100 * row["overdue"] / row["total"], lang)), row["overdue"])
               for row in rows]
    if rows:
        items = ", ".join(t("deck_agency_item", lang, agency=row["key"], overdue=format_number(row["overdue"], lang))
                          for row in rows[:3])
        sentence = t("deck_agency_sentence", lang, overdue=format_number(ctx.status["overdue"], lang), agencies=items)
        chart = status_breakdown(rows, lang).properties(height=alt.Step(40))
    else:
        sentence, chart = t("overdue_none", lang), None
    return ctx.slide("overdue_by_agency", t("deck_slide_overdue_by_agency", lang), sentence, figures=figures,
                     chart=chart)


def _infrastructure_slide(ctx: _Context) -> Slide:
    lang, values = ctx.lang, ctx.indicators
    target, target_date = ctx.settings["fiveg_target_pct"], ctx.settings["fiveg_target_date"]
    coverage, stations = values.get("fiveg_coverage_pct"), values.get("fiveg_stations")
    target_text = format_percent(target, lang, 0)
    figures = [
        Figure(t("kpi_fiveg_stations", lang), format_number(stations, lang), stations),
        Figure(t("kpi_fiveg_coverage", lang), format_percent(coverage, lang), coverage),
        Figure(t("deck_label_fiveg_target", lang),
               t("deck_target_value", lang, target=target_text, date=format_date(target_date, lang)), target),
        Figure(t("kpi_fiber", lang), format_percent(values.get("fiber_coverage_pct"), lang),
               values.get("fiber_coverage_pct")),
        Figure(t("kpi_no_signal", lang), format_number(values.get("villages_no_signal"), lang),
               values.get("villages_no_signal")),
        Figure(t("kpi_no_power", lang), format_number(values.get("villages_no_power"), lang),
               values.get("villages_no_power")),
    ]
    params = {"unit": ctx.label, "coverage": format_percent(coverage, lang), "target": target_text,
              "target_date": format_date(target_date, lang), "stations": format_number(stations, lang)}
    if coverage is None:
        sentence = t("deck_infra_none", lang, unit=ctx.label, date=format_date(ctx.as_of, lang))
    elif coverage >= target:
        sentence = t("deck_infra_reached", lang, **params)
    else:
        sentence = t("deck_infra_gap", lang, gap=format_number(target - coverage, lang, 1), **params)
    trend = ctx.q.indicator_trend(ctx.unit.code, ctx.as_of, TREND_MONTHS)
    frame = trend_frame(trend, {"fiveg_coverage_pct": t("kpi_fiveg_coverage", lang),
                                "fiber_coverage_pct": t("kpi_fiber", lang)}, lang, percent=True)
    chart = (trend_lines(frame, t("coverage_trend", lang), lang, target=target).properties(height=300)
             if len(frame) else None)
    return ctx.slide("infrastructure", t("deck_slide_infrastructure", lang), sentence, figures=figures, chart=chart)


def _per_100k(value: float | None, population: float | None) -> float | None:
    return 100_000 * value / population if value is not None and population else None


def _ecosystem_slide(ctx: _Context) -> Slide:
    lang, values = ctx.lang, ctx.indicators
    population = values.get("population")
    codes = (("kpi_digital_tech", "digital_tech_enterprises"), ("kpi_st", "st_enterprises"),
             ("kpi_high_tech", "high_tech_enterprises"), ("kpi_ai_experts", "ai_experts"))
    figures = []
    for label, code in codes:
        per = _per_100k(values.get(code), population)
        figures.append(Figure(t(label, lang), format_number(values.get(code), lang), values.get(code),
                              t("per_100k", lang, value=format_number(per, lang, 2)) if per is not None else None))
    digital_per = _per_100k(values.get("digital_tech_enterprises"), population)
    sentence = t("deck_ecosystem_sentence", lang, unit=ctx.label,
                 digital=format_number(values.get("digital_tech_enterprises"), lang),
                 per100k=format_number(digital_per, lang, 1), st=format_number(values.get("st_enterprises"), lang),
                 high_tech=format_number(values.get("high_tech_enterprises"), lang),
                 ai=format_number(values.get("ai_experts"), lang))
    chart = None
    if ctx.unit.level != "commune":
        rows = ctx.q.indicators_by_child(ctx.unit.code, ctx.as_of)
        frame = pd.DataFrame([{"code": row["code"], "name": row["name"],
                               "value": _per_100k(row["digital_tech_enterprises"], row["population"])} for row in rows],
                             columns=["code", "name", "value"]).dropna(subset=["value"])
        if len(frame):
            chart = ranked_bars(frame, "value", t("deck_ecosystem_chart", lang), lang, top=10, decimals=1,
                                percent=False, row_height=30)
    return ctx.slide("ecosystem", t("deck_slide_ecosystem", lang), sentence, figures=figures, chart=chart)


def _quality_slide(ctx: _Context) -> Slide:
    lang = ctx.lang
    result = ctx.q.quality(ctx.unit.code, ctx.as_of, ctx.settings)
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
    result = ctx.q.warnings(ctx.unit.code, ctx.as_of, lang, ctx.settings)
    counts = warning_counts(result)
    figures = [Figure(t(f"warning_kind_{kind}", lang), format_number(counts[kind], lang), counts[kind],
                      alert=kind == "overdue") for kind in KINDS]
    items = result["warnings"]
    if items:
        listed = "; ".join(f"{t(f'warning_kind_{kind}', lang)}: {format_number(counts[kind], lang)}"
                           for kind in KINDS if counts[kind])
        sentence = t("deck_warnings_sentence", lang, total=format_number(len(items), lang), counts=listed)
    else:
        sentence = t("warnings_none", lang)
    bullets = [item["message"] for item in items[:WARNINGS_SHOWN]]
    if len(items) > WARNINGS_SHOWN:
        bullets.append(t("deck_more_warnings", lang, count=format_number(len(items) - WARNINGS_SHOWN, lang)))
    return ctx.slide("warnings", t("deck_slide_warnings", lang), sentence, figures=figures, bullets=bullets)


@dataclass
class _Context:
    unit: UnitInfo
    label: str
    as_of: dt.date
    compare: dt.date | None
    lang: str
    q: Any
    settings: dict
    base_url: str
    source: str
    status: dict = field(default_factory=dict)
    indicators: dict = field(default_factory=dict)

    def slide(self, kind: str, title: str, sentence: str, **content: Any) -> Slide:
        return Slide(number=0, kind=kind, title=title, sentence=sentence,
                     frozen=t("as_of_caption", self.lang, date=format_date(self.as_of, self.lang)),
                     url=view_url(self.base_url, VIEW_PATHS[kind], self.unit, self.as_of, self.compare), **content)


BUILDERS = {"title": _title_slide, "headline": _headline_slide, "task_status": _task_status_slide,
            "lagging_children": _lagging_slide, "overdue_by_agency": _agency_slide,
            "infrastructure": _infrastructure_slide, "ecosystem": _ecosystem_slide, "quality": _quality_slide,
            "warnings": _warnings_slide}


def slide_kinds(unit: UnitInfo) -> tuple[str, ...]:
    """The slides of a unit's deck, in order (a commune has no units below it to rank)."""
    return tuple(kind for kind in SLIDE_KINDS if not (kind == "lagging_children" and unit.level == "commune"))


def build_slides(unit_code: str, as_of: dt.date | None = None, compare: dt.date | None = None, lang: str = "vi",
                 engine: Engine | None = None, base_url: str | None = None, queries: Any = None) -> Deck:
    """The deck of a unit ("VN", a province or a commune code) at a date. Raises
    data_loaders.queries.UnknownUnit for a code that names no unit."""
    engine = engine or db.get_engine()
    q = queries or _EngineQueries(engine)
    unit = q.get_unit(unit_code)
    as_of = as_of or q.latest_data_date() or dt.date.today()
    settings = get_settings(engine)
    base_url = base_url or settings["public_base_url"]
    ctx = _Context(unit=unit, label=unit_label(unit, lang), as_of=as_of, compare=compare, lang=lang, q=q,
                   settings=settings, base_url=base_url,
                   source=source_line(engine, q.latest_data_date(), lang, q.holds_sample_data()))
    ctx.status = q.task_status(unit.code, as_of)
    ctx.indicators = q.indicator_totals(unit.code, as_of)
    deck = Deck(unit=unit, unit_label=ctx.label, as_of=as_of, compare=compare, lang=lang, source=ctx.source,
                base_url=base_url)
    for number, kind in enumerate(slide_kinds(unit), start=1):
        slide = BUILDERS[kind](ctx)
        slide.number = number
        slide.presentation_url = view_url(base_url, PRESENTATION_PATH, unit, as_of, compare, slide=number)
        if kind == "title":
            slide.url = slide.presentation_url
        deck.slides.append(slide)
    return deck
