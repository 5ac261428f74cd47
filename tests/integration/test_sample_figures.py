"""The bundled sample reproduces every `sample_must_match` figure of the reference file exactly."""

import datetime as dt

from data_loaders import figures
from data_loaders.store.catalogue import reference_facts

AS_OF = dt.date(2025, 6, 30)


def test_reference_as_of_is_the_sample_date():
    assert reference_facts()["as_of"] == AS_OF


def test_national_task_figures(seeded_engine):
    facts = reference_facts()["tasks"]
    status = figures.task_status("VN", AS_OF, seeded_engine)
    assert status == {
        "total": facts["total"],
        "completed": facts["completed"],
        "on_schedule": facts["in_progress_on_schedule"],
        "overdue": facts["overdue"],
    }


def test_national_infrastructure_and_ecosystem(seeded_engine):
    facts = reference_facts()
    values = figures.indicator_totals("VN", AS_OF, seeded_engine)
    assert values["fiveg_stations"] == facts["digital_infrastructure"]["fiveg_stations"]
    assert 26.0 <= values["fiveg_coverage_pct"] < 27.0
    ecosystem = facts["ecosystem"]
    assert values["st_enterprises"] == ecosystem["st_enterprises"]
    assert values["high_tech_enterprises"] == ecosystem["high_tech_enterprises"]
    assert 73_000 < values["digital_tech_enterprises"] < 74_000
    assert values["ai_experts"] == ecosystem["ai_experts_mobilised"]


def test_administrative_units(seeded_engine):
    facts = reference_facts()["administrative_units"]
    assert figures.child_count("VN", seeded_engine) == facts["provinces"]
    communes = sum(figures.child_count(p.code, seeded_engine) for p in figures.child_units("VN", seeded_engine))
    assert communes == facts["communes"]


def test_summary_defaults_to_latest_data_date(seeded_engine):
    assert figures.summary("VN", engine=seeded_engine)["as_of"] == AS_OF.isoformat()
