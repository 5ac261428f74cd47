"""Who may do what (data_loaders/access.py), and the scope check every upload goes through: a
province, a commune and a ministry reporter may upload inside their scope only; an upload carrying
any row outside it is rejected whole, naming each such row, and changes no figure. Runs on SQLite,
and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from data_loaders import figures
from data_loaders.identity import access, accounts, audit
from data_loaders.identity.accounts import AccountError
from data_loaders.ingest import history as uploads
from data_loaders.ingest.importer import import_file
from data_loaders.store.models import IndicatorValue, Task, TaskReport, Upload
from tests.support.fixtures.workbooks import (
    INDICATOR_HEADERS,
    TASK_HEADERS,
    communes,
    indicator_row,
    task_row,
    workbook_bytes,
)

TODAY = dt.date(2025, 7, 15)
AS_OF = dt.date(2025, 6, 30)
ACTOR = "cli:test"
PASSWORD = "a long enough password"
LAM_DONG, HA_NOI = "68", "01"
MINISTRY = "Bộ Khoa học và Công nghệ"
LD_COMMUNES = communes(LAM_DONG, 3)
HN_COMMUNE = communes(HA_NOI, 1)[0]


def run(engine, content: bytes, account, name: str = "upload.xlsx", **kwargs):
    return import_file(content, name, engine=engine, today=TODAY, lang="en", account=account, **kwargs)


def data_counts(engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Task, TaskReport, IndicatorValue))


def figures_of(engine) -> dict:
    return {code: figures.summary(code, AS_OF, engine)
            for code in ("VN", LAM_DONG, HA_NOI, LD_COMMUNES[0].code, HN_COMMUNE.code)}


@pytest.fixture
def world(empty_engine):
    """An administrator's base data (tasks of Lâm Đồng, one of its communes, Hà Nội and a ministry;
    indicator values of communes in both provinces) and one account of each kind."""
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    tasks = [
        task_row("LD-1", province="Lâm Đồng"),
        task_row("LD-X-1", province="Lâm Đồng", commune=LD_COMMUNES[0].name, agency="Ủy ban nhân dân xã"),
        task_row("HN-1", province="Hà Nội", agency="Sở Khoa học và Công nghệ Hà Nội"),
        task_row("BO-1", province="Trung ương", agency=MINISTRY),
        task_row("BO-2", province="Trung ương", agency="Bộ Tài chính"),
    ]
    assert run(engine, workbook_bytes(tasks, TASK_HEADERS), admin, "base_tasks.xlsx").status == "imported"
    values = [indicator_row("Lâm Đồng", None, c.code, "06/2025", 10, 20.5, 5000) for c in LD_COMMUNES[:2]]
    values.append(indicator_row("Hà Nội", None, HN_COMMUNE.code, "06/2025", 7, 30, 8000))
    assert run(engine, workbook_bytes(values, INDICATOR_HEADERS), admin, "base_values.xlsx").status == "imported"
    people = {
        "admin": admin,
        "province": accounts.create_account("ld.reporter", PASSWORD, "reporter", LAM_DONG, actor=ACTOR, engine=engine),
        "commune": accounts.create_account("xa.reporter", PASSWORD, "reporter", LD_COMMUNES[0].code, actor=ACTOR,
                                           engine=engine),
        "ministry": accounts.create_account("bo.khcn", PASSWORD, "reporter", "VN", agency="bo khoa hoc va cong nghe",
                                            actor=ACTOR, engine=engine),
        "viewer": accounts.create_account("lanh.dao", PASSWORD, "viewer", "VN", actor=ACTOR, engine=engine),
    }
    return engine, people


# --- may / scopes -----------------------------------------------------------------------------


def _account(role: str, scope: str = "VN", agency: str | None = None, disabled: bool = False) -> accounts.Account:
    return accounts.Account(1, "x", "x", None, role, scope, agency, disabled, dt.datetime.now(dt.timezone.utc), None)


@pytest.mark.parametrize("role, allowed", [
    ("viewer", {"view", "export"}),
    ("reporter", {"view", "export", "upload"}),
    ("admin", set(access.ACTIONS)),
])
def test_each_role_may_do_exactly_its_actions(role, allowed):
    person = _account(role)
    assert {action for action in access.ACTIONS if access.may(person, action)} == allowed
    assert not any(access.may(_account(role, disabled=True), action) for action in access.ACTIONS)


def test_nobody_signed_in_reads_only_in_public_read_only_mode():
    assert not any(access.may(None, action) for action in access.ACTIONS)
    assert {a for a in access.ACTIONS if access.may(None, a, public_read_only=True)} == {"view", "export"}
    with pytest.raises(ValueError):
        access.may(_account("admin"), "delete_everything")


def test_check_permission_reads_public_read_only_from_the_database(empty_engine):
    from data_loaders.identity.admin import change_setting

    with pytest.raises(AccountError) as refused:
        access.check_permission(None, "view", engine=empty_engine)
    assert refused.value.key == "not_permitted"
    change_setting("public_read_only", True, empty_engine, user="admin")
    access.check_permission(None, "view", engine=empty_engine)
    with pytest.raises(AccountError):
        access.check_permission(None, "upload", engine=empty_engine)


def test_viewable_scope_and_units():
    province, commune = _account("viewer", LAM_DONG), _account("reporter", LD_COMMUNES[0].code)
    assert access.viewable_scope(None) == "VN" and access.viewable_scope(_account("admin")) == "VN"
    assert access.viewable_scope(province) == LAM_DONG
    assert access.may_view_unit(province, LAM_DONG) and access.may_view_unit(province, LD_COMMUNES[1].code)
    assert access.may_view_unit(province, 68)  # codes as typed, without leading zeros
    assert not access.may_view_unit(province, "VN") and not access.may_view_unit(province, HA_NOI)
    assert not access.may_view_unit(province, HN_COMMUNE.code)
    assert access.may_view_unit(commune, LD_COMMUNES[0].code)
    assert not access.may_view_unit(commune, LAM_DONG) and not access.may_view_unit(commune, LD_COMMUNES[1].code)
    assert access.may_view_unit(_account("viewer"), HN_COMMUNE.code) and access.may_view_unit(None, "VN")
    assert not access.may_view_unit(_account("viewer"), "99999") and not access.may_view_unit(province, "abc")
    assert not access.may_view_unit(_account("viewer", disabled=True), "VN")


def test_upload_scope_labels_in_both_languages():
    assert access.upload_scope_label(_account("reporter", LAM_DONG),
                                     "vi") == "Lâm Đồng và các xã, phường, đặc khu trực thuộc"
    assert access.upload_scope_label(_account("reporter", LAM_DONG), "en") == "Lâm Đồng and its communes"
    commune = LD_COMMUNES[0]
    assert access.upload_scope_label(_account("reporter", commune.code), "vi") == f"{commune.name} (Lâm Đồng)"
    assert access.upload_scope_label(_account("reporter", "VN", MINISTRY), "en") == f"Tasks led by {MINISTRY}"
    assert access.upload_scope_label(_account("viewer"), "vi") == "Không có quyền tải lên"
    assert access.upload_scope_label(None, "en") == "No upload rights"
    assert "administrator" in access.upload_scope_label(_account("admin"), "en")


# --- uploads inside and outside the scope -----------------------------------------------------


def test_province_reporter_uploads_its_province_and_communes(world):
    engine, people = world
    content = workbook_bytes([
        task_row("LD-1", province="Lâm Đồng", progress=60),
        task_row("LD-2", province="Lâm Đồng", commune=LD_COMMUNES[1].name),
    ], TASK_HEADERS)
    result = run(engine, content, people["province"], user="ignored")
    assert result.status == "imported", [p.message("en") for p in result.errors]
    [latest] = uploads.list_uploads(limit=1, engine=engine)
    assert latest["uploaded_by"] == "ld.reporter"
    [entry] = audit.entries(action="upload_committed", actor="ld.reporter", engine=engine)
    assert entry["detail"]["upload_id"] == result.upload_id and entry["target"] == "upload.xlsx"

    values = workbook_bytes([indicator_row("Lâm Đồng", None, c.code, "06/2025", 12, 21, 5000) for c in LD_COMMUNES],
                            INDICATOR_HEADERS)
    assert run(engine, values, people["province"]).status == "imported"


def test_rows_of_another_province_reject_the_whole_upload_and_change_nothing(world):
    engine, people = world
    before, figures_before = data_counts(engine), figures_of(engine)
    content = workbook_bytes([
        task_row("LD-1", province="Lâm Đồng", progress=90),            # row 4: fine
        task_row("HN-1", province="Hà Nội", progress=90),              # row 5: another province
        task_row("HN-9", province="Hà Nội", commune=HN_COMMUNE.name),  # row 6: a commune of it
        task_row("LD-3", province="Lâm Đồng"),                         # row 7: fine
    ], TASK_HEADERS)
    result = run(engine, content, people["province"], "tien_do_lam_dong.xlsx")
    assert result.status == "rejected" and result.details == {"out_of_scope": True}
    assert [(p.sheet, p.row, p.column, p.value) for p in result.errors] == [
        ("Báo cáo", 5, "Tỉnh/Thành phố", "Hà Nội"), ("Báo cáo", 6, "Xã/Phường", HN_COMMUNE.name)]
    assert result.errors[0].message("en") == "Thành phố Hà Nội (01) is outside your scope (Lâm Đồng and its communes)."
    assert HN_COMMUNE.code in result.errors[1].message("en") and "Hà Nội" in result.errors[1].message("en")
    assert data_counts(engine) == before and figures_of(engine) == figures_before
    [latest] = uploads.list_uploads(limit=1, engine=engine)
    assert (latest["status"], latest["uploaded_by"], latest["errors"]) == ("rejected", "ld.reporter", 2)
    [entry] = audit.entries(action="upload_rejected", engine=engine)
    assert entry["actor"] == "ld.reporter" and entry["outcome"] == "refused" and entry["detail"]["out_of_scope"]
    assert not audit.entries(action="upload_committed", actor="ld.reporter", engine=engine)


def test_messages_follow_the_language(world):
    engine, people = world
    content = workbook_bytes([task_row("HN-1", province="Hà Nội", progress=90)], TASK_HEADERS)
    result = import_file(content, "x.xlsx", engine=engine, today=TODAY, lang="vi", account=people["province"])
    # one problem, kept as a key with its unit and scope: written in whichever language reads it
    assert result.errors[0].message("vi") == ("Thành phố Hà Nội (01) nằm ngoài phạm vi được giao "
                                              "(Lâm Đồng và các xã, phường, đặc khu trực thuộc).")
    assert result.errors[0].message("en") == "Thành phố Hà Nội (01) is outside your scope (Lâm Đồng and its communes)."
    with engine.connect() as conn:
        [stored] = conn.execute(select(Upload.messages).order_by(Upload.id.desc())).scalars().first()["errors"]
    assert stored == {"sheet": "Báo cáo", "row": 4, "column": "Tỉnh/Thành phố", "value": "Hà Nội",
                      "key": "scope_unit_outside",
                      "params": {"unit": {"unit": "01"},
                                 "scope": {"key": "scope_label_province", "params": {"unit": "Lâm Đồng"}}}}


def test_a_task_of_another_province_cannot_be_reported_on_or_taken_over(world):
    engine, people = world
    before = data_counts(engine)
    no_unit = task_row("HN-1", province=None, progress=95)  # an existing task, unit left blank
    taken_over = task_row("HN-1", province="Lâm Đồng", report="20/06/2025")  # moved into the scope
    result = run(engine, workbook_bytes([no_unit, taken_over], TASK_HEADERS), people["province"])
    assert result.status == "rejected"
    assert [(p.row, p.column, p.value) for p in result.errors] == [
        (4, "Mã nhiệm vụ", "HN-1"), (5, "Mã nhiệm vụ", "HN-1")]
    assert all("Task HN-1 belongs to Thành phố Hà Nội (01)" in p.message("en") for p in result.errors)
    assert data_counts(engine) == before


def test_commune_reporter_uploads_its_commune_only(world):
    engine, people = world
    own, sibling = LD_COMMUNES[0], LD_COMMUNES[1]
    ok = workbook_bytes([task_row("LD-X-1", province="Lâm Đồng", commune=own.name, progress=70)], TASK_HEADERS)
    assert run(engine, ok, people["commune"]).status == "imported"
    values = workbook_bytes([indicator_row("Lâm Đồng", None, own.code, "06/2025", 11, 22, 5000)], INDICATOR_HEADERS)
    assert run(engine, values, people["commune"]).status == "imported"

    before, figures_before = data_counts(engine), figures_of(engine)
    bad_tasks = workbook_bytes([
        task_row("LD-X-1", province="Lâm Đồng", commune=own.name, progress=80),
        task_row("LD-1", province="Lâm Đồng", progress=80),                      # the province's own task
        task_row("LD-X-2", province="Lâm Đồng", commune=sibling.name),           # a neighbouring commune
    ], TASK_HEADERS)
    result = run(engine, bad_tasks, people["commune"])
    assert result.status == "rejected" and [p.row for p in result.errors] == [5, 6]
    bad_values = workbook_bytes([indicator_row("Lâm Đồng", None, c.code, "06/2025", 99, 50, 5000) for c in (own,
                                                                                                            sibling)],
                                INDICATOR_HEADERS)
    result = run(engine, bad_values, people["commune"])
    assert result.status == "rejected"
    assert [(p.row, p.column, p.value) for p in result.errors] == [(5, "Mã xã", sibling.code)]
    assert data_counts(engine) == before and figures_of(engine) == figures_before


def test_ministry_reporter_uploads_the_tasks_its_agency_leads(world):
    engine, people = world
    assert people["ministry"].agency == MINISTRY  # stored as the database spells it
    # the agency typed without diacritics and in capitals still matches; an existing task may leave it blank
    ok = workbook_bytes([task_row("BO-1", province="Trung ương", agency="BO KHOA HOC VA CONG NGHE", progress=75),
                         task_row("BO-3", province="Trung ương", agency=MINISTRY),
                         task_row("BO-1", province=None, agency=None, report="20/06/2025", progress=80)], TASK_HEADERS)
    result = run(engine, ok, people["ministry"])
    assert result.status == "imported", [p.message("en") for p in result.errors]

    before, figures_before = data_counts(engine), figures_of(engine)
    bad = workbook_bytes([
        task_row("BO-1", province="Trung ương", agency=MINISTRY, progress=85),
        task_row("BO-2", province="Trung ương", agency="Bộ Tài chính", progress=85),  # another ministry's task
        task_row("BO-2", province=None, agency=None, report="20/06/2025"),          # the same, agency left blank
    ], TASK_HEADERS)
    result = run(engine, bad, people["ministry"])
    assert result.status == "rejected"
    assert [(p.row, p.column) for p in result.errors] == [(5, "Cơ quan chủ trì"), (6, "Mã nhiệm vụ")]
    assert result.errors[0].message("en") == f"The task is led by Bộ Tài chính, not by {MINISTRY}."
    assert result.errors[1].message("en") == f"Task BO-2 is led by Bộ Tài chính, not by {MINISTRY}."
    no_agency = workbook_bytes([task_row("BO-9", province="Trung ương", agency=None)], TASK_HEADERS)
    result = run(engine, no_agency, people["ministry"])  # a new task must name its agency anyway
    assert [(p.row, p.column) for p in result.errors] == [(4, "Cơ quan chủ trì")]
    assert "Task" not in result.errors[0].message("en")
    handed_over = workbook_bytes([task_row("BO-1", province="Trung ương", agency="Bộ Tài chính", report="21/06/2025")],
                                 TASK_HEADERS)
    result = run(engine, handed_over, people["ministry"])
    assert [(p.row, p.column, p.value) for p in result.errors] == [(4, "Cơ quan chủ trì", "Bộ Tài chính")]

    values = workbook_bytes([indicator_row("Lâm Đồng", None, LD_COMMUNES[0].code, "06/2025", 1, 1, 5000)],
                            INDICATOR_HEADERS)
    result = run(engine, values, people["ministry"])
    assert result.status == "rejected" and len(result.errors) == 1
    expected = f"The account of {MINISTRY} may upload task progress only, not indicator values."
    assert result.errors[0].message("en") == expected
    assert data_counts(engine) == before and figures_of(engine) == figures_before


def test_viewer_and_disabled_reporter_may_not_upload(world):
    engine, people = world
    before, uploads_before = data_counts(engine), len(uploads.list_uploads(engine=engine))
    content = workbook_bytes([task_row("LD-1", province="Lâm Đồng", progress=99)], TASK_HEADERS)
    with pytest.raises(AccountError) as refused:
        run(engine, content, people["viewer"])
    assert refused.value.key == "not_permitted"
    # the account as the page remembered it still says enabled; the database says otherwise
    accounts.set_disabled("ld.reporter", True, actor=ACTOR, engine=engine)
    with pytest.raises(AccountError):
        run(engine, content, people["province"])
    # an Account claiming more than is stored is judged by what is stored
    with pytest.raises(AccountError):
        run(engine, content, dataclasses.replace(people["viewer"], role="admin"))
    # nothing changed, but every refused attempt is in the history and the audit trail, as its sender's
    assert data_counts(engine) == before
    attempts = uploads.list_uploads(engine=engine)[:len(uploads.list_uploads(engine=engine)) - uploads_before]
    assert [(a["uploaded_by"], a["status"], a["kind"], a["errors"]) for a in attempts] == [
        ("lanh.dao", "rejected", None, 1), ("ld.reporter", "rejected", None, 1), ("lanh.dao", "rejected", None, 1)]
    refusals = audit.entries(action="upload_rejected", engine=engine)
    assert [e["actor"] for e in refusals] == ["lanh.dao", "ld.reporter", "lanh.dao"]
    assert [(e["detail"]["reason"], e["detail"]["upload_id"]) for e in refusals] == [
        ("not_permitted", a["id"]) for a in attempts]
    # in a dry run (a preview not recorded) the refusal is still audited, with nothing in the history
    with pytest.raises(AccountError):
        run(engine, content, people["viewer"], dry_run=True)
    assert len(uploads.list_uploads(engine=engine)) == uploads_before + 3
    assert audit.entries(action="upload_rejected", limit=1, engine=engine)[0]["detail"] == {"reason": "not_permitted"}


def test_preview_is_checked_too_and_admin_uploads_anything(world):
    engine, people = world
    content = workbook_bytes([task_row("HN-1", province="Hà Nội", progress=91)], TASK_HEADERS)
    preview = run(engine, content, people["province"], dry_run=True)
    assert preview.status == "rejected" and preview.upload_id is None
    assert run(engine, content, people["admin"]).status == "imported"
    national = accounts.create_account("tw.reporter", PASSWORD, "reporter", "VN", actor=ACTOR, engine=engine)
    content = workbook_bytes([task_row("HN-1", province="Hà Nội", progress=92)], TASK_HEADERS)
    assert run(engine, content, national).status == "imported"


def test_without_an_account_nothing_changes_for_the_system_loader(world):
    engine, _ = world
    content = workbook_bytes([task_row("HN-1", province="Hà Nội", progress=93)], TASK_HEADERS)
    result = import_file(content, "system.xlsx", engine=engine, today=TODAY, user="sample")
    assert result.status == "imported"
    assert uploads.list_uploads(limit=1, engine=engine)[0]["uploaded_by"] == "sample"
