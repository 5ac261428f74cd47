"""The fixed vocabularies of the domain: task statuses, areas and plans, and the seed of the
indicator catalogue.

Each entry carries its Vietnamese and English names. Indicators live in the database (the
`indicator` table, read through `indicator_catalogue`): administrators add, retire and delete them
(identity/indicators.py). `INDICATORS` below are only the ten NQ57 indicators every database is
seeded with (and the migration that moved the catalogue into the database upgraded to); no page,
template, import or figure reads them directly.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

REFERENCE_FACTS = Path(__file__).resolve().parent / "reference" / "resolution57_facts.yaml"


@functools.cache
def reference_facts() -> dict:
    """The national figures of the 2 July 2025 review conference (see the file for sources)."""
    with open(REFERENCE_FACTS, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Term:
    code: str
    vi: str
    en: str

    def label(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


# Reported statuses (what a report says). "Overdue" is never reported: it is derived.
REPORT_STATUSES = (
    Term("completed", "Đã hoàn thành", "Completed"),
    Term("in_progress", "Đang thực hiện", "In progress"),
    Term("not_started", "Chưa triển khai", "Not started"),
)

# Derived statuses at a date, in the order charts show them.
DERIVED_STATUSES = (
    Term("completed", "Đã hoàn thành", "Completed"),
    Term("on_schedule", "Đang thực hiện theo lộ trình", "In progress, on schedule"),
    Term("overdue", "Quá hạn", "Overdue"),
)

AREAS = (
    Term("institutions", "Thể chế, chính sách", "Institutions and policy"),
    Term("digital_infrastructure", "Hạ tầng số", "Digital infrastructure"),
    Term("human_resources", "Nguồn nhân lực", "Human resources"),
    Term("research", "Nghiên cứu khoa học và công nghệ", "Science and technology research"),
    Term("innovation", "Đổi mới sáng tạo", "Innovation"),
    Term("digital_transformation", "Chuyển đổi số", "Digital transformation"),
    Term("cybersecurity", "An ninh mạng, an toàn thông tin", "Cybersecurity"),
)


def plans() -> tuple[Term, ...]:
    """The national plans of the reference file: what migration 0015 seeded the `plan` table with, and
    what the sample data uses. The catalogue as stored (with the provinces' own programmes, and who
    sees which) is data_loaders/store/plans.py."""
    return tuple(Term(p["code"], p["name_vi"], p["name_en"]) for p in reference_facts()["plans"])


@dataclass(frozen=True)
class Plausible:
    """The values an indicator can take for one commune (the level every upload reports at): a
    value outside [minimum, maximum], or with a fraction where the indicator counts whole things,
    is refused as a cell error. The bounds are generous (far above any commune's figure, near or
    above the national total) so that no true figure is refused; what they refuse is a typing slip
    and an absurd value (1e308 people) that would break every sum above the commune."""
    minimum: float
    maximum: float
    integer: bool

    def allows(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum


def _count(maximum: int) -> Plausible:
    return Plausible(0, maximum, integer=True)


PERCENT = Plausible(0, 100, integer=False)


# How an indicator's commune values combine into the figure of a unit above them (figures/indicators.py):
# sum; population_weighted (a percentage averaged over the communes that reported it, weighted by
# their population); average (the plain mean over the units that reported it); latest (the value of
# the newest period reported in the scope; the mean when several units reported that period); none
# (never combined: a unit shows only what it reported itself).
ROLLUPS = ("sum", "population_weighted", "average", "latest", "none")
GROUPS = ("infrastructure", "ecosystem", "population", "dti")  # the page (or section) an indicator is charted on
FREQUENCIES = ("monthly", "quarterly", "yearly")
REPORTING_LEVELS = ("commune", "province", "national")


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    vi: str
    en: str
    unit_vi: str
    unit_en: str
    rollup: str  # one of ROLLUPS
    group: str  # one of GROUPS
    plausible: Plausible
    decimals: int = 0
    higher_is_better: bool = True
    frequency: str = "monthly"  # one of FREQUENCIES
    levels: tuple[str, ...] = ("commune",)  # the levels whose units report it (REPORTING_LEVELS)
    owner_province_code: str | None = None  # None: a national indicator; else that province's own
    retired: bool = False  # hidden from templates and new imports; its values and figures stay
    sort_order: int = 0
    builtin: bool = False  # one of the ten seeded NQ57 indicators (never retired or deleted)

    def label(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en

    def unit_label(self, lang: str) -> str:
        return self.unit_vi if lang == "vi" else self.unit_en

    @property
    def percent(self) -> bool:
        return self.unit_vi.strip() == "%"

    @property
    def rolled_up(self) -> bool:
        """Combined from the communes' values (else each unit shows only its own reported value)."""
        return self.rollup != "none" and "commune" in self.levels


# Bounds per commune, each far above what one commune reports, against the national figures of
# reference/resolution57_facts.yaml and the sample (whose largest values, in brackets, all pass):
# population 2,000,000 (343,954; 101.3 million in the whole country); 5G stations 10,000 (114;
# 12,106 in the whole country in June 2025); villages without signal or power 1,000 (8); S&T and
# high-tech enterprises 10,000 each (7; 858 and 45 nationally); digital-tech enterprises 100,000
# (580; about 73,000 nationally); AI experts 10,000 (4; 277 mobilised nationally). The sum of all
# 3,321 communes at these bounds (or a percentage times it) stays far inside a double: no query overflows.
INDICATORS = (
    IndicatorDef("population", "Dân số", "Population", "người", "people", "sum", "population",
                 _count(2_000_000)),
    IndicatorDef("fiveg_stations", "Số trạm 5G", "5G stations", "trạm", "stations", "sum", "infrastructure",
                 _count(10_000)),
    IndicatorDef("fiveg_coverage_pct", "Tỷ lệ dân số được phủ sóng 5G", "5G population coverage",
                 "%", "%", "population_weighted", "infrastructure", PERCENT, 1),
    IndicatorDef("fiber_coverage_pct", "Tỷ lệ hộ gia đình có cáp quang", "Households with fibre",
                 "%", "%", "population_weighted", "infrastructure", PERCENT, 1),
    IndicatorDef("villages_no_signal", "Số thôn chưa có sóng di động", "Villages without mobile signal",
                 "thôn", "villages", "sum", "infrastructure", _count(1_000), higher_is_better=False),
    IndicatorDef("villages_no_power", "Số thôn chưa có điện lưới", "Villages without electricity",
                 "thôn", "villages", "sum", "infrastructure", _count(1_000), higher_is_better=False),
    IndicatorDef("st_enterprises", "Doanh nghiệp khoa học và công nghệ", "S&T enterprises",
                 "doanh nghiệp", "enterprises", "sum", "ecosystem", _count(10_000)),
    IndicatorDef("high_tech_enterprises", "Doanh nghiệp công nghệ cao", "High-tech enterprises",
                 "doanh nghiệp", "enterprises", "sum", "ecosystem", _count(10_000)),
    IndicatorDef("digital_tech_enterprises", "Doanh nghiệp công nghệ số", "Digital-tech enterprises",
                 "doanh nghiệp", "enterprises", "sum", "ecosystem", _count(100_000)),
    IndicatorDef("ai_experts", "Chuyên gia trí tuệ nhân tạo", "AI experts", "người", "people", "sum", "ecosystem",
                 _count(10_000)),
)
INDICATORS = tuple(dataclasses.replace(indicator, sort_order=10 * (position + 1), builtin=True)
                   for position, indicator in enumerate(INDICATORS))
INDICATOR_BY_CODE = {indicator.code: indicator for indicator in INDICATORS}  # the seed, by code
BUILTIN_CODES = frozenset(INDICATOR_BY_CODE)


def term_by_code(terms: tuple[Term, ...]) -> dict[str, Term]:
    return {term.code: term for term in terms}
