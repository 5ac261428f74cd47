"""Targets with a trajectory (issue 15 item 2): the seeded published target, which target a unit is
measured against (its own, its province's, the nation's), the path, met or not, the warnings and
KPI status they drive, who may change them, the refusals, the command line, the data version and
the trend chart's path. Both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from charts.trend import trend_frame, trend_lines
from data_loaders.figures.early_warnings import warnings
from data_loaders.figures.indicators import indicator_totals
from data_loaders.figures.targets import (
    assess,
    path_value,
    status_messages,
    target_for,
    target_status,
    targets_in_force,
)
from data_loaders.follow_up.targets import TargetRefused, list_targets, remove_target, set_target
from data_loaders.i18n.message import render
from data_loaders.identity import audit
from data_loaders.store import engine as db
from tests.support.auth_helpers import ensure_account
from tests.support.builder import AS_OF, COMMUNE, OTHER_COMMUNE, PROVINCE, Builder
from tests.support.cli import run_cli

D = dt.date
HANOI, HANOI_COMMUNE = "01", "00004"
MONTHS = [D(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))]


def _coverage(b: Builder, commune: str, start: float, step: float) -> None:
    for index, period in enumerate(MONTHS):
        b.value(commune, period, "population", 1000)
        b.value(commune, period, "fiveg_coverage_pct", start + step * index)


def _off_target(engine, unit: str) -> dict[str, dict]:
    return {w["unit"]["code"]: w for w in warnings(unit, AS_OF, engine=engine)["warnings"] if w["kind"] == "off_target"}


def test_the_published_target_is_seeded_with_its_path(empty_engine):
    (seeded,) = targets_in_force(empty_engine)
    assert (seeded["indicator"], seeded["unit_code"], seeded["value"], seeded["date"]) == (
        "fiveg_coverage_pct", "VN", 90.0, D(2025, 12, 31))
    assert (seeded["baseline_value"], seeded["baseline_date"]) == (26.0, D(2025, 6, 30))  # the conference's figure
    assert db.data_version(empty_engine) == 0  # the published target is no change anyone made
    # the path: the baseline before its date, the straight line, the target from its date on
    assert path_value(seeded, D(2025, 1, 31)) == 26.0
    assert path_value(seeded, D(2025, 9, 30)) == pytest.approx(26 + 64 * 92 / 184)
    assert path_value(seeded, D(2026, 3, 31)) == 90.0
    # a rate's national target is every unit's default; a count's is the nation's alone
    assert target_for("fiveg_coverage_pct", COMMUNE, empty_engine)["unit_code"] == "VN"
    set_target("fiveg_stations", "VN", "2025-12-31", 20000, user="admin", engine=empty_engine)
    assert target_for("fiveg_stations", "VN", empty_engine)["value"] == 20000
    assert target_for("fiveg_stations", PROVINCE, empty_engine) is None


def test_setting_and_removing_move_the_data_version_and_roll_down(empty_engine):
    version = db.data_version(empty_engine)
    set_target("fiveg_coverage_pct", PROVINCE, "31/12/2025", "40", user="admin", engine=empty_engine)
    assert db.data_version(empty_engine) > version
    version = db.data_version(empty_engine)
    assert target_for("fiveg_coverage_pct", COMMUNE, empty_engine)["value"] == 40  # the province's, rolled down
    set_target("fiveg_coverage_pct", PROVINCE, "2025-12-31", "45,5", user="admin", engine=empty_engine)  # replaces
    assert db.data_version(empty_engine) > version
    assert [t["value"] for t in list_targets(PROVINCE, empty_engine)] == [45.5]
    version = db.data_version(empty_engine)
    remove_target("fiveg_coverage_pct", PROVINCE, user="admin", engine=empty_engine)
    assert db.data_version(empty_engine) > version
    assert target_for("fiveg_coverage_pct", COMMUNE, empty_engine)["unit_code"] == "VN"  # the nation's again
    with pytest.raises(TargetRefused) as refused:
        remove_target("fiveg_coverage_pct", PROVINCE, user="admin", engine=empty_engine)
    assert refused.value.key == "target_none"
    actions = [e["action"] for e in audit.entries(engine=empty_engine) if e["action"].startswith("target_")]
    assert actions == ["target_removed", "target_set", "target_set"]  # newest first


def test_a_province_target_changes_that_provinces_warnings_and_kpi_status(empty_engine):
    b = Builder(empty_engine)
    _coverage(b, COMMUNE, 10, 2)  # slow: 20% in June, about 32% by December
    _coverage(b, OTHER_COMMUNE, 40, 8)  # fast: 80% in June
    _coverage(b, HANOI_COMMUNE, 10, 2)  # Hà Nội: as slow
    engine = b.commit()
    # the national default (90% by 31/12/2025) applies everywhere: both provinces are off it
    national = _off_target(engine, "VN")
    assert {"VN", PROVINCE, HANOI} <= set(national)
    assert national[HANOI]["target_unit"] == "VN" and national[HANOI]["target_value"] == 90
    status = target_status(PROVINCE, AS_OF, indicator_totals(PROVINCE, AS_OF, engine), engine)["fiveg_coverage_pct"]
    assert status["met"] is False and status["inherited"] is True and status["on_path"] is True  # 50% ≥ 26% path
    assert status["gap"] == pytest.approx(40)
    # whose target it is, in both languages: the nation's in words of its own (not "Nationwide's target")
    inherited = [render(part, "en") for part in status_messages(status)]
    assert inherited[-1] == "the national target", inherited
    assert render(status_messages(status)[-1], "vi") == "mục tiêu chung của Toàn quốc"
    # Lâm Đồng sets its own, lower target: its warnings and its KPI status follow it, Hà Nội's do not
    set_target("fiveg_coverage_pct", PROVINCE, "2025-12-31", 30, user="admin", engine=engine)
    assert _off_target(engine, PROVINCE) == {}
    national = _off_target(engine, "VN")
    assert PROVINCE not in national and HANOI in national
    status = target_status(PROVINCE, AS_OF, indicator_totals(PROVINCE, AS_OF, engine), engine)["fiveg_coverage_pct"]
    assert status["met"] is True and status["inherited"] is False and status["gap"] == 0
    hanoi = target_status(HANOI, AS_OF, indicator_totals(HANOI, AS_OF, engine), engine)["fiveg_coverage_pct"]
    assert hanoi["met"] is False and hanoi["target"]["unit_code"] == "VN"
    # a province target with a path: the slow commune (20%) is below it (30% by now) though its trend is not
    set_target("fiveg_coverage_pct", PROVINCE, "2025-12-31", 32, baseline_value=30, baseline_date="2025-06-01",
               user="admin", engine=engine)
    card = _off_target(engine, PROVINCE)[PROVINCE]
    (slow,) = card["below_path"]["communes"]
    assert slow["code"] == COMMUNE and slow["path"] == pytest.approx(30 + 2 * 29 / 213, abs=0.01)
    assert "dưới lộ trình phủ sóng 5G" in render(card["message"])


def test_lower_is_better_indicators_compare_the_other_way(empty_engine):
    b = Builder(empty_engine)
    for index, period in enumerate(MONTHS):
        b.value(COMMUNE, period, "villages_no_signal", 10 - index // 2)  # 10, 10, 9, 9, 8, 8
    engine = b.commit()
    set_target("villages_no_signal", COMMUNE, "2025-12-31", 0, baseline_value=10, baseline_date="2025-01-31",
               user="admin", engine=engine)
    target = target_for("villages_no_signal", COMMUNE, engine)
    status = assess(target, 8, AS_OF)
    assert status["met"] is False and status["on_path"] is False  # 8 villages, the path says about 5.5 by now
    assert assess(target, 0, AS_OF)["met"] is True and assess(target, 5, AS_OF)["on_path"] is True
    (card,) = _off_target(engine, COMMUNE).values()
    assert card["indicator"] == "villages_no_signal" and card["higher_is_better"] is False
    assert card["current_value"] == 8 and "target_pct" not in card
    assert "số thôn chưa có sóng di động 8" in render(card["message"])
    assert target_for("villages_no_signal", PROVINCE, engine) is None  # a count's target does not roll up or down


def test_refusals_change_nothing(empty_engine):
    version, before = db.data_version(empty_engine), targets_in_force(empty_engine)
    cases = [
        (("nonsense", "VN", "2025-12-31", 90), {}, "target_unknown_indicator"),
        (("fiveg_coverage_pct", "99999", "2025-12-31", 90), {}, "target_unknown_unit"),
        (("fiveg_coverage_pct", "VN", "31/13/2025", 90), {}, "target_bad_date"),
        (("fiveg_coverage_pct", "VN", "2025-12-31", "abc"), {}, "target_bad_value"),
        (("fiveg_coverage_pct", "VN", "2025-12-31", 120), {}, "target_out_of_range"),
        (("fiveg_stations", COMMUNE, "2025-12-31", 10_001), {}, "target_out_of_range"),  # above one commune's bound
        (("fiveg_stations", "VN", "2025-12-31", 20000.5), {}, "target_whole_number"),
        (("fiveg_coverage_pct", "VN", "2025-12-31", 90), {"baseline_value": 20}, "target_baseline_incomplete"),
        (("fiveg_coverage_pct", "VN", "2025-12-31", 90), {"baseline_value": 20, "baseline_date": "2026-01-01"},
         "target_baseline_after_target"),
    ]
    for args, extra, key in cases:
        with pytest.raises(TargetRefused) as refused:
            set_target(*args, **extra, user="admin", engine=empty_engine)
        assert refused.value.key == key, args
        assert render(refused.value.message, "en") and render(refused.value.message, "vi")
    assert "0 – 100" in render(TargetRefused("target_out_of_range", value=120.0, minimum=0, maximum=100).message)
    assert db.data_version(empty_engine) == version and targets_in_force(empty_engine) == before


def province_admin(engine, username: str, province: str):
    """A province's administrator (role admin, scope a province). Accounts on this branch still make
    every administrator national (the leader's-page and catalogue branches allow province ones), so the
    account is made a viewer of the province and given the role in the database."""
    from sqlalchemy import update

    from data_loaders.identity.accounts import get_account
    from data_loaders.store.models import Account as AccountRow

    ensure_account(engine, username, "viewer", province)
    with engine.begin() as conn:
        conn.execute(update(AccountRow).where(AccountRow.username == username).values(role="admin"))
    return get_account(username, engine)


def test_a_province_administrator_manages_only_their_province(empty_engine):
    national = ensure_account(empty_engine, "quantri", "admin", "VN")
    lam_dong = province_admin(empty_engine, "quantri68", PROVINCE)
    viewer = ensure_account(empty_engine, "lanhdao68", "viewer", PROVINCE)
    set_target("fiveg_coverage_pct", PROVINCE, "2025-12-31", 60, account=lam_dong, engine=empty_engine)
    set_target("fiveg_coverage_pct", COMMUNE, "2025-12-31", 70, account=lam_dong, engine=empty_engine)
    for account, unit in ((lam_dong, HANOI), (lam_dong, "VN"), (lam_dong, HANOI_COMMUNE), (viewer, PROVINCE)):
        with pytest.raises(TargetRefused) as refused:
            set_target("fiveg_coverage_pct", unit, "2025-12-31", 50, account=account, engine=empty_engine)
        assert refused.value.key == "target_not_permitted"
    with pytest.raises(TargetRefused):
        remove_target("fiveg_coverage_pct", "VN", account=lam_dong, engine=empty_engine)
    set_target("fiveg_coverage_pct", HANOI, "2025-12-31", 65, account=national, engine=empty_engine)
    assert {(t["unit_code"], t["value"]) for t in targets_in_force(empty_engine)} == {
        ("VN", 90), (PROVINCE, 60), (COMMUNE, 70), (HANOI, 65)}
    refusals = [e for e in audit.entries(engine=empty_engine, action="target_set") if e["outcome"] == "refused"]
    assert len(refusals) == 4 and {e["actor"] for e in refusals} == {"quantri68", "lanhdao68"}
    done = audit.entries(engine=empty_engine, action="target_set", actor="quantri68")
    assert any(e["outcome"] == "ok" and e["detail"]["new"]["value"] == 70 for e in done)


def test_the_command_line(empty_engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    province_admin(empty_engine, "quantri01", HANOI)
    done = run_cli(url, "targets", "set", "fiveg_coverage_pct", "--unit", "68", "--value", "95", "--date",
                   "2025-12-31", "--baseline", "20", "--baseline-date", "2025-06-30", "--json")
    assert done.returncode == 0, done.stderr
    target = json.loads(done.stdout)["target"]
    assert (target["unit"], target["target_value"], target["baseline_value"], target["higher_is_better"]) == (
        "68", 95, 20, True)
    assert target["set_by"].startswith("cli:")
    listed = json.loads(run_cli(url, "targets", "list", "--unit", "68", "--json").stdout)["targets"]
    assert [(t["indicator"], t["unit"]) for t in listed] == [("fiveg_coverage_pct", "68")]
    everything = json.loads(run_cli(url, "targets", "list", "--json").stdout)["targets"]
    assert [t["unit"] for t in everything] == ["VN", "68"]
    # refusals: exit 2 and one JSON error naming the problem
    for args, expected in ((("set", "nope", "--unit", "68", "--value", "1", "--date", "2025-12-31"), "nope"),
                           (("set", "fiveg_coverage_pct", "--unit", "68", "--value", "101", "--date", "2025-12-31"),
                            "0 – 100"),
                           (("set", "fiveg_coverage_pct", "--unit", "68", "--value", "50", "--date", "2025-12-31",
                             "--user", "quantri01"), "68"),
                           (("remove", "fiveg_coverage_pct", "--unit", "01"), "01")):
        refused = run_cli(url, "targets", *args, "--json", lang="en")
        assert refused.returncode == 2
        error = json.loads(refused.stdout)
        assert error["status"] == "error" and expected in error["message"], error
    removed = run_cli(url, "targets", "remove", "fiveg_coverage_pct", "--unit", "68", "--json")
    assert removed.returncode == 0 and json.loads(removed.stdout)["status"] == "removed"
    assert [t["unit"] for t in json.loads(run_cli(url, "targets", "list", "--json").stdout)["targets"]] == ["VN"]
    text = run_cli(url, "targets", "list")
    assert text.returncode == 0 and "fiveg_coverage_pct\tVN" in text.stdout


def test_the_trend_chart_draws_the_target_and_its_path(empty_engine):
    (target,) = targets_in_force(empty_engine)
    rows = [{"date": day, "fiveg_coverage_pct": 20.0 + index} for index, day in enumerate(MONTHS)]
    frame = trend_frame(rows, {"fiveg_coverage_pct": "Phủ sóng 5G"}, "vi", percent=True)
    spec = json.dumps(trend_lines(frame, "Phủ sóng", "vi", targets=[target]).to_dict(), ensure_ascii=False)
    assert "Mục tiêu 90% (31/12/2025)" in spec and "Lộ trình" in spec
    assert '"path": 26.0' in spec and '"path": 90.0' in spec  # from the baseline to the target
    assert '"date": "2025-12-31"' in spec  # the path runs to the target date
    plain = json.dumps(trend_lines(frame, "Phủ sóng", "vi").to_dict(), ensure_ascii=False)
    assert "Lộ trình" not in plain and "Mục tiêu" not in plain


def test_the_migration_carries_a_changed_setting_over_and_keeps_targets_people_set(empty_engine, monkeypatch):
    from alembic import command
    from sqlalchemy import text

    from data_loaders.store.migration_guard import ALLOW_ENV, DataLossRefused

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    config = db.alembic_config(empty_engine)
    command.downgrade(config, "0012")  # only the published target: nothing of anyone's is lost
    with empty_engine.begin() as conn:  # an administrator had changed the 5G target in the settings
        conn.execute(text("INSERT INTO setting (key, value, updated_at, updated_by) VALUES "
                          "('fiveg_target_pct', '92.5', '2025-07-01 00:00:00', 'admin'), "
                          "('fiveg_target_date', '\"2026-06-30\"', '2025-07-01 00:00:00', 'admin')"))
    command.upgrade(config, "head")
    (seeded,) = targets_in_force(empty_engine)
    assert (seeded["value"], seeded["date"], seeded["baseline_value"]) == (92.5, D(2026, 6, 30), 26.0)
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM setting WHERE key LIKE 'fiveg_target%'")).scalar_one() == 0
    set_target("fiveg_coverage_pct", PROVINCE, "2025-12-31", 50, user="admin", engine=empty_engine)
    with pytest.raises(DataLossRefused) as refused:
        command.downgrade(config, "0012")
    assert "1 target rows" in str(refused.value) and f"{ALLOW_ENV}=1" in str(refused.value)
    assert len(targets_in_force(empty_engine)) == 2


def test_an_added_indicator_is_read_from_the_database_given_not_the_apps(empty_engine, tmp_path, monkeypatch):
    """An added indicator's direction and roll-down come from the catalogue of the engine passed
    (a deck, the warnings, a test's database), not from the app's database named by DATABASE_URL."""
    from data_loaders.identity.indicators import NewIndicator, add_indicator

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'another.sqlite'}")  # an empty database
    add_indicator(NewIndicator("online_records_pct", "Tỷ lệ hồ sơ trực tuyến", "Records online", "%", "%",
                               rollup="average", maximum=100, higher_is_better=False), user="cli:pytest",
                  engine=empty_engine)
    set_target("online_records_pct", "VN", "2025-12-31", 20, user="admin", engine=empty_engine)
    target = target_for("online_records_pct", PROVINCE, empty_engine)  # the nation's, rolled down (a rate)
    assert target is not None and target["unit_code"] == "VN" and target["higher_is_better"] is False
    status = target_status(PROVINCE, AS_OF, {"online_records_pct": 15.0}, empty_engine)["online_records_pct"]
    assert status["met"] is True and status["inherited"] is True  # 15 ≤ 20: lower is better, as declared
