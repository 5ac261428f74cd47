"""Directions and their answers (data_loaders/follow_up): who may write, read, answer and close
them, their states at a date, an answer's new status committed through the importer, and evidence
checked for being what it claims. Both backends."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from data_loaders.figures.directions import direction_counts
from data_loaders.follow_up import directions
from data_loaders.follow_up.directions import AnswerRefused
from data_loaders.identity import accounts, audit
from data_loaders.identity.accounts import AccountError
from data_loaders.ingest.importer import import_file
from data_loaders.store.models import DirectionAnswer, Evidence, Task, TaskReport, Upload
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes

PASSWORD = "a long enough password"
ACTOR = "cli:test"
LAM_DONG = "68"
LD_COMMUNES = communes(LAM_DONG, 2)
NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.timezone.utc)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(empty_engine):
    engine = empty_engine
    admin = accounts.create_first_admin("admin", PASSWORD, engine=engine)
    tasks = [
        task_row("LD-1", province="Lâm Đồng"),
        task_row("XA-1", province="Lâm Đồng", commune=LD_COMMUNES[0].name, agency="Ủy ban nhân dân xã"),
        task_row("XB-1", province="Lâm Đồng", commune=LD_COMMUNES[1].name, agency="Ủy ban nhân dân xã"),
    ]
    result = import_file(workbook_bytes(tasks, TASK_HEADERS), "base.xlsx", engine=engine, account=admin,
                         today=dt.date(2025, 6, 20))
    assert result.status == "imported"
    people = {
        "admin": admin,
        "leader": accounts.create_account("lanh.dao", PASSWORD, "viewer", "VN", actor=ACTOR, engine=engine),
        "province_leader": accounts.create_account("ld.lanhdao", PASSWORD, "viewer", LAM_DONG, actor=ACTOR,
                                                   engine=engine),
        "commune_a": accounts.create_account("xa.a", PASSWORD, "reporter", LD_COMMUNES[0].code, actor=ACTOR,
                                             engine=engine),
        "commune_b": accounts.create_account("xa.b", PASSWORD, "reporter", LD_COMMUNES[1].code, actor=ACTOR,
                                             engine=engine),
    }
    return engine, people


def test_a_leader_directs_a_task_and_the_commune_answers_with_a_new_status_and_a_pdf(world):
    engine, people = world
    direction_id = directions.create_direction(people["province_leader"], text="Báo cáo rõ nguyên nhân chậm",
                                               task_code="XA-1", due_date=dt.date(2025, 7, 10),
                                               addressed_to="Nguyễn Văn A", engine=engine, now=NOW)
    listed = directions.list_directions(people["commune_a"], LD_COMMUNES[0].code, dt.date(2025, 7, 1), engine=engine)
    assert [(row["id"], row["task_code"], row["state"]) for row in listed] == [(direction_id, "XA-1", "open")]

    answer_id = directions.answer_direction(people["commune_a"], direction_id, text="Đã hoàn thành, gửi biên bản",
                                            status="completed", report_date=dt.date(2025, 7, 2),
                                            files=[("bien-ban.pdf", PDF)], engine=engine,
                                            now=NOW + dt.timedelta(days=1))
    with engine.connect() as conn:
        report = conn.execute(select(TaskReport.status, TaskReport.progress_pct, Upload.file_name, Upload.uploaded_by)
                              .join(Task, Task.id == TaskReport.task_id).join(Upload, Upload.id == TaskReport.upload_id)
                              .where(Task.code == "XA-1", TaskReport.report_date == dt.date(2025, 7, 2))).one()
        upload_id = conn.execute(select(DirectionAnswer.upload_id).where(DirectionAnswer.id == answer_id)).scalar_one()
    assert report.status == "completed" and report.progress_pct == 100
    assert report.file_name.startswith(f"chi-dao-{direction_id}-") and report.uploaded_by == "xa.a"
    assert upload_id is not None

    # the author sees the answer and its evidence, and may download it (audited)
    answers = directions.direction_answers(people["province_leader"], direction_id, engine=engine)
    assert [a["text"] for a in answers] == ["Đã hoàn thành, gửi biên bản"]
    (item,) = answers[0]["evidence"]
    assert (item["file_name"], item["media_type"], item["size"]) == ("bien-ban.pdf", "application/pdf", len(PDF))
    assert directions.evidence_download(people["province_leader"], item["id"], engine=engine) == (
        "bien-ban.pdf", "application/pdf", PDF)
    actions = [e["action"] for e in audit.entries(engine=engine)]
    assert {"direction_created", "direction_answered", "evidence_download", "upload_committed"} <= set(actions)

    directions.close_direction(people["province_leader"], direction_id, engine=engine, now=NOW + dt.timedelta(days=3))
    day = dt.date(2025, 7, 5)
    assert directions.list_directions(people["admin"], "VN", day, engine=engine)[0]["state"] == "closed"


def test_states_follow_the_one_rule_at_each_date(world):
    engine, people = world
    leader = people["leader"]
    due = dt.date(2025, 7, 10)
    overdue_id = directions.create_direction(leader, text="A", task_code="XA-1", due_date=due, engine=engine, now=NOW)
    answered_id = directions.create_direction(leader, text="B", task_code="XB-1", due_date=due, engine=engine, now=NOW)
    directions.create_direction(leader, text="C", unit_code=LAM_DONG, engine=engine, now=NOW)  # no due date: open
    directions.answer_direction(people["commune_b"], answered_id, text="Đang xử lý", engine=engine,
                                now=NOW + dt.timedelta(days=2))
    assert direction_counts("VN", dt.date(2025, 6, 30), engine)["total"] == 0  # not written yet
    on_due = direction_counts("VN", due, engine)
    assert (on_due["open"], on_due["answered"], on_due["overdue"]) == (2, 1, 0)  # due today is not overdue
    after = direction_counts(LAM_DONG, due + dt.timedelta(days=1), engine)
    assert (after["open"], after["answered"], after["overdue"], after["total"]) == (1, 1, 1, 3)
    assert direction_counts(LD_COMMUNES[0].code, due + dt.timedelta(days=1), engine)["overdue"] == 1
    states = [(r["id"], r["state"]) for r in directions.list_directions(leader, "VN", due + dt.timedelta(days=1),
                                                                          engine=engine)]
    assert states[0] == (overdue_id, "overdue")  # most urgent first


def test_scope_a_commune_neither_reads_nor_answers_another_communes_directions(world):
    engine, people = world
    direction_id = directions.create_direction(people["leader"], text="Khẩn trương", task_code="XA-1",
                                               engine=engine, now=NOW)
    assert directions.list_directions(people["commune_b"], LD_COMMUNES[1].code, dt.date(2025, 7, 2),
                                      engine=engine) == []
    with pytest.raises(AccountError) as refused:
        directions.list_directions(people["commune_b"], LD_COMMUNES[0].code, dt.date(2025, 7, 2), engine=engine)
    assert refused.value.key == "not_permitted"
    for call in (lambda: directions.direction_answers(people["commune_b"], direction_id, engine=engine),
                 lambda: directions.answer_direction(people["commune_b"], direction_id, text="x", engine=engine)):
        with pytest.raises(AccountError, match="not_permitted"):
            call()
    # a reporter does not direct, a commune reporter cannot close a leader's direction
    with pytest.raises(AccountError, match="not_permitted"):
        directions.create_direction(people["commune_a"], text="x", unit_code=LD_COMMUNES[0].code, engine=engine)
    with pytest.raises(AccountError, match="not_permitted"):
        directions.close_direction(people["commune_a"], direction_id, engine=engine)
    # a province leader cannot direct outside the province
    with pytest.raises(AccountError, match="not_permitted"):
        directions.create_direction(people["province_leader"], text="x", unit_code="01", engine=engine)


def test_evidence_must_be_what_it_claims_and_a_rejected_answer_writes_nothing(world):
    engine, people = world
    direction_id = directions.create_direction(people["leader"], text="Gửi minh chứng", task_code="XA-1",
                                               engine=engine, now=NOW)
    answer = dict(text="Minh chứng kèm theo", engine=engine)
    for name, content, key in [("bao-cao.pdf", b"MZ\x90\x00 an executable", "evidence_not_what_it_claims"),
                               ("script.exe", b"MZ\x90\x00", "evidence_type_refused"),
                               ("empty.pdf", b"", "evidence_empty"),
                               ("so-lieu.docx", _xlsx(), "evidence_not_what_it_claims")]:
        with pytest.raises(AccountError) as refused:
            directions.answer_direction(people["commune_a"], direction_id, files=[(name, content)], **answer)
        assert refused.value.key == key
    with pytest.raises(AnswerRefused) as rejected:  # progress over 100 fails the importer's validation
        directions.answer_direction(people["commune_a"], direction_id, progress_pct=250, **answer)
    assert rejected.value.result.errors
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DirectionAnswer)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(Evidence)).scalar_one() == 0
    directions.answer_direction(people["commune_a"], direction_id, files=[("so-lieu.xlsx", _xlsx())], **answer)
    with engine.connect() as conn:
        assert conn.execute(select(Evidence.media_type)).scalar_one().endswith("spreadsheetml.sheet")


def test_annotations_are_added_by_leaders_in_scope_and_removed_by_their_author(world):
    from data_loaders.follow_up import annotations

    engine, people = world
    note = annotations.add_annotation(people["province_leader"], LAM_DONG, "fiveg_stations", dt.date(2025, 5, 1),
                                      "từ 05/2025 tính cả trạm 5G dùng chung", engine=engine)
    assert [(a["id"], a["text"]) for a in annotations.annotations_for(LAM_DONG, ("fiveg_stations",),
                                                                      engine=engine)] == [
        (note, "từ 05/2025 tính cả trạm 5G dùng chung")]
    for person, unit, key in ((people["commune_a"], LAM_DONG, "not_permitted"),  # a reporter does not annotate
                              (people["province_leader"], "01", "not_permitted"),  # outside the province
                              (people["leader"], LAM_DONG, "annotation_text_too_long")):
        with pytest.raises(AccountError) as refused:
            annotations.add_annotation(person, unit, "fiveg_stations", dt.date(2025, 5, 1), "x" * 301,
                                       engine=engine)
        assert refused.value.key == key
    with pytest.raises(AccountError, match="annotation_unknown_indicator"):
        annotations.add_annotation(people["leader"], LAM_DONG, "no_such", dt.date(2025, 5, 1), "x", engine=engine)
    with pytest.raises(AccountError, match="not_permitted"):
        annotations.remove_annotation(people["leader"], note, engine=engine)  # not its author
    annotations.remove_annotation(people["province_leader"], note, engine=engine)
    assert annotations.annotations_for(LAM_DONG, engine=engine) == []
    actions = [e["action"] for e in audit.entries(engine=engine)]
    assert "annotation_added" in actions and "annotation_removed" in actions


def test_a_deck_has_a_directions_slide_only_where_directions_were_written(world):
    from pptx import Presentation

    from reports.pptx_deck import deck_pptx
    from reports.slides import build_slides

    engine, people = world
    direction_id = directions.create_direction(people["province_leader"], text="Khẩn trương hoàn thành lắp đặt",
                                               task_code="XA-1", due_date=dt.date(2025, 7, 10), engine=engine,
                                               now=NOW)
    directions.answer_direction(people["commune_a"], direction_id, text="Đã lắp xong 3/5 trạm", engine=engine,
                                now=NOW + dt.timedelta(days=2))
    before = build_slides(LAM_DONG, dt.date(2025, 6, 30), engine=engine)
    assert "directions" not in before.kinds  # none written by then
    deck = build_slides(LAM_DONG, dt.date(2025, 7, 5), engine=engine, lang="vi")
    slide = deck.slides[deck.kinds.index("directions")]
    assert slide.number == len(deck.slides)
    assert slide.sentence == "1 ý kiến chỉ đạo: 0 quá hạn trả lời, 0 chờ trả lời, 1 đã trả lời."
    assert slide.bullets == ["[Đã trả lời] XA-1 · " + LD_COMMUNES[0].name
                             + ": Khẩn trương hoàn thành lắp đặt — Trả lời: Đã lắp xong 3/5 trạm"]
    assert slide.url.split("?")[0].endswith("/directions")
    text = "\n".join(shape.text_frame.text for s in Presentation(io.BytesIO(deck_pptx(deck))).slides
                     for shape in s.shapes if shape.has_text_frame)
    assert "Đã lắp xong 3/5 trạm" in text


def test_a_note_on_the_coverage_series_shows_on_the_deck_slide(world):
    from data_loaders.follow_up import annotations
    from reports.slides import build_slides

    engine, people = world
    annotations.add_annotation(people["province_leader"], LAM_DONG, "fiveg_coverage_pct", dt.date(2025, 5, 1),
                               "từ 05/2025 tính cả trạm 5G dùng chung", engine=engine)
    deck = build_slides(LAM_DONG, dt.date(2025, 6, 30), engine=engine)
    slide = deck.slides[deck.kinds.index("infrastructure")]
    assert slide.bullets == ["1. 01/05/2025: từ 05/2025 tính cả trạm 5G dùng chung"]
    assert "từ 05/2025 tính cả trạm 5G dùng chung" in slide.notes(deck.source, "vi")
    earlier = build_slides(LAM_DONG, dt.date(2025, 4, 30), engine=engine)  # noted after that date: not shown
    assert earlier.slides[earlier.kinds.index("infrastructure")].bullets == []


def test_the_slideshow_sees_a_new_direction_and_note_at_once(world):
    """Issue 17: writing a direction or a note moves no data version. The slideshow's outline counts the
    directions afresh, its directions slide is never kept, and a kept infrastructure slide is keyed on its notes."""
    from data_loaders.follow_up import annotations
    from reports.slides import build_slide, build_slides, deck_context, deck_outline, unversioned

    engine, people = world
    day = dt.date(2025, 7, 5)

    def context():
        return deck_context(LAM_DONG, day, engine=engine)

    assert "directions" not in [slide.kind for slide in deck_outline(context())]
    notes_before = unversioned(context(), "infrastructure")
    directions.create_direction(people["province_leader"], text="Khẩn trương hoàn thành lắp đặt", task_code="XA-1",
                                due_date=dt.date(2025, 7, 10), engine=engine, now=NOW)
    annotations.add_annotation(people["province_leader"], LAM_DONG, "fiveg_coverage_pct", dt.date(2025, 5, 1),
                               "từ 05/2025 tính cả trạm 5G dùng chung", engine=engine)
    outline = deck_outline(context())
    deck = build_slides(LAM_DONG, day, engine=engine)
    assert [slide.kind for slide in outline] == deck.kinds and outline[-1].kind == "directions"
    assert build_slide(context(), "directions", outline[-1].number).bullets == deck.slides[-1].bullets
    assert unversioned(context(), "directions") is None
    assert unversioned(context(), "infrastructure") != notes_before
