"""Briefing decks (reports/): the national and a province deck as .pptx and PDF, the A4 brief, the
slide model's sentences, links and figures, the pictures on the slides, and the `python -m reports` command
line (chart images themselves: tests/test_charts_render.py).
Each database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader
from sqlalchemy import exists, select

from data_loaders import figures
from data_loaders.figures.cache import Reader
from data_loaders.figures.views import view_url
from data_loaders.i18n import format_date, format_number, format_percent, t
from data_loaders.store.models import AdminUnit, Task
from reports.compose import BODY_MIN_SIZE, SlideImages, deck_pages, page_boxes, slide_images
from reports.layout import TextBox, paragraph_text, wrap
from reports.pdf import deck_pdf, province_brief
from reports.pptx_deck import deck_pptx
from reports.qr import qr_png
from reports.slides import SLIDE_KINDS, build_slides, sibling_rank
from tests.support import PROJECT_DIR
from tests.support.builder import Builder

AS_OF = dt.date(2025, 6, 30)
PROVINCE = "68"  # Lâm Đồng
BASE_URL = "https://nq57.example.gov.vn"


def pptx_texts(content: bytes) -> tuple[list[str], list[str]]:
    """(text on each slide, speaker notes of each slide)."""
    presentation = Presentation(io.BytesIO(content))
    texts, notes = [], []
    for slide in presentation.slides:
        texts.append("\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame))
        notes.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
    return texts, notes


@pytest.fixture(scope="module")
def national(seeded_engine):
    deck = build_slides("VN", AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    images = slide_images(deck)
    return deck, deck_pptx(deck, images), deck_pdf(deck, images)


def pages_of(deck) -> list:
    """The pages of a deck's .pptx and PDF (compose.deck_pages), without rendering the charts."""
    return deck_pages(deck, [SlideImages(b"chart" if slide.chart is not None else None, qr_png(slide.url))
                             for slide in deck.slides])


def test_national_deck_opens_with_the_slides_in_order_and_the_conference_figures(national):
    deck, pptx, _ = national
    presentation = Presentation(io.BytesIO(pptx))
    assert presentation.slide_width / presentation.slide_height == pytest.approx(16 / 9, rel=1e-3)
    texts, notes = pptx_texts(pptx)
    assert deck.kinds == list(SLIDE_KINDS)
    pages = pages_of(deck)  # the slides, and the continuation of the warnings (issue 12)
    assert len(texts) == len(pages) > len(SLIDE_KINDS)
    assert [page.slide.kind for page in pages if not page.continued] == list(SLIDE_KINDS)
    titles = [t("deck_title", "vi")] + [t(f"deck_slide_{kind}", "vi") for kind in SLIDE_KINDS[1:]]
    for number, (text, page) in enumerate(zip(texts, pages), start=1):
        title = titles[SLIDE_KINDS.index(page.slide.kind)]
        if page.continued:
            title = f"{title} (tiếp)"
        assert title in text, f"page {number} should be '{title}'"
        assert "Số liệu tính đến 30/06/2025" in text
        # numbered as the slideshow numbers the slide, a continuation page "(tiếp)" after its slide's number
        label = f"Trang {page.slide.number}/{len(deck.slides)}" + (" (tiếp)" if page.continued else "")
        assert label in text and (page.continued or f"{label} (tiếp)" not in text)
    everything = "\n".join(texts)
    for figure in ("802", "239", "427", "136", "12.106", "26,5%"):
        assert figure in everything
    assert "12,106" not in everything  # Vietnamese number format, not English


def test_speaker_notes_carry_exact_figures_source_and_live_link(national):
    deck, pptx, _ = national
    _, notes = pptx_texts(pptx)
    headline = notes[SLIDE_KINDS.index("headline")]
    assert "Tổng số nhiệm vụ: 802" in headline and "Quá hạn: 136" in headline and "Trạm 5G: 12.106" in headline
    for note, slide in zip(notes, deck.slides):
        assert "nq57_tien_do_nhiem_vu_mau_2025-06_" in note  # the latest uploads the figures come from (June)
        assert "30/06/2025" in note  # freshness
        assert slide.url in note and slide.url.startswith(BASE_URL)


def test_every_picture_is_a_valid_non_empty_image(national):
    deck, pptx, _ = national
    pictures = [shape for slide in Presentation(io.BytesIO(pptx)).slides for shape in slide.shapes
                if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    charts = sum(1 for slide in deck.slides if slide.chart is not None)
    assert charts >= 6
    assert len(pictures) == len(pages_of(deck)) + charts  # a QR code on every page, plus each chart
    for picture in pictures:
        blob = picture.image.blob
        assert len(blob) > 200
        with Image.open(io.BytesIO(blob)) as image:
            image.verify()
        with Image.open(io.BytesIO(blob)) as image:
            assert image.width > 50 and image.height > 50
    chart_pixels = [Image.open(io.BytesIO(p.image.blob)).width for p in pictures if p.width > p.height * 1.2]
    assert min(chart_pixels) >= 900  # rendered at scale 2: sharp on a projector


def test_pdf_has_one_page_per_slide_and_continuation_pages(national):
    deck, _, pdf = national
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(pages_of(deck))
    box = reader.pages[0].mediabox
    assert float(box.width) / float(box.height) == pytest.approx(16 / 9, rel=1e-3)
    text = reader.pages[SLIDE_KINDS.index("headline")].extract_text()
    assert "12.106" in text and "Các chỉ số chính" in text  # Vietnamese glyphs embedded, not boxes


def test_province_deck_carries_the_province_summary(seeded_engine):
    summary = figures.summary(PROVINCE, AS_OF, engine=seeded_engine)
    deck = build_slides(PROVINCE, AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    texts, notes = pptx_texts(deck_pptx(deck))
    everything = "\n".join(texts + notes)
    assert summary["unit"]["name"] in texts[0]
    tasks, values = summary["tasks"], summary["indicators"]
    for key, label in (("total", "Tổng số nhiệm vụ"), ("completed", "Đã hoàn thành"),
                       ("on_schedule", "Đang thực hiện theo lộ trình"), ("overdue", "Quá hạn")):
        assert f"{label}: {format_number(tasks[key], 'vi')}" in everything
    assert f"Trạm 5G: {format_number(values['fiveg_stations'], 'vi')}" in everything
    assert format_percent(values["fiveg_coverage_pct"], "vi") in everything
    assert format_number(values["digital_tech_enterprises"], "vi") in everything


def test_headline_sentence_states_the_on_time_rate_overdue_and_rank_among_provinces(seeded_engine):
    deck = build_slides(PROVINCE, AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    status = figures.task_status(PROVINCE, AS_OF, engine=seeded_engine)
    provinces = [row for row in figures.ranking("VN", AS_OF, "child", engine=seeded_engine)
                 if not row.get("own") and row["total"]]
    rank = next(row["rank"] for row in provinces if row["key"] == PROVINCE)  # as the accountability page ranks
    rate = format_percent(100 * (status["total"] - status["overdue"]) / status["total"], "vi", 0)
    sentence = deck.slides[SLIDE_KINDS.index("headline")].sentence
    assert sentence == (f"Lâm Đồng: {rate} nhiệm vụ đúng hạn, {status['overdue']} quá hạn, "
                        f"xếp thứ {rank}/{len(provinces)}.")
    assert len(provinces) == 34
    national = figures.get_unit("VN", engine=seeded_engine)
    assert sibling_rank(national, AS_OF, Reader(seeded_engine)) is None


def test_task_status_slide_states_the_change_since_the_comparison_date(seeded_engine):
    since = dt.date(2025, 3, 31)
    deck = build_slides("VN", AS_OF, compare=since, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    before = figures.task_status("VN", since, engine=seeded_engine)
    slide = deck.slides[SLIDE_KINDS.index("task_status")]
    change = 239 - before["completed"]
    assert "Từ 31/03/2025 đến 30/06/2025" in slide.sentence
    assert f"239 nhiệm vụ đã hoàn thành (+{format_number(change, 'vi')})" in slide.sentence
    assert any(f.label == "Quá hạn" and f.change == f"+{format_number(136 - before['overdue'], 'vi')}"
               for f in slide.figures)


def test_lagging_and_agency_slides_list_the_most_overdue_first(seeded_engine):
    deck = build_slides("VN", AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    lagging = deck.slides[SLIDE_KINDS.index("lagging_children")]
    overdue = [figure.raw for figure in lagging.figures]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] > 0
    children = {row["name"]: row for row in figures.task_status_by_child("VN", AS_OF, engine=seeded_engine)}
    assert children[lagging.figures[0].label]["overdue"] == max(r["overdue"] for r in children.values() if not r["own"])
    agencies = deck.slides[SLIDE_KINDS.index("overdue_by_agency")]
    top = figures.task_status_by("VN", AS_OF, "lead_agency", engine=seeded_engine)[0]
    assert agencies.figures[0].label == top["key"] and top["key"] in agencies.sentence


def test_english_deck_has_english_text(seeded_engine):
    deck = build_slides("VN", AS_OF, lang="en", engine=seeded_engine, base_url=BASE_URL)
    texts, notes = pptx_texts(deck_pptx(deck))
    everything = "\n".join(texts + notes)
    for text in ("Headline figures", "Figures as of 30 Jun 2025", "12,106", "Scan to open live", "Exact figures:",
                 "Nationwide: 83% of tasks on time, 136 overdue."):
        assert text in everything
    for vietnamese in ("Số liệu tính đến", "Các chỉ số chính", "12.106", "Quét để xem"):
        assert vietnamese not in everything


def test_a4_brief_is_one_a4_page(seeded_engine):
    pdf = province_brief(PROVINCE, AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert "Lâm Đồng" in text and "Số liệu tính đến 30/06/2025" in text


def test_links_follow_the_query_string_contract(seeded_engine):
    commune = figures.get_unit("24781", engine=seeded_engine)
    url = urlparse(view_url(BASE_URL + "/", "tasks", commune, AS_OF, dt.date(2025, 3, 31), slide=3))
    assert url.path == "/tasks"
    assert parse_qs(url.query) == {"province": ["68"], "commune": ["24781"], "as_of": ["2025-06-30"],
                                   "compare": ["2025-03-31"], "slide": ["3"]}
    deck = build_slides(PROVINCE, AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    for slide in deck.slides:
        query = parse_qs(urlparse(slide.presentation_url).query)
        assert urlparse(slide.presentation_url).path == "/presentation"
        assert query == {"province": [PROVINCE], "as_of": ["2025-06-30"], "slide": [str(slide.number)]}
    assert urlparse(deck.slides[SLIDE_KINDS.index("infrastructure")].url).path == "/infrastructure"


def test_base_url_comes_from_the_setting(empty_engine):
    from data_loaders.identity.admin import change_setting

    change_setting("public_base_url", "https://dashboard.example.vn/nq57", empty_engine, user="test")
    deck = build_slides("VN", AS_OF, engine=empty_engine)
    assert all(slide.url.startswith("https://dashboard.example.vn/nq57/") for slide in deck.slides)


def test_commune_deck_has_no_ranking_of_units_below(seeded_engine):
    deck = build_slides("24781", AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    assert "lagging_children" not in deck.kinds
    assert deck.kinds == [kind for kind in SLIDE_KINDS if kind != "lagging_children"]
    assert deck.slides[0].subtitle == "Phường Xuân Hương - Đà Lạt · Lâm Đồng"


def test_empty_database_gives_a_deck_that_says_so(empty_engine):
    deck = build_slides("VN", AS_OF, lang="vi", engine=empty_engine, base_url=BASE_URL)
    assert deck.kinds == list(SLIDE_KINDS)
    assert "chưa có nhiệm vụ nào" in deck.slides[SLIDE_KINDS.index("headline")].sentence
    assert deck.source == t("deck_source_none", "vi")
    assert len(PdfReader(io.BytesIO(deck_pdf(deck))).pages) == len(SLIDE_KINDS)
    assert len(Presentation(io.BytesIO(deck_pptx(deck))).slides) == len(SLIDE_KINDS)


TASK_SLIDE_KINDS = ("headline", "task_status", "overdue_by_agency")


def _commune_without_tasks(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(select(AdminUnit.code).where(
            AdminUnit.level == "commune", ~exists().where(Task.owner_unit_code == AdminUnit.code))
            .order_by(AdminUnit.code).limit(1)).scalar_one()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_commune_without_tasks_says_so_on_every_task_slide(seeded_engine, lang):
    code = _commune_without_tasks(seeded_engine)
    deck = build_slides(code, AS_OF, lang=lang, engine=seeded_engine, base_url=BASE_URL)
    slides = dict(zip(deck.kinds, deck.slides))
    no_tasks = t("deck_no_tasks_sentence", lang, unit=deck.unit_label, date=format_date(AS_OF, lang))
    for kind in TASK_SLIDE_KINDS:
        assert slides[kind].sentence.startswith(no_tasks), (kind, slides[kind].sentence)
        assert slides[kind].chart is None, kind
    # "no warnings" alone would read as "every task on track"
    assert slides["warnings"].sentence.endswith(
        t("deck_warnings_no_tasks", lang, unit=deck.unit_label, date=format_date(AS_OF, lang)))
    assert len(PdfReader(io.BytesIO(deck_pdf(deck))).pages) == len(deck.slides)
    texts, _ = pptx_texts(deck_pptx(deck))
    assert no_tasks in texts[deck.kinds.index("task_status")]


def test_a_province_without_tasks_says_so_on_the_lagging_slide(empty_engine):
    builder = Builder(empty_engine)
    builder.task("T1", dt.date(2025, 3, 31), [(dt.date(2025, 1, 15), "in_progress", 20)])  # a commune of 68
    builder.commit()
    lang = "vi"
    empty = build_slides("01", AS_OF, lang=lang, engine=empty_engine, base_url=BASE_URL)
    slides = dict(zip(empty.kinds, empty.slides))
    assert slides["lagging_children"].sentence == t("deck_lagging_no_tasks", lang, unit=empty.unit_label,
                                                    date=format_date(AS_OF, lang))
    assert "chưa đơn vị trực thuộc nào có nhiệm vụ" in slides["lagging_children"].sentence
    assert slides["lagging_children"].chart is None
    # the province with the (overdue) task lists its commune instead
    owner = build_slides("68", AS_OF, lang=lang, engine=empty_engine, base_url=BASE_URL)
    lagging = dict(zip(owner.kinds, owner.slides))["lagging_children"]
    assert lagging.units == [("24781", "Phường Xuân Hương - Đà Lạt")]
    warnings = dict(zip(owner.kinds, owner.slides))["warnings"]
    no_tasks = t("deck_warnings_no_tasks", lang, unit=owner.unit_label, date=format_date(AS_OF, lang))
    assert no_tasks not in warnings.sentence


def test_unknown_unit_raises(seeded_engine):
    with pytest.raises(figures.UnknownUnit):
        build_slides("99999", AS_OF, engine=seeded_engine)


# --- command line ---------------------------------------------------------------------------


def run_reports(database_url: str, *args: str, lang: str = "vi") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8", "NQ57_LANG": lang}
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_cli_writes_a_deck_and_a_brief(seeded_url, seeded_engine, tmp_path):
    out = tmp_path / "deck.pdf"
    result = run_reports(seeded_url, "deck", "--unit", "VN", "--as-of", "2025-06-30", "--out", str(out))
    assert result.returncode == 0, result.stderr
    deck = build_slides("VN", AS_OF, lang="vi", engine=seeded_engine)
    assert len(PdfReader(out).pages) == len(pages_of(deck))
    assert str(out) in result.stdout
    pptx = tmp_path / "lam_dong.pptx"
    result = run_reports(seeded_url, "deck", "--unit", "68", "--compare", "2025-03-31", "--lang", "en", "--out",
                         str(pptx))
    assert result.returncode == 0, result.stderr
    texts, _ = pptx_texts(pptx.read_bytes())
    assert "Lâm Đồng" in texts[0] and "Headline figures" in texts[1]
    brief = tmp_path / "brief.pdf"
    result = run_reports(seeded_url, "brief", "--unit", "68", "--out", str(brief))
    assert result.returncode == 0, result.stderr
    assert len(PdfReader(brief).pages) == 1


def test_cli_deck_defaults_to_the_apps_database_and_the_latest_data_date(seeded_url, seeded_engine, tmp_path):
    out = tmp_path / "deck.pptx"
    result = run_reports(seeded_url, "deck", "--unit", PROVINCE, "--out", str(out))  # no --as-of
    assert result.returncode == 0, result.stderr
    latest = figures.latest_data_date(seeded_engine)
    texts, _ = pptx_texts(out.read_bytes())
    assert t("as_of_caption", "vi", date=format_date(latest, "vi")) in texts[0]  # the database DATABASE_URL names
    assert texts == pptx_texts(deck_pptx(build_slides(PROVINCE, latest, lang="vi", engine=seeded_engine)))[0]
    for command in ("deck", "brief", "snapshot"):
        shown = " ".join(run_reports(seeded_url, command, "--help").stdout.split())
        assert "DATABASE_URL, else var/nq57.sqlite" in shown and "latest data date" in shown, command


@pytest.mark.parametrize("args, message", [
    (("deck", "--unit", "99999", "--out", "x.pptx"), "Không có đơn vị hành chính mã 99999"),
    (("deck", "--unit", "VN", "--as-of", "2025-13-40", "--out", "x.pptx"), "Ngày không hợp lệ: 2025-13-40"),
    (("deck", "--unit", "VN", "--compare", "hôm qua", "--out", "x.pptx"), "Ngày không hợp lệ: hôm qua"),
    (("deck", "--unit", "VN", "--out", "x.docx"), "x.docx"),
    (("brief", "--unit", "24781", "--out", "x.pdf"), "không phải tỉnh"),
    (("brief", "--unit", "68", "--out", "x.pptx"), "x.pptx"),
    (("brief", "--out", "x.pdf"), "--all-provinces"),
])
def test_cli_errors_are_one_line_and_exit_2(seeded_url, tmp_path, args, message):
    result = run_reports(seeded_url, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [] and not (PROJECT_DIR / "x.pptx").exists()


def test_cli_messages_follow_the_language(seeded_url):
    result = run_reports(seeded_url, "deck", "--unit", "99999", "--lang", "en", "--out", "x.pptx")
    assert result.returncode == 2 and "No administrative unit has code 99999" in result.stderr


# --- QR codes that point to localhost, and names that fit beside bars (issue 12) ---------------------------------


@pytest.mark.parametrize("url, local", [
    ("http://localhost:8501", True), ("http://localhost:8501/tasks?province=68", True), ("http://127.0.0.1:8501", True),
    ("http://[::1]:8501/", True), ("http://0.0.0.0:8501", True), ("http://app.localhost/", True),
    ("http://169.254.10.2/", True), ("", True), ("localhost:8501", True),
    (BASE_URL, False), ("https://dashboard.example.vn/nq57/presentation?slide=2", False),
    ("http://10.20.0.5:8501", False), ("http://203.113.0.9/", False),
])
def test_url_is_local_tells_links_a_phone_cannot_open(url, local):
    from data_loaders.store.settings import url_is_local

    assert url_is_local(url) is local


def test_a_deck_whose_qr_codes_point_to_localhost_says_so_on_every_slide(empty_engine):
    """The default public_base_url is http://localhost:8501: each slide's QR caption turns into a red warning in
    the .pptx and the PDF, and the A4 brief carries it under its code; a public address brings the caption back."""
    local = build_slides("VN", AS_OF, lang="vi", engine=empty_engine)
    assert local.base_url == "http://localhost:8501"
    warning, caption = t("slides_qr_local_deck", "vi"), t("deck_scan_qr", "vi")
    texts, _ = pptx_texts(deck_pptx(local))
    assert all(warning in text and caption not in text for text in texts)
    pdf_text = PdfReader(io.BytesIO(deck_pdf(local))).pages[1].extract_text().replace("\n", " ")
    assert "localhost" in pdf_text
    brief = PdfReader(io.BytesIO(province_brief("VN", AS_OF, engine=empty_engine, deck=local))).pages[0]
    assert "localhost" in brief.extract_text()

    public = build_slides("VN", AS_OF, lang="en", engine=empty_engine, base_url=BASE_URL)
    texts, _ = pptx_texts(deck_pptx(public))
    assert all(t("deck_scan_qr", "en") in text and "localhost" not in text for text in texts)
    assert "localhost" not in PdfReader(io.BytesIO(province_brief("VN", AS_OF, engine=empty_engine,
                                                                  deck=public))).pages[0].extract_text()


def test_wrapped_label_breaks_long_names_at_spaces():
    from charts.status import wrapped_label

    assert wrapped_label("Bộ Y tế", 26) == "Bộ Y tế"
    long_name = "Văn phòng Ủy ban nhân dân thành phố Hà Nội"
    assert wrapped_label(long_name, 26) == "Văn phòng Ủy ban nhân dân\nthành phố Hà Nội"
    lines = wrapped_label("Ban Chỉ đạo Trung ương về phát triển khoa học công nghệ đổi mới sáng tạo", 20, lines=2)
    assert lines.count("\n") == 1 and lines.endswith("…") and all(len(line) <= 20 for line in lines.split("\n"))
    assert wrapped_label("Siêu-dài-không-có-khoảng-trắng-nào-cả", 10) == "Siêu-dài-không-có-khoảng-trắng-nào-cả"


@pytest.mark.parametrize("kind", ["lagging_children", "overdue_by_agency"])
def test_names_beside_the_bars_of_a_slide_are_wrapped_not_cut(seeded_engine, kind):
    """The agency and unit names of the bar slides come in lines of at most CHART_LABEL_WIDTH characters that Vega
    draws one under the other (labelExpr split), with nothing cut; the tooltip keeps the whole name."""
    from reports.slides import CHART_LABEL_WIDTH

    deck = build_slides("VN", AS_OF, lang="vi", engine=seeded_engine, base_url=BASE_URL)
    slide = deck.slides[SLIDE_KINDS.index(kind)]
    spec = slide.chart.to_dict()
    field = spec["encoding"]["y"]["field"]
    assert "split(datum.label" in spec["encoding"]["y"]["axis"]["labelExpr"]
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    rows = next(iter(spec["datasets"].values()))
    names = {row["name"] for row in rows}
    assert {figure.label for figure in slide.figures} == names  # every full name is beside the chart (and notes)
    if kind == "overdue_by_agency":  # "Văn phòng Ủy ban nhân dân thành phố Hà Nội"
        assert any("\n" in row[field] for row in rows), "a long name is broken onto lines"
    for row in rows:
        assert all(len(line) <= CHART_LABEL_WIDTH for line in row[field].split("\n") if " " in line)
        assert row[field].replace("\n", " ") == row["name"]  # wrapped, never cut
    assert spec["encoding"]["tooltip"][0]["field"] == "name"


# --- the conference snapshot (issue 17) ---------------------------------------------------------------------------


def test_snapshot_writes_a_static_briefing_with_svg_charts_and_qr_codes(seeded_url, tmp_path):
    import json as json_module

    out = tmp_path / "snapshot" / "lam-dong"
    result = run_reports(seeded_url, "snapshot", "--unit", "68", "--as-of", "2025-06-30", "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json_module.loads((out / "snapshot.json").read_text(encoding="utf-8"))
    assert manifest["unit"]["code"] == "68" and manifest["as_of"] == "2025-06-30"
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "Lâm Đồng" in html and "Số liệu tính đến 30/06/2025" in html
    for slide in manifest["slides"]:
        assert f'id="slide-{slide["number"]}"' in html
        assert (out / f"qr-{slide['number']}.png").read_bytes().startswith(b"\x89PNG")
    charts = sorted(out.glob("slide-*.svg"))
    assert charts and all(path.read_text(encoding="utf-8").lstrip().startswith("<svg") for path in charts)
    # the sample's public address is the default localhost: every QR code says so instead of linking
    assert html.count(t("slides_qr_local_deck", "vi")) == len(manifest["slides"]) and '<a href="http' not in html
    again = run_reports(seeded_url, "snapshot", "--unit", "68", "--lang", "en", "--out", str(out))  # replaced whole
    assert again.returncode == 0, again.stderr
    assert '<html lang="en">' in (out / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["lam-dong"]  # no staging folder left behind


# --- warnings a back row can read (issue 12) ------------------------------------------------------------------------


def _body_boxes(boxes: list) -> list[TextBox]:
    return [box for box in boxes if isinstance(box, TextBox) and paragraph_text(box.paragraphs[0]).startswith("• ")]


@pytest.mark.parametrize("unit, lang", [("VN", "vi"), ("68", "en")])
def test_warnings_stay_readable_and_go_on_over_continuation_slides(seeded_engine, unit, lang):
    """The warnings slide never shrinks its list below BODY_MIN_SIZE: each page's list fits its box at its size, and
    what does not fit goes on to "(cont.)" pages, every warning whole, once and in order."""
    deck = build_slides(unit, AS_OF, lang=lang, engine=seeded_engine, base_url=BASE_URL)
    pages = pages_of(deck)
    warnings = deck.slides[SLIDE_KINDS.index("warnings")]
    shown = [page for page in pages if page.slide is warnings]
    assert len(warnings.bullets) >= 4
    assert [bullet for page in shown for bullet in page.bullets] == warnings.bullets  # none dropped or repeated
    assert [page.continued for page in shown] == [False] + [True] * (len(shown) - 1)
    sizes = set()
    if unit == "VN":  # five long task warnings and "… and 233 more" do not fit one slide at a readable size
        assert len(shown) >= 2
    for number, page in enumerate(pages, start=1):
        if page.slide.chart is not None:  # a chart slide lists no bullets on the slide (they are in its notes)
            continue
        boxes = page_boxes(deck, page)
        bodies = _body_boxes(boxes)
        assert len(bodies) == (1 if page.bullets and page.slide.kind != "title" else 0)
        for box in bodies:
            assert box.size >= BODY_MIN_SIZE, f"page {number}: list at {box.size} pt"
            if page.slide is warnings:
                sizes.add(box.size)
            lines = sum(len(wrap(paragraph_text(p), box.size, box.width)) for p in box.paragraphs)
            height = lines * box.size * box.leading + box.space_after * (len(box.paragraphs) - 1)
            assert height <= box.height + 0.01, f"page {number}: the list overflows its box"
            assert [paragraph_text(p)[2:] for p in box.paragraphs] == list(page.bullets)
        title = paragraph_text(boxes[0].paragraphs[0])
        if page.continued:
            assert title == t("deck_slide_continued", lang, title=page.slide.title)
    assert len(sizes) == 1  # one type size over the warnings slide and its continuations


def test_pptx_warnings_slides_carry_every_warning_at_a_readable_size(national):
    deck, pptx, pdf = national
    warnings = deck.slides[SLIDE_KINDS.index("warnings")]
    presentation = Presentation(io.BytesIO(pptx))
    first = SLIDE_KINDS.index("warnings")
    texts, notes = pptx_texts(pptx)
    continued = [index for index, text in enumerate(texts) if "Cảnh báo sớm (tiếp)" in text]
    assert continued and continued[0] == first + 1
    runs = [run for index in [first, *continued] for shape in presentation.slides[index].shapes
            if shape.has_text_frame for paragraph in shape.text_frame.paragraphs for run in paragraph.runs
            if run.text.startswith("• ")]
    assert [run.text[2:] for run in runs] == warnings.bullets
    assert min(run.font.size.pt for run in runs) >= BODY_MIN_SIZE
    assert all(notes[index] == notes[first] for index in continued)  # the slide's notes, exact figures and links
    pdf_text = " ".join(PdfReader(io.BytesIO(pdf)).pages[index].extract_text() for index in continued)
    assert "Cảnh báo sớm (tiếp)" in pdf_text
    # the warnings slide's own number on its continuation pages, as in the slideshow
    label = f"Trang {warnings.number}/{len(deck.slides)} (tiếp)"
    assert all(label in texts[index] for index in continued) and label in pdf_text


def _chart(slide) -> str | None:
    """A slide's chart as Vega-Lite JSON, Altair's numbered names (param_3, view_7) left out."""
    import json
    import re

    if slide.chart is None:
        return None
    return re.sub(r"(param|view)_\d+", r"\1", json.dumps(slide.chart.to_dict(validate=False), sort_keys=True,
                                                         default=str))


@pytest.mark.parametrize("unit, planned, lang", [("VN", False, "vi"), (PROVINCE, False, "en"), (PROVINCE, True, "vi")])
def test_a_slide_built_alone_is_the_decks_slide(seeded_engine, unit, planned, lang):
    """Issue 17: the slideshow builds its outline (every slide's number, kind, title and links) and the shown
    slide only; both are what build_slides makes for the .pptx and the PDF: figures, sentence, chart, notes."""
    from data_loaders.store.catalogue import plans
    from reports.slides import build_slide, deck_context, deck_outline

    plan = plans()[0].code if planned else None
    deck = build_slides(unit, AS_OF, lang=lang, engine=seeded_engine, base_url=BASE_URL, plan=plan)
    ctx = deck_context(unit, AS_OF, None, lang, seeded_engine, BASE_URL, plan=plan)
    outline = deck_outline(ctx)
    assert [(s.number, s.kind, s.title, s.url, s.presentation_url) for s in outline] == [
        (s.number, s.kind, s.title, s.url, s.presentation_url) for s in deck.slides]
    for expected in deck.slides:
        alone = build_slide(deck_context(unit, AS_OF, None, lang, seeded_engine, BASE_URL, plan=plan),
                            expected.kind, expected.number)
        assert {**vars(alone), "chart": None} == {**vars(expected), "chart": None}
        assert _chart(alone) == _chart(expected)
        assert alone.notes(ctx.source, lang) == expected.notes(deck.source, lang)
