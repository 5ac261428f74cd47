"""Indicator figures maintained at commit (issue 17, item 4; figures/indicator_rollups.py) equal the live
definition of figures/indicators.py — for the nation, every province and a commune, totals, by child,
trends and series, at month ends and at dates between periods (a commune counting with its latest
value on or before the date, its percentage weighted by its latest population) —
after the seed, after imports that add and change values (populations too), after withdrawals,
after values written around the application (the figures fall back to the live definition until the
next maintained write rebuilds the summary), and in approved-only mode (the live definition, always);
so do the data quality figure's uploaded rows, counted at commit per unit and upload (the whole
`quality` result is compared).
Both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select, update

from data_loaders.figures import data_quality, indicator_rollups, indicators, rollups
from data_loaders.figures.scope import child_units, get_unit
from data_loaders.figures.tasks import month_ends_with_data
from data_loaders.identity import accounts
from data_loaders.identity.admin import change_setting
from data_loaders.ingest import approvals
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.withdraw import withdraw_upload
from data_loaders.store.models import IndicatorRollup, IndicatorValue, UploadedValueRows
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, communes, indicator_row, workbook_bytes
from tests.support.statements import statements_reading

PASSWORD = "a long enough password"
TODAY = dt.date(2025, 7, 15)
LD = communes("68", 3)
HN = communes("01", 1)
DATES = [dt.date(2025, 3, 31), dt.date(2025, 4, 30), dt.date(2025, 5, 15), dt.date(2025, 5, 31),
         dt.date(2025, 6, 29), dt.date(2025, 6, 30), dt.date(2025, 7, 31), dt.date(2026, 1, 1)]
CODES = ("population", "fiveg_stations", "fiveg_coverage_pct")


def _figures(engine, codes, dates) -> dict:
    out = {}
    for code in codes:
        for day in dates:
            out[(code, day, "totals")] = indicators.indicator_totals(code, day, engine)
            out[(code, day, "child")] = indicators.indicators_by_child(code, day, engine)
        out[(code, "trend")] = indicators.indicator_trend(code, dates[-1], 12, engine)
        for indicator in ("fiveg_coverage_pct", "fiveg_stations"):
            out[(code, indicator, "series")] = indicators.indicator_series(code, indicator, dates[-1], 12, engine)
        for day in (dates[0], dates[-1]):  # its uploaded rows (not dated) read the rows counted at commit
            out[(code, day, "quality")] = data_quality.quality(code, day, engine=engine)
    return out


def _close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return a == b


def _assert_equal_to_live(engine, codes, dates, *, served=True) -> None:
    with engine.connect() as conn:
        assert indicator_rollups.is_current(conn) is served
    probe = indicator_rollups.partials(get_unit("VN", engine), dates[-1], ["fiveg_stations"], engine)
    assert (probe is not None) is served  # the summary is what answered
    assert (indicator_rollups.uploaded_rows(get_unit("VN", engine), engine) is not None) is served
    summary = _figures(engine, codes, dates)
    with rollups.live():
        assert indicator_rollups.partials(get_unit("VN", engine), dates[-1], ["fiveg_stations"], engine) is None
        assert indicator_rollups.uploaded_rows(get_unit("VN", engine), engine) is None
        definition = _figures(engine, codes, dates)
    for key, value in definition.items():
        assert _close(summary[key], value), (key, summary[key], value)


def _import(engine, account, rows, name):
    result = import_file(workbook_bytes(rows, INDICATOR_HEADERS), name, engine=engine, account=account, today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    return result.upload_id


# --- the seeded sample ------------------------------------------------------------------------------


def test_the_seeded_summary_equals_the_definition_for_the_nation_and_every_province(seeded_engine):
    provinces = [unit.code for unit in child_units("VN", seeded_engine)]
    commune = child_units("68", seeded_engine)[0].code
    days = [dt.date(2024, 12, 31), dt.date(2025, 3, 17), dt.date(2025, 6, 30)]
    _assert_equal_to_live(seeded_engine, ["VN", "68", commune], days)
    summary = {(code, day): indicators.indicator_totals(code, day, seeded_engine) for code in provinces for day in days}
    with rollups.live():
        for (code, day), values in summary.items():
            assert _close(values, indicators.indicator_totals(code, day, seeded_engine)), (code, day)
    assert any(values.get("fiveg_stations") for values in summary.values())


# --- imports, withdrawals, writes around the application -------------------------------------------


@pytest.fixture
def world(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    rows = [  # LD[0] every month; LD[1] from April, its population only in April; HN in May
        indicator_row("Lâm Đồng", None, LD[0].code, "03/2025", 10, 20.5, 5000),
        indicator_row("Lâm Đồng", None, LD[0].code, "04/2025", 12, 30.0, 5100),
        indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 14, 42.5, 5200),
        indicator_row("Lâm Đồng", None, LD[1].code, "04/2025", 3, 60.0, 8000),
        indicator_row("Lâm Đồng", None, LD[1].code, "06/2025", 4, 65.0, None),
        indicator_row("Hà Nội", None, HN[0].code, "05/2025", 30, 90.0, 20000),
    ]
    first = _import(engine, admin, rows, "base.xlsx")
    return engine, admin, first


def _codes():
    return ["VN", "68", "01", LD[0].code, LD[1].code]


def test_imports_and_withdrawals_keep_the_summary_equal_to_the_definition(world):
    engine, admin, first = world
    _assert_equal_to_live(engine, _codes(), DATES)
    assert data_quality.quality("VN", DATES[-1], engine=engine)["figures"]["uploaded_rows"] == 6  # its six rows
    june = indicators.indicator_totals("68", dt.date(2025, 6, 30), engine)
    assert june["fiveg_stations"] == 18  # LD[0]'s May, LD[1]'s June
    assert june["fiveg_coverage_pct"] == pytest.approx((42.5 * 5200 + 65.0 * 8000) / (5200 + 8000))
    # a second upload: values changed (a population too), a period between two others, a new commune
    second = _import(engine, admin, [
        indicator_row("Lâm Đồng", None, LD[0].code, "04/2025", 13, 35.0, 5150),
        indicator_row("Lâm Đồng", None, LD[1].code, "05/2025", 5, 61.0, 8100),
        indicator_row("Lâm Đồng", None, LD[2].code, "06/2025", 1, 10.0, 3000),
        indicator_row("Hà Nội", None, HN[0].code, "07/2025", 31, 91.0, 20100),
    ], "second.xlsx")
    _assert_equal_to_live(engine, _codes() + [LD[2].code], DATES)
    assert indicators.indicator_totals("VN", dt.date(2025, 7, 31), engine)["fiveg_stations"] == 14 + 4 + 1 + 31
    _assert_same_rows_as_rebuilt(engine)  # the rows from the earliest period written on equal a rebuild's
    # re-imported with other values: the summary follows
    third = _import(engine, admin, [
        indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 20, 50.0, 5300),
        indicator_row("Hà Nội", None, HN[0].code, "05/2025", 25, 80.0, 19000),
    ], "third.xlsx")
    _assert_equal_to_live(engine, _codes(), DATES)
    # withdrawn, newest first: each brings back what was before it
    withdraw_upload(third, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, _codes(), DATES)
    withdraw_upload(second, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, _codes(), DATES)
    _assert_same_rows_as_rebuilt(engine)
    assert indicators.indicator_totals("68", dt.date(2025, 6, 30), engine) == june
    withdraw_upload(first, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, _codes(), DATES)
    assert indicators.indicator_totals("VN", dt.date(2026, 1, 1), engine)["fiveg_stations"] is None
    with engine.connect() as conn:
        assert conn.execute(select(IndicatorRollup.day)).first() is None


def _summary_statements(engine, run, table: str = "indicator_rollup") -> int:
    return statements_reading(engine, table, run)  # the summary's ("" for any statement)


def test_the_trend_reads_the_summary_once_and_equals_the_totals_at_each_date(world):
    engine, _, _ = world
    # a day before the first data, month ends, days between periods
    days = [dt.date(2025, 2, 28), *DATES]
    for code in ("VN", "68", "01"):
        unit = get_unit(code, engine)
        at_each = [indicator_rollups.partials(unit, day, list(CODES), engine) for day in days]
        assert indicator_rollups.partials_on(unit, days, list(CODES), engine) == at_each, code
    assert indicator_rollups.partials_on(get_unit("VN", engine), [], list(CODES), engine) == []
    for code in ("VN", "68", LD[0].code):
        trend = indicators.indicator_trend(code, DATES[-1], 12, engine)
        assert [row["date"] for row in trend] == month_ends_with_data(DATES[-1], 12, engine)
        assert trend == [{"date": row["date"], **indicators.indicator_totals(code, row["date"], engine)}
                         for row in trend], code
    assert [row["fiveg_stations"] for row in indicators.indicator_trend("68", dt.date(2025, 6, 30), 3, engine)] \
        == [15, 17, 18]
    # the nation's trend over six month ends: one statement reads the summary, not one per month end
    assert _summary_statements(engine, lambda: indicators.indicator_trend("VN", DATES[-1], 6, engine)) == 1
    # and as many statements in all over two month ends as over six
    assert _summary_statements(engine, lambda: indicators.indicator_trend("VN", DATES[-1], 6, engine), "") == \
        _summary_statements(engine, lambda: indicators.indicator_trend("VN", DATES[-1], 2, engine), "")
    with rollups.live():  # the live definition at each month end, which never reads the summary
        assert _summary_statements(engine, lambda: indicators.indicator_trend("VN", DATES[-1], 6, engine)) == 0


def _series_each_day(monkeypatch, code, indicator, as_of, months, engine):
    """`indicator_series` computed month end by month end, as before it read the nation's in one pass."""
    with monkeypatch.context() as patched:
        patched.setattr(indicators, "_rolled_partials_on", lambda *args: None)
        return indicators.indicator_series(code, indicator, as_of, months, engine)


def test_the_series_reads_the_summary_once_and_equals_the_figures_at_each_date(world, monkeypatch):
    engine, _, _ = world
    # month ends from before the first data on, a day between periods, a day before any data
    for as_of in (DATES[-1], dt.date(2025, 5, 15), dt.date(2025, 2, 28)):
        for code in ("VN", "68", LD[0].code):
            for indicator in CODES:
                series = indicators.indicator_series(code, indicator, as_of, 12, engine)
                assert series["dates"] == month_ends_with_data(as_of, 12, engine)
                assert series == _series_each_day(monkeypatch, code, indicator, as_of, 12, engine), \
                    (code, indicator, as_of)
                assert series["unit"] == [indicators.indicator_totals(code, day, engine)[indicator]
                                          for day in series["dates"]], (code, indicator, as_of)
                by_child = [{row["code"]: row[indicator] for row in indicators.indicators_by_child(code, day, engine)}
                            for day in series["dates"]]
                assert series["children"] == {child: [at_day[child] for at_day in by_child]
                                              for child in series["children"]}, (code, indicator, as_of)
    assert indicators.indicator_series("VN", "fiveg_stations", dt.date(2025, 2, 28), 12, engine)["dates"] == []
    assert indicators.indicator_series("VN", "fiveg_stations", DATES[-1], 12, engine)["children"]["68"][:4] \
        == [10, 15, 17, 18]  # March to June: LD[0]'s latest, with LD[1]'s from April
    with rollups.live():  # the live definition, month end by month end, equal too
        for indicator in CODES:
            assert _close(indicators.indicator_series("VN", indicator, DATES[-1], 12, engine),
                          _series_each_day(monkeypatch, "VN", indicator, DATES[-1], 12, engine))
    for indicator in ("fiveg_coverage_pct", "fiveg_stations"):
        def series(months: int, indicator: str = indicator):
            return lambda: indicators.indicator_series("VN", indicator, DATES[-1], months, engine)
        # the nation's over six month ends: one statement reads the summary, not one per month end
        assert _summary_statements(engine, series(6)) == 1
        # and as many statements in all over two month ends as over six
        assert _summary_statements(engine, series(6), "") == _summary_statements(engine, series(2), "")
        with rollups.live():  # the live definition at each month end, which never reads the summary
            assert _summary_statements(engine, series(6)) == 0


def test_populations_or_percentages_alone_move_the_weighted_figures_from_their_period_on(world):
    """The refresh from the earliest period written: populations alone (later than a commune's
    percentages, and between them), a percentage alone (earlier than the populations stored), a
    province's first values while it has later ones (nothing before them to start from), and the
    withdrawal of populations alone."""
    engine, admin, _ = world
    dates = [dt.date(2025, 1, 31), dt.date(2025, 2, 28), *DATES]
    populations = _import(engine, admin, [
        indicator_row("Lâm Đồng", None, LD[1].code, "07/2025", None, None, 9000),
        indicator_row("Lâm Đồng", None, LD[0].code, "04/2025", None, None, 6000),
    ], "populations.xlsx")
    _assert_equal_to_live(engine, _codes(), dates)
    _assert_same_rows_as_rebuilt(engine)
    assert indicators.indicator_totals("68", dt.date(2025, 7, 31), engine)["fiveg_coverage_pct"] == pytest.approx(
        (42.5 * 5200 + 65.0 * 9000) / (5200 + 9000))
    _import(engine, admin, [indicator_row("Lâm Đồng", None, LD[0].code, "02/2025", None, 15.0, None)],
            "percentage.xlsx")
    _assert_equal_to_live(engine, _codes(), dates)
    _assert_same_rows_as_rebuilt(engine)
    _import(engine, admin, [indicator_row("Hà Nội", None, HN[0].code, "01/2025", 20, 70.0, 19500)], "january.xlsx")
    _assert_equal_to_live(engine, _codes(), dates)
    _assert_same_rows_as_rebuilt(engine)
    withdraw_upload(populations, actor="admin", is_admin=True, engine=engine)
    _assert_equal_to_live(engine, _codes(), dates)
    _assert_same_rows_as_rebuilt(engine)


def test_only_the_weighted_percentages_carry_weighted_sums(world):
    """Σ value × population is kept for the population-weighted indicators only: a count's rows carry
    its Σ value and communes reporting, and no row is a count's on a day only a population changed."""
    engine, _, _ = world
    with engine.connect() as conn:
        rows = conn.execute(select(IndicatorRollup.__table__)).all()
    assert {row.indicator_code for row in rows if row.weighed} == {"fiveg_coverage_pct"}
    assert all(row.weighted == 0 and row.weight == 0 for row in rows if row.indicator_code != "fiveg_coverage_pct")
    assert all(row.total or row.reported for row in rows if row.indicator_code != "fiveg_coverage_pct")


def test_values_written_around_the_application_use_the_definition_until_the_next_import(world):
    engine, admin, _ = world
    with engine.begin() as conn:  # a script changes values directly: the summary is not current
        conn.execute(update(IndicatorValue).where(IndicatorValue.unit_code == LD[0].code,
                                                  IndicatorValue.indicator_code == "population")
                     .values(value=IndicatorValue.value * 2))
        conn.execute(insert(IndicatorValue).values(indicator_code="fiveg_stations", unit_code=HN[0].code,
                                                   period=dt.date(2025, 4, 30), value=7.0))
        conn.execute(delete(IndicatorValue).where(IndicatorValue.unit_code == LD[1].code,
                                                  IndicatorValue.period == dt.date(2025, 6, 30)))
    _assert_equal_to_live(engine, _codes(), DATES, served=False)
    assert indicators.indicator_totals("01", dt.date(2025, 4, 30), engine)["fiveg_stations"] == 7
    # the next import rebuilds the whole summary: current again, and equal
    _import(engine, admin, [indicator_row("Lâm Đồng", None, LD[2].code, "07/2025", 2, 20.0, 2000)], "later.xlsx")
    _assert_equal_to_live(engine, _codes() + [LD[2].code], DATES)
    assert indicators.indicator_totals("01", dt.date(2025, 4, 30), engine)["fiveg_stations"] == 7
    # and rebuilding by hand gives the same rows as maintaining them
    _assert_same_rows_as_rebuilt(engine)


def _assert_same_rows_as_rebuilt(engine) -> None:
    with engine.connect() as conn:
        maintained, maintained_uploads = _rows(conn), _uploaded_rows(conn)
    rollups.rebuild_database(engine)
    with engine.connect() as conn:
        rebuilt, rebuilt_uploads = _rows(conn), _uploaded_rows(conn)
    assert [row[:3] for row in rebuilt] == [row[:3] for row in maintained]
    assert _close(rebuilt, maintained)
    assert rebuilt_uploads == maintained_uploads


def _uploaded_rows(conn) -> list:
    return sorted(tuple(row) for row in conn.execute(select(UploadedValueRows.__table__)))


def _rows(conn) -> list:
    return sorted((tuple(row) for row in conn.execute(select(IndicatorRollup.__table__))),
                  key=lambda row: row[:3])


def test_approved_only_mode_keeps_the_live_definition(world):
    engine, admin, _ = world
    approver = accounts.create_account("tw.duyet", PASSWORD, "approver", "VN", actor="cli:test", engine=engine)
    change_setting("figures_counted", "approved", engine, user="cli:test")
    june = dt.date(2025, 6, 30)
    assert indicator_rollups.partials(get_unit("68", engine), june, ["fiveg_stations"], engine) is None
    assert indicators.indicator_totals("68", june, engine)["fiveg_stations"] is None  # nothing approved yet
    approvals.decide("approve", "68", dt.date(2025, 6, 1), actor="tw.duyet", account=approver, engine=engine)
    counted = indicators.indicator_totals("68", june, engine)
    with rollups.live():
        assert counted == indicators.indicator_totals("68", june, engine)
    assert counted["fiveg_stations"] == 4  # only June is approved: LD[1]'s June value
    change_setting("figures_counted", "submitted", engine, user="cli:test")
    _assert_equal_to_live(engine, _codes(), DATES)


def test_the_migration_backfills_the_summary_from_stored_values(world):
    """Revision 0021 on a database holding values: the summary is built from them and current."""
    from alembic import command

    from data_loaders.store import engine as db

    engine, _, _ = world
    config = db.alembic_config(engine)
    command.downgrade(config, "0020")
    command.upgrade(config, "head")
    _assert_equal_to_live(engine, _codes(), DATES)
