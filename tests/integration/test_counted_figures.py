"""What leaders' views count (issue 13): every submitted figure (the default) or approved figures only,
an administrator's setting (`figures_counted`) read through one place (figures/sources.py). In
approved-only mode a commune's unapproved June values are not in its province's figures — its latest
approved value counts — and are once approved; the same for a task's reports; the default mode counts
everything as before. The mode and every approval move the data version, so cached figures follow at
once. Both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from data_loaders.figures import cache, early_warnings, indicators, sources, tasks
from data_loaders.identity import accounts
from data_loaders.identity.admin import change_setting
from data_loaders.ingest import approvals
from data_loaders.ingest.importer import import_file
from data_loaders.store import engine as db
from data_loaders.store.settings import InvalidSetting, get_settings
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

PASSWORD = "a long enough password"
TODAY = dt.date(2025, 7, 15)
MAY, JUNE = dt.date(2025, 5, 1), dt.date(2025, 6, 1)
END = dt.date(2025, 6, 30)
LD = communes("68", 2)
XUAN, OTHER = LD[0], LD[1]


def _import(engine, account, rows, headers, name):
    result = import_file(workbook_bytes(rows, headers), name, engine=engine, account=account, today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]


@pytest.fixture
def world(empty_engine):
    """Xuân Hương sent May (10 stations, approved) and June (14, not approved); another commune sent
    June (3, approved). Lâm Đồng's own task LD-1: May on schedule at 20% (approved by the centre), June
    completed (not approved)."""
    engine = empty_engine
    accounts.create_first_admin("admin", PASSWORD, engine=engine)
    made = {name: accounts.create_account(name, PASSWORD, role, scope, actor="cli:test", engine=engine)
            for name, role, scope in (("ld.baocao", "reporter", "68"), ("ld.duyet", "approver", "68"),
                                      ("tw.duyet", "approver", "VN"))}
    clerk = made["ld.baocao"]
    _import(engine, clerk, [indicator_row("Lâm Đồng", None, XUAN.code, "05/2025", 10, 20)], INDICATOR_HEADERS,
            "may.xlsx")
    _import(engine, clerk, [task_row("LD-1", report="20/05/2025", progress=20)], TASK_HEADERS, "ld-05.xlsx")
    for unit, period, approver in ((XUAN.code, MAY, "ld.duyet"), ("68", MAY, "tw.duyet")):
        approvals.decide("approve", unit, period, actor=approver, account=made[approver], engine=engine, now=None)
    _import(engine, clerk, [indicator_row("Lâm Đồng", None, XUAN.code, "06/2025", 14, 30),
                            indicator_row("Lâm Đồng", None, OTHER.code, "06/2025", 3, 40)], INDICATOR_HEADERS,
            "june.xlsx")
    _import(engine, clerk, [task_row("LD-1", report="20/06/2025", status="Hoàn thành", progress=100)], TASK_HEADERS,
            "ld-06.xlsx")
    approvals.decide("approve", OTHER.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    return engine, made


def _figures(engine):
    """What a leader reads, through the shared cache at the current data version."""
    reader = cache.Reader(engine)
    totals = reader(indicators.indicator_totals, "68", END)
    by_child = {row["code"]: row["fiveg_stations"] for row in reader(indicators.indicators_by_child, "68", END)}
    status = reader(tasks.task_status, "68", END)
    trend = reader(tasks.task_status_trend, "68", END, 2)
    return {"stations": totals["fiveg_stations"], "xuan": by_child[XUAN.code], "other": by_child[OTHER.code],
            "completed": status["completed"], "on_schedule": status["on_schedule"],
            "trend_completed": [row["completed"] for row in trend]}


def _mode(engine, value):
    change_setting("figures_counted", value, engine, user="cli:test")


def test_approved_only_counts_what_the_approver_approved_and_follows_each_approval(world):
    engine, made = world
    everything = {"stations": 17, "xuan": 14, "other": 3, "completed": 1, "on_schedule": 0,
                  "trend_completed": [0, 1]}
    assert get_settings(engine)["figures_counted"] == "submitted"  # the default
    version = db.data_version(engine)
    assert version > 0 and _figures(engine) == everything

    _mode(engine, "approved")
    approved_version = db.data_version(engine)
    assert approved_version < 0  # every process's caches switch at once
    # Xuân Hương counts with its approved May (10), the other commune's approved June (3); LD-1 as of May
    assert _figures(engine) == {"stations": 13, "xuan": 10, "other": 3, "completed": 0, "on_schedule": 1,
                                "trend_completed": [0, 0]}
    # a direct call (no cache) reads the setting: the same figures
    assert indicators.indicator_totals("68", END, engine)["fiveg_stations"] == 13
    # the warnings' commune values read the same source
    values = early_warnings.commune_values(indicators.get_unit("68", engine), [END], "fiveg_stations", engine)
    assert values[XUAN.code]["values"] == [10]

    # the province approver approves Xuân Hương's June: counted now, and the version moved
    approvals.decide("approve", XUAN.code, JUNE, actor="ld.duyet", account=made["ld.duyet"], engine=engine)
    assert db.data_version(engine) < approved_version
    assert _figures(engine)["stations"] == 17 and _figures(engine)["xuan"] == 14
    assert _figures(engine)["completed"] == 0  # the province's own June is the centre's to approve
    # the centre approves Lâm Đồng's June: the province's task report counts
    approvals.decide("approve", "68", JUNE, actor="tw.duyet", account=made["tw.duyet"], engine=engine)
    assert _figures(engine) == everything
    # unlocking takes it out again
    approvals.decide("unlock", "68", JUNE, actor="tw.duyet", account=made["tw.duyet"], engine=engine)
    assert _figures(engine)["completed"] == 0 and _figures(engine)["stations"] == 17  # Xuân Hương's own stands

    # back to the default: everything counts again, at the version it had (approvals do not move it)
    _mode(engine, "submitted")
    assert db.data_version(engine) == version
    assert _figures(engine) == everything


def test_a_province_approval_covers_its_communes(world):
    engine, made = world
    _mode(engine, "approved")
    assert _figures(engine)["xuan"] == 10
    approvals.decide("approve", "68", JUNE, actor="tw.duyet", account=made["tw.duyet"], engine=engine)
    assert _figures(engine)["xuan"] == 14 and _figures(engine)["completed"] == 1


def test_the_setting_takes_only_its_two_values(world):
    engine, _ = world
    with pytest.raises(InvalidSetting):
        _mode(engine, "everything")
    assert get_settings(engine)["figures_counted"] == "submitted"
    assert sources.mode(engine) == "submitted"
    with sources.counting("approved"):
        assert sources.mode(engine) == "approved"  # what cache.read does with a negative version
    with pytest.raises(ValueError):
        with sources.counting("all"):
            pass


def test_the_counting_line_of_views_and_decks(world):
    engine, made = world
    line = approvals.counting_note("68", END, engine)
    assert (line.key, line.params["unapproved"], line.params["total"]) == ("approval_leader_caption", 2, 3)
    _mode(engine, "approved")
    line = approvals.counting_note("68", END, engine)
    assert (line.key, line.params["unapproved"]) == ("approval_approved_only_caption", 2)
    for unit in (XUAN.code, "68"):
        approvals.decide("approve", unit, JUNE, actor="tw.duyet" if unit == "68" else "ld.duyet",
                         account=made["tw.duyet" if unit == "68" else "ld.duyet"], engine=engine)
    assert approvals.counting_note("68", END, engine).key == "approval_approved_only_all"


def test_the_deck_says_what_its_figures_count(world):
    from reports.slides import build_slides

    engine, _ = world
    _mode(engine, "approved")
    deck = build_slides("68", END, lang="en", engine=engine, base_url="https://nq57.example.gov.vn")
    line = "Approved figures only: 2 of 3 submissions of 06/2025 awaiting approval are not counted."
    title = deck.slides[0]
    assert title.kind == "title" and any(line in bullet for bullet in title.bullets)
    assert line in deck.slides[1].notes(deck.source, "en")
    assert deck.source.endswith(line)
