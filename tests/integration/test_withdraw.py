"""Withdrawing an upload (issue 13, item 6): the figures — and every stored row — return exactly to
what they were before it; only its uploader (or an administrator) may, and not after a later upload
changed what it wrote. Both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from data_loaders import figures
from data_loaders.identity import accounts
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.withdraw import WithdrawRefused, withdraw_upload
from data_loaders.store import engine as db
from data_loaders.store.models import IndicatorValue, Task, TaskReport, Upload
from tests.support.cli import run_cli
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
AS_OF = dt.date(2025, 6, 30)
LD = communes("68", 2)


def _stored(engine) -> tuple:
    """Every task, report and value as stored, with its provenance."""
    with engine.connect() as conn:
        return tuple(sorted(tuple(map(str, row)) for row in conn.execute(select(*table.columns)))
                     for table in (Task.__table__, TaskReport.__table__, IndicatorValue.__table__))


def _figures(engine) -> dict:
    return {code: figures.summary(code, AS_OF, engine) for code in ("VN", "68", LD[0].code)}


@pytest.fixture
def world(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    base = [task_row("XA-1", province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã", progress=40),
            task_row("LD-1", province="Lâm Đồng")]
    assert import_file(workbook_bytes(base, TASK_HEADERS), "base.xlsx", engine=engine, account=admin,
                       today=TODAY).status == "imported"
    values = [indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 10, 20.5, 5000)]
    assert import_file(workbook_bytes(values, INDICATOR_HEADERS), "values.xlsx", engine=engine, account=admin,
                       today=TODAY).status == "imported"
    clerk = accounts.create_account("ld.baocao", PASSWORD, "reporter", "68", actor="cli:test", engine=engine)
    other = accounts.create_account("ld.khac", PASSWORD, "reporter", "68", actor="cli:test", engine=engine)
    return engine, clerk, other


def _clerk_upload(engine, clerk, progress: int, name: str):
    tasks = [task_row("XA-1", province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã",
                      progress=progress, official="Trần Thị B"),  # same date: an update, and a new official
             task_row("XA-1", province="Lâm Đồng", commune=LD[0].name, agency="Ủy ban nhân dân xã",
                      report="30/06/2025", progress=progress + 10, official="Trần Thị B"),  # a new report
             task_row("LD-NEW", province="Lâm Đồng", title="Nhiệm vụ mới của tỉnh")]  # a new task
    result = import_file(workbook_bytes(tasks, TASK_HEADERS), name, engine=engine, account=clerk, today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    return result.upload_id


def test_withdrawing_returns_every_figure_and_row_exactly(world):
    engine, clerk, _ = world
    stored, shown, version = _stored(engine), _figures(engine), db.data_version(engine)
    tasks_upload = _clerk_upload(engine, clerk, 70, "june.xlsx")
    values = [indicator_row("Lâm Đồng", None, LD[0].code, "05/2025", 14, 30.0, 5200),  # updates
              indicator_row("Lâm Đồng", None, LD[1].code, "06/2025", 3, 10.0, 4000)]  # new values
    values_upload = import_file(workbook_bytes(values, INDICATOR_HEADERS), "values-june.xlsx", engine=engine,
                                account=clerk, today=TODAY).upload_id
    assert _figures(engine) != shown
    withdraw_upload(values_upload, actor="ld.baocao", engine=engine)
    withdrawal = withdraw_upload(tasks_upload, actor="ld.baocao", engine=engine)
    assert _stored(engine) == stored and _figures(engine) == shown
    assert db.data_version(engine) == withdrawal > version  # every process drops its cached figures
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(Upload.id, Upload.status)).all())
    assert statuses[tasks_upload] == statuses[values_upload] == "withdrawn"
    # withdrawn bytes may be uploaded again (they are no longer "already imported")
    assert _clerk_upload(engine, clerk, 70, "june.xlsx") > withdrawal


def test_only_the_uploader_and_not_after_a_later_change(world):
    engine, clerk, other = world
    first = _clerk_upload(engine, clerk, 60, "a.xlsx")
    with pytest.raises(WithdrawRefused) as refused:
        withdraw_upload(first, actor="ld.khac", engine=engine)
    assert refused.value.key == "withdraw_not_yours"
    second = _clerk_upload(engine, clerk, 80, "b.xlsx")  # changes the reports the first one wrote
    with pytest.raises(WithdrawRefused) as refused:
        withdraw_upload(first, actor="ld.baocao", engine=engine)
    assert refused.value.key == "withdraw_changed_later" and refused.value.params["later"] == second
    withdraw_upload(second, actor="admin", is_admin=True, engine=engine)  # an administrator may
    withdraw_upload(first, actor="ld.baocao", engine=engine)
    with pytest.raises(WithdrawRefused, match="withdraw_not_imported"):
        withdraw_upload(first, actor="ld.baocao", engine=engine)


def test_the_withdraw_command(world):
    engine, clerk, _ = world
    upload = _clerk_upload(engine, clerk, 65, "c.xlsx")
    url = engine.url.render_as_string(hide_password=False)
    refused = run_cli(url, "withdraw", str(upload), "--user", "ld.khac", "--json", lang="en")
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "refused"
    done = run_cli(url, "withdraw", str(upload), "--user", "ld.baocao", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["status"] == "withdrawn"
    assert run_cli(url, "withdraw", "abc").returncode == 2
