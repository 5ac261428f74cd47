"""Accountability: rankings by on-time rate and overdue tasks, lateness buckets (boundaries), rank change
between two dates, tasks by responsible official, on a small database and the sample (the page: tests/ui)."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect

import pytest

from data_loaders.figures import rollups, tasks
from data_loaders.figures.accountability import (
    by_official,
    laggards_first,
    official_tasks,
    overdue_buckets,
    rank_change,
    ranking,
    sibling_rank,
)
from data_loaders.figures.cache import Reader
from data_loaders.figures.scope import get_unit
from tests.support.builder import AS_OF, COMMUNE, OTHER_COMMUNE, PROVINCE, Builder

D = dt.date
START = D(2025, 1, 15)


def late(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


@pytest.fixture
def small(empty_engine):
    b = Builder(empty_engine)
    # agency A: two tasks, none overdue; agency B: overdue 30, 31, 90 and 91 days, one on time
    b.task("A1", D(2025, 12, 31), [(START, "in_progress", 10)], agency="A", official="Lan")
    b.task("A2", late(10), [(START, "in_progress", 10), (late(20), "completed", 100)], agency="A", official="Lan")
    for days in (30, 31, 90, 91):
        b.task(f"B{days}", late(days), [(START, "in_progress", 10)], agency="B", official="Minh", owner=OTHER_COMMUNE)
    b.task("B_OK", D(2025, 12, 31), [(START, "in_progress", 10)], agency="B", official="Hà", owner=OTHER_COMMUNE)
    b.task("CENTRAL", late(5), [(START, "in_progress", 10)], agency="Bộ C", official="Hà", owner="VN")
    return b.commit()


def test_agency_ranking_and_buckets(small):
    rows = {r["key"]: r for r in ranking(PROVINCE, AS_OF, "lead_agency", small)}
    assert set(rows) == {"A", "B"}  # the central ministry's task is not in the province
    a, b = rows["A"], rows["B"]
    assert (a["rank"], b["rank"]) == (1, 2)
    assert a["on_time_rate"] == 100.0 and a["overdue"] == 0
    assert b["total"] == 5 and b["overdue"] == 4 and b["overdue_rate"] == 80.0 and b["on_time_rate"] == 20.0
    # ≤30: 30 days; 31–90: 31 and 90 days; >90: 91 days
    assert (b["le_30"], b["31_90"], b["gt_90"]) == (1, 2, 1)
    assert overdue_buckets(PROVINCE, AS_OF, small) == {"le_30": 1, "31_90": 2, "gt_90": 1}
    assert overdue_buckets("VN", AS_OF, small) == {"le_30": 2, "31_90": 2, "gt_90": 1}


def test_child_ranking_keeps_every_unit_and_the_central_group(small):
    rows = ranking("VN", AS_OF, "child", small)
    assert len(rows) == 35 and sum(1 for r in rows if r.get("own")) == 1
    central = next(r for r in rows if r.get("own"))
    assert central["key"] == "VN" and central["overdue"] == 1
    assert rows[0] is central and central["rank"] is None  # shown first, not ranked among the provinces
    communes = {r["key"]: r for r in ranking(PROVINCE, AS_OF, "child", small)}
    assert communes[COMMUNE]["rank"] == 1 and communes[OTHER_COMMUNE]["rank"] == 2
    assert all(r["rank"] is None for r in communes.values() if r["total"] == 0)


def test_ties_share_a_rank(empty_engine):
    b = Builder(empty_engine)
    for name in ("X", "Y"):
        b.task(f"{name}1", D(2025, 12, 31), [(START, "in_progress", 10)], agency=name)
    b.task("Z1", late(3), [(START, "in_progress", 10)], agency="Z")
    engine = b.commit()
    assert [r["rank"] for r in ranking(COMMUNE, AS_OF, "lead_agency", engine)] == [1, 1, 3]


def test_ties_broken_by_share_completed_and_laggards_first(empty_engine):
    b = Builder(empty_engine)
    # all three on time with nothing overdue: the one with more of its tasks completed ranks first
    b.task("P1", D(2025, 12, 31), [(START, "in_progress", 10)], agency="P")
    b.task("Q1", D(2025, 12, 31), [(START, "completed", 100)], agency="Q")
    b.task("Q2", D(2025, 12, 31), [(START, "in_progress", 10)], agency="Q")
    b.task("R1", D(2025, 12, 31), [(START, "in_progress", 10)], agency="R")
    b.task("S1", late(5), [(START, "in_progress", 10)], agency="S")
    engine = b.commit()
    rows = ranking(COMMUNE, AS_OF, "lead_agency", engine)
    assert [(r["key"], r["rank"]) for r in rows] == [("Q", 1), ("P", 2), ("R", 2), ("S", 4)]
    # the page's default: the last place first; a shared place keeps the rule's order (P before R)
    assert [r["key"] for r in laggards_first(rows)] == ["S", "P", "R", "Q"]


def test_laggards_first_keeps_the_own_group_on_top_and_idle_units_last(small):
    rows = laggards_first(ranking("VN", AS_OF, "child", small))
    assert rows[0]["own"] and rows[0]["key"] == "VN"
    ranks = [r["rank"] for r in rows[1:] if r["rank"] is not None]
    assert ranks == sorted(ranks, reverse=True) and ranks
    assert all(r["rank"] is None for r in rows[1 + len(ranks):])


def test_sibling_rank_is_the_parents_ranking(small):
    read = Reader(small)
    communes = {r["key"]: r["rank"] for r in ranking(PROVINCE, AS_OF, "child", small)}
    unit = read(get_unit, OTHER_COMMUNE)
    assert sibling_rank(unit, AS_OF, read) == (communes[OTHER_COMMUNE], 2)
    assert sibling_rank(read(get_unit, "VN"), AS_OF, read) is None


def test_rank_change_between_two_dates(small):
    # on 31 Jan nothing was overdue: A and B shared first place; now B is second
    rows = {r["key"]: r for r in rank_change(PROVINCE, AS_OF, D(2025, 1, 31), "lead_agency", small)}
    assert rows["A"]["rank_before"] == 1 and rows["A"]["change"] == 0
    assert rows["B"]["rank_before"] == 1 and rows["B"]["change"] == -1
    # before any report, nobody was ranked
    assert all(r["change"] is None for r in rank_change(PROVINCE, AS_OF, D(2025, 1, 1), "lead_agency", small))


def test_tasks_by_official(small):
    rows = by_official("VN", AS_OF, small)
    assert [r["official"] for r in rows] == ["Minh", "Hà", "Lan"]  # most overdue first
    minh = rows[0]
    assert minh["overdue"] == 4 and minh["max_days_overdue"] == 91
    assert [t["code"] for t in official_tasks("VN", AS_OF, "Minh", small)] == ["B91", "B90", "B31", "B30"]
    ha = rows[1]
    assert ha["total"] == 2 and ha["max_days_overdue"] == 5
    assert [t["code"] for t in official_tasks("VN", AS_OF, "Hà", small)] == ["CENTRAL", "B_OK"]
    assert rows[2]["max_days_overdue"] == 0  # Lan: nothing overdue
    assert [t["code"] for t in official_tasks(PROVINCE, AS_OF, "Hà", small)] == ["B_OK"]  # the central task is not
    assert official_tasks("VN", AS_OF, "Nobody", small) == []


def _task_list_cut_at(monkeypatch, limit: int) -> None:
    """The task list's default length (5,000 tasks: tasks.task_list, listed_tasks) cut to `limit`, so a scope's
    overdue tasks run past it as the nation's 8,841 run past 5,000 in the national-scale database."""
    for function in (tasks.task_list, tasks.listed_tasks):
        names = [name for name, p in inspect.signature(function).parameters.items() if p.default is not p.empty
                 and p.kind is p.POSITIONAL_OR_KEYWORD]
        defaults = dict(zip(names, function.__defaults__))
        monkeypatch.setattr(function, "__defaults__", tuple({**defaults, "limit": limit}[name] for name in names))


@pytest.mark.parametrize("served", ["summary", "live"])
def test_each_officials_row_counts_every_task_of_theirs_past_the_task_lists_length(small, monkeypatch, served):
    """Nationally 5 tasks are overdue, the task list is cut at 2 (Minh's 91 and 90 days): Hà's one overdue task
    (5 days) is past it, yet her row says 5 days, and each official's task list is whole, however long the
    task list is — from the task summary (nationally) and from the tasks' reports."""
    if served == "summary":
        rollups.rebuild_database(small)  # the builder wrote around the application
    _task_list_cut_at(monkeypatch, 2)
    assert [t["code"] for t in tasks.task_list("VN", AS_OF, engine=small)] == ["B91", "B90"]
    with rollups.live() if served == "live" else contextlib.nullcontext():
        assert (rollups.status_counts(get_unit("VN", small), AS_OF, small) is None) is (served == "live")
        rows = {row["official"]: row for row in by_official("VN", AS_OF, small)}
        assert {name: (row["overdue"], row["max_days_overdue"]) for name, row in rows.items()} == {
            "Minh": (4, 91), "Hà": (1, 5), "Lan": (0, 0)}
        for name, row in rows.items():  # the row and the official's tasks say the same
            listed = official_tasks("VN", AS_OF, name, small)
            assert len(listed) == row["total"]
            assert sum(t["derived_status"] == "overdue" for t in listed) == row["overdue"]
            assert max(t["days_overdue"] for t in listed) == row["max_days_overdue"]


def test_sample_buckets_add_up_to_136(seeded_engine):
    buckets = overdue_buckets("VN", AS_OF, seeded_engine)
    assert sum(buckets.values()) == 136
    provinces = ranking("VN", AS_OF, "child", seeded_engine)
    assert sum(r["overdue"] for r in provinces) == 136 and sum(r["total"] for r in provinces) == 802
    agencies = ranking("VN", AS_OF, "lead_agency", seeded_engine)
    assert sum(r["overdue"] for r in agencies) == 136
    ranks = [r["rank"] for r in agencies]
    assert ranks == sorted(ranks) and ranks[0] == 1
