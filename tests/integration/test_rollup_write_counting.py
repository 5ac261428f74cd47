"""The write-counting triggers behind the summaries maintained at commit (migrations 0020–0022): a write
around the application makes a summary not current; on PostgreSQL a transaction counts once, however many
statements it runs (a row-by-row write stays linear), and a write after the summary was marked current in
the same transaction counts again; the importer's bulk write of indicator values counts once on SQLite too
(rollups.counted_once), its triggers in place afterwards."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from data_loaders.figures import indicator_rollups, rollups
from data_loaders.ingest.importer import import_file
from data_loaders.store.models import Agency, RollupState, Task, TaskReport
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, communes, indicator_row, plan_code, workbook_bytes


def _writes(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(RollupState.writes).where(RollupState.name == name)).scalar_one()


def _task(conn) -> int:
    agency = conn.execute(insert(Agency).values(name="Bộ Khoa học và Công nghệ")).inserted_primary_key[0]
    return conn.execute(insert(Task).values(
        code="T-1", title="Nhiệm vụ", plan=plan_code(), area="institutions", lead_agency_id=agency,
        owner_unit_code="68", responsible_official="Nguyễn Văn A", deadline=dt.date(2025, 12, 31),
    )).inserted_primary_key[0]


def test_many_single_row_statements_in_one_transaction(empty_engine):
    before = _writes(empty_engine, rollups.TASKS)
    with empty_engine.begin() as conn:
        task_id = _task(conn)
        for day in range(1, 301):  # 300 statements, as a driver's executemany sends them
            conn.execute(insert(TaskReport).values(task_id=task_id, report_date=dt.date(2024, 1, 1)
                                                   + dt.timedelta(days=day), status="on_schedule",
                                                   progress_pct=10.0))
    counted = _writes(empty_engine, rollups.TASKS) - before
    if empty_engine.dialect.name == "postgresql":
        assert counted == 1  # the transaction's first write only
    else:
        assert counted == 301  # SQLite's row triggers: one a row
    with empty_engine.connect() as conn:
        assert not rollups.is_current(conn)  # written around the application: the live definition is used


def test_a_write_after_marking_current_counts_again(empty_engine):
    with empty_engine.begin() as conn:
        task_id = _task(conn)
        rollups.mark_current(conn)
        assert rollups.is_current(conn)
        conn.execute(insert(TaskReport).values(task_id=task_id, report_date=dt.date(2025, 1, 1),
                                               status="completed", progress_pct=100.0))
        assert not rollups.is_current(conn)
    with empty_engine.connect() as conn:
        assert not rollups.is_current(conn)


def test_indicator_writes_are_counted_once_a_transaction_too(empty_engine):
    with empty_engine.begin() as conn:
        rollups.mark_current(conn, indicator_rollups.INDICATORS)
    before = _writes(empty_engine, indicator_rollups.INDICATORS)
    with empty_engine.begin() as conn:
        for month in range(1, 13):
            conn.exec_driver_sql(
                "INSERT INTO indicator_value (indicator_code, unit_code, period, value) "
                f"VALUES ('fiveg_stations', '68', '2025-{month:02d}-28', 50)")
    counted = _writes(empty_engine, indicator_rollups.INDICATORS) - before
    assert counted == (1 if empty_engine.dialect.name == "postgresql" else 12)
    with empty_engine.connect() as conn:
        assert not indicator_rollups.is_current(conn)


def test_an_import_counts_its_write_once_and_leaves_the_triggers_counting(empty_engine):
    """The importer's bulk write (rollups.counted_once: on SQLite the row triggers are set aside for it,
    in its transaction) counts once, leaves the summary current, and every counting trigger in place:
    a write around the application afterwards is counted."""
    def triggers():
        if empty_engine.dialect.name != "sqlite":
            return None
        with empty_engine.connect() as conn:
            return conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "ORDER BY name").all()

    before = triggers()
    rows = [indicator_row("Lâm Đồng", None, unit.code, f"0{month}/2025", month, 50.0, 1000)
            for unit in communes("68", 3) for month in (4, 5, 6)]
    result = import_file(workbook_bytes(rows, INDICATOR_HEADERS), "values.xlsx", engine=empty_engine,
                         today=dt.date(2025, 7, 15))
    assert result.status == "imported" and result.created == 27
    assert triggers() == before
    with empty_engine.connect() as conn:
        assert indicator_rollups.is_current(conn)
    with empty_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE indicator_value SET value = value + 1 WHERE indicator_code = 'fiveg_stations'")
    with empty_engine.connect() as conn:
        assert not indicator_rollups.is_current(conn)
