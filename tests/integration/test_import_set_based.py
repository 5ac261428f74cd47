"""The set-based indicator write on PostgreSQL (issue 17, item 6): values COPYed into a staging table,
one INSERT … SELECT and one UPDATE … FROM, the foreign keys checked once per sheet. It must leave
exactly the rows, ids, provenance and undo entries of the row-by-row path it replaced, whether the
per-row foreign-key triggers are skipped or not, refuse a value whose commune does not exist, and a
withdrawal must restore every value. Both backends (on SQLite the row-by-row path is the only one)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from data_loaders.ingest import commit as commit_module
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.withdraw import withdraw_upload
from data_loaders.store.engine import make_engine
from data_loaders.store.models import IndicatorValue, Upload, UploadUndo
from tests.support.databases import TEMPLATES, drop_database
from tests.support.fixtures.workbooks import INDICATOR_HEADERS, communes, indicator_row, workbook_bytes

TODAY = dt.date(2025, 7, 15)
LD = communes("68", 4)


def _sheets() -> list[bytes]:
    """A first sheet of new values, then one that changes some, leaves some and adds others."""
    first = [indicator_row("Lâm Đồng", None, c.code, period, 10 + i, 20.5 + i, 5000 + i)
             for i, c in enumerate(LD) for period in ("04/2025", "05/2025")]
    second = [indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 14, 20.5, 5001),  # two values change
              indicator_row("Lâm Đồng", None, LD[1].code, "05/2025", 11, 21.5, 5001),  # unchanged
              indicator_row("Lâm Đồng", None, LD[2].code, "06/2025", 3, 10.0, 4000),  # new
              indicator_row("Lâm Đồng", None, LD[3].code, "04/2025", 0, 99.9, 5003)]  # two change
    return [workbook_bytes(first, INDICATOR_HEADERS), workbook_bytes(second, INDICATOR_HEADERS)]


def _state(engine) -> tuple:
    """Every value with its id and provenance, every undo entry (its JSON read back), the counts."""
    with engine.connect() as conn:
        values = sorted(tuple(row) for row in conn.execute(select(*IndicatorValue.__table__.columns)))
        undo = sorted((row.upload_id, row.table_name, row.row_id, json.dumps(row.before, sort_keys=True))
                      for row in conn.execute(select(UploadUndo)))
        uploads = sorted(tuple(row) for row in conn.execute(select(Upload.id, Upload.status, Upload.created,
                                                                   Upload.updated, Upload.unchanged)))
    return values, undo, uploads


def _run(engine) -> tuple[list, tuple]:
    """Both sheets imported; the results and the values as they were after the first."""
    results, after_first = [], None
    for n, content in enumerate(_sheets()):
        results.append(import_file(content, f"sheet{n}.xlsx", engine=engine, today=TODAY, user="test"))
        after_first = after_first or _state(engine)[0]
    assert [r.status for r in results] == ["imported", "imported"], [p.as_json() for r in results for p in r.errors]
    assert (results[1].created, results[1].updated, results[1].unchanged) == (3, 4, 5)
    return results, after_first


@pytest.fixture
def second_engine(empty_engine, tmp_path):
    """Another database of the same backend, for the row-by-row reference run."""
    url = TEMPLATES.copy("empty", empty_engine.dialect.name, "set_based_reference", tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.mark.parametrize("triggers", ["skipped", "kept"])
def test_same_rows_and_undo_as_the_row_by_row_path(empty_engine, second_engine, monkeypatch, triggers):
    if triggers == "kept":  # a role that may not set session_replication_role: every row is checked
        monkeypatch.setattr(commit_module, "_references_checked", lambda *_args: False)
    set_based = []
    real = commit_module._set_based
    monkeypatch.setattr(commit_module, "_set_based", lambda conn: set_based.append(real(conn)) or real(conn))
    results, after_first = _run(empty_engine)
    assert set_based == [empty_engine.dialect.name == "postgresql"] * 2
    monkeypatch.setattr(commit_module, "_set_based", lambda conn: False)
    _run(second_engine)
    state = _state(empty_engine)
    assert state == _state(second_engine)
    values, undo, _ = state
    assert len(after_first) == 24 and len(values) == 27 and len(undo) == 4
    # the undo entries hold what the second upload overwrote: the first upload's values and rows
    first, second = results[0].upload_id, results[1].upload_id
    assert all(entry[0] == second and json.loads(entry[3])["upload_id"] == first for entry in undo)
    withdraw_upload(second, actor="test", is_admin=True, engine=empty_engine)
    assert _state(empty_engine)[0] == after_first


def test_a_missing_commune_is_refused_and_the_triggers_come_back(empty_engine):
    """Written past the validator (which never lets an unknown commune through), a value whose commune
    does not exist is refused by the database itself; the per-row triggers are on again afterwards."""
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("the set-based write is PostgreSQL's")
    import psycopg

    engine = empty_engine
    period = dt.date(2025, 5, 31)
    with engine.connect() as conn:
        upload_id = conn.execute(text(
            "INSERT INTO upload (file_name, kind, sha256, uploaded_by, uploaded_at, status, rows, messages, "
            "created, updated, unchanged) VALUES ('x.xlsx', 'indicators', 'x', 'test', now(), 'imported', 1, "
            "'{}', 0, 0, 0) RETURNING id")).scalar_one()
        conn.commit()
        good = ("fiveg_stations", LD[0].code, period, 3.0, upload_id, 4)
        with conn.begin():
            commit_module._upsert_indicators_postgresql(conn, upload_id, [good], [])
            assert conn.execute(text("SHOW session_replication_role")).scalar_one() == "origin"
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            with conn.begin():
                commit_module._upsert_indicators_postgresql(
                    conn, upload_id, [("fiveg_stations", "99999", period, 3.0, upload_id, 5)], [])
        assert conn.execute(text("SHOW session_replication_role")).scalar_one() == "origin"
        assert conn.execute(select(IndicatorValue.unit_code)).scalars().all() == [LD[0].code]


def test_a_write_that_outgrows_the_statistics_analyses_before_the_summary(empty_engine, monkeypatch):
    """The summary's refresh is planned on the planner's statistics: a first import into a table they
    count empty (never analysed) analyses it in the import's transaction, and so does one that grows it
    by more than a tenth of what they count; a small addition to a counted table does not."""
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    analysed = []
    real = commit_module._statistics_kept
    monkeypatch.setattr(commit_module, "_statistics_kept",
                        lambda cursor, inserted: analysed.append(inserted) or real(cursor, inserted))

    def counted() -> float:
        with empty_engine.connect() as conn:
            return conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'indicator_value'::regclass"))\
                .scalar_one()

    assert counted() < 0  # never analysed
    first, second = _sheets()
    assert import_file(first, "first.xlsx", engine=empty_engine, today=TODAY, user="test").status == "imported"
    assert analysed == [24] and counted() == 24  # analysed inside the import: every value counted
    monkeypatch.setattr(commit_module, "STALE_SHARE", 0.5)  # the next file's 3 new values: under the share
    assert import_file(second, "second.xlsx", engine=empty_engine, today=TODAY, user="test").status == "imported"
    assert analysed == [24, 3] and counted() == 24  # not analysed: the statistics still count the first file
