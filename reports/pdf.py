"""PDF output with reportlab: the deck one slide per page (the same boxes as the .pptx), and a one-page
A4 brief per province for print. Text is set in the bundled DejaVu Sans (every Vietnamese letter,
embedded in the file)."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import Engine

from charts.render import chart_png
from data_loaders.i18n import t
from data_loaders.store.settings import url_is_local
from reports.compose import SlideImages, deck_pages, page_boxes, slide_images, value_colour
from reports.layout import (
    ACCENT,
    FONT,
    FONT_BOLD_NAME,
    MUTED,
    NAVY,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    TEXT,
    ImageBox,
    RuleBox,
    Run,
    TextBox,
    fitted_box,
    image_box,
    register_pdf_fonts,
    wrap,
)
from reports.qr import qr_png
from reports.slides import Deck, build_slides


def _colour(canvas: Canvas, rgb: tuple[int, int, int]) -> None:
    canvas.setFillColorRGB(*(channel / 255 for channel in rgb))


def _paint_text(canvas: Canvas, box: TextBox, page_height: float) -> None:
    y = page_height - box.y
    for runs in box.paragraphs:
        scale = max(run.scale for run in runs)
        size = box.size * scale
        if len(runs) == 1:  # one style: wrap it
            run = runs[0]
            for line in wrap(run.text, size, box.width, run.bold):
                y -= size * box.leading
                _draw_line(canvas, [Run(line, run.bold, run.colour, run.scale)], box, y)
        else:  # value + label on one line, as measured by fitted_box (wrapped as plain text if long)
            lines = wrap("".join(run.text for run in runs), size, box.width, True)
            y -= size * box.leading
            if len(lines) == 1:
                _draw_line(canvas, list(runs), box, y)
            else:
                _draw_line(canvas, [runs[0]], box, y)
                for line in wrap("".join(run.text for run in runs[1:]).strip(), box.size, box.width):
                    y -= box.size * box.leading
                    _draw_line(canvas, [Run(line, colour=runs[1].colour)], box, y)
        y -= box.space_after


def _draw_line(canvas: Canvas, runs: list[Run], box: TextBox, baseline_top: float) -> None:
    widths = [canvas.stringWidth(run.text, FONT_BOLD_NAME if run.bold else FONT, box.size * run.scale) for run in runs]
    x = box.x
    if box.align == "right":
        x = box.x + box.width - sum(widths)
    elif box.align == "center":
        x = box.x + (box.width - sum(widths)) / 2
    baseline = baseline_top + box.size * (box.leading - 1) / 2  # the line box's baseline, near its bottom
    for run, width in zip(runs, widths):
        canvas.setFont(FONT_BOLD_NAME if run.bold else FONT, box.size * run.scale)
        _colour(canvas, run.colour)
        canvas.drawString(x, baseline, run.text)
        x += width


def _paint(canvas: Canvas, box, page_height: float) -> None:
    if isinstance(box, TextBox):
        _paint_text(canvas, box, page_height)
    elif isinstance(box, ImageBox):
        canvas.drawImage(ImageReader(io.BytesIO(box.png)), box.x, page_height - box.y - box.height, box.width,
                         box.height, mask="auto")
    elif isinstance(box, RuleBox):
        canvas.setStrokeColorRGB(*(channel / 255 for channel in box.colour))
        canvas.setLineWidth(box.thickness)
        canvas.line(box.x, page_height - box.y, box.x + box.width, page_height - box.y)


def deck_pdf(deck: Deck, images: list[SlideImages] | None = None) -> bytes:
    """The deck as a PDF: one 16:9 page per slide, and continuation pages of a long list (compose.deck_pages)."""
    register_pdf_fonts()
    images = images or slide_images(deck)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(SLIDE_WIDTH, SLIDE_HEIGHT), pageCompression=1)
    canvas.setTitle(f"{deck.slides[0].title} — {deck.unit_label}")
    pages = deck_pages(deck, images)
    for page in pages:
        for box in page_boxes(deck, page):
            _paint(canvas, box, SLIDE_HEIGHT)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the A4 brief -----------------------------------------------------------------------------

A4_WIDTH, A4_HEIGHT = A4
A4_MARGIN = 40.0
BRIEF_SLIDES = ("headline", "task_status", "lagging_children", "overdue_by_agency", "infrastructure", "ecosystem",
                "quality", "warnings")


def brief_boxes(deck: Deck, status_chart: bytes | None, qr: bytes) -> list:
    """One A4 page: the unit and date, each slide's sentence under its title, the headline figures,
    the status chart and the QR code to the live view. Sizes shrink until everything fits."""
    width = A4_WIDTH - 2 * A4_MARGIN
    slides = {slide.kind: slide for slide in deck.slides}
    headline = slides["headline"]
    qr_size = 86.0
    boxes = [
        fitted_box(A4_MARGIN, 36, width - qr_size - 12, 26, [(Run(t("brief_title", deck.lang), bold=True,
                                                                  colour=NAVY),)],
                   18, 11),
        fitted_box(A4_MARGIN, 64, width - qr_size - 12, 30, [(Run(deck.unit_label, bold=True, colour=TEXT),)], 24, 14),
        fitted_box(A4_MARGIN, 98, width - qr_size - 12, 18, [(Run(headline.frozen, bold=True, colour=ACCENT),)], 13, 9),
        image_box(qr, A4_WIDTH - A4_MARGIN - qr_size, 30, qr_size, qr_size),
        RuleBox(A4_MARGIN, 124, width),
    ]
    if url_is_local(headline.url):  # the code opens the serving computer, not the dashboard
        boxes.append(fitted_box(A4_WIDTH - A4_MARGIN - qr_size - 60, 30 + qr_size + 1, qr_size + 60, 16,
                                [(Run(t("slides_qr_local_deck", deck.lang), bold=True, colour=ACCENT),)], 7, 4,
                                align="right"))
    figures = [(Run(figure.value, bold=True, colour=value_colour(figure), scale=1.2), Run("  " + figure.label,
                                                                                          colour=MUTED))
               for figure in headline.figures]
    top = 134.0
    chart_height = 150.0 if status_chart else 0.0
    boxes.append(fitted_box(A4_MARGIN, top, width * 0.42, chart_height or 150, figures, 11, 6, space_after=1))
    if status_chart:
        boxes.append(image_box(status_chart, A4_MARGIN + width * 0.45, top, width * 0.55, chart_height))
    top += max(chart_height, 150) + 10
    sections = []
    for kind in BRIEF_SLIDES:
        slide = slides.get(kind)
        if slide is None:
            continue
        sections.append((Run(slide.title, bold=True, colour=NAVY),))
        sections.append((Run(slide.sentence),))
        if kind == "warnings":  # the most urgent ones, as on the slide
            sections += [(Run("• " + bullet, colour=MUTED, scale=0.85),) for bullet in slide.bullets]
    footer_top = A4_HEIGHT - 48
    boxes.append(fitted_box(A4_MARGIN, top, width, footer_top - top - 8, sections, 11, 5, space_after=2))
    boxes.append(fitted_box(A4_MARGIN, footer_top, width, 36, [(Run(deck.source, colour=MUTED),)], 8, 5))
    return boxes


def province_brief(unit_code: str, as_of: dt.date | None = None, lang: str = "vi", engine: Engine | None = None,
                   base_url: str | None = None, deck: Deck | None = None) -> bytes:
    """A one-page A4 PDF brief of a unit (meant for provinces). Raises UnknownUnit."""
    register_pdf_fonts()
    deck = deck or build_slides(unit_code, as_of, lang=lang, engine=engine, base_url=base_url)
    headline = next(slide for slide in deck.slides if slide.kind == "headline")
    status_chart = chart_png(headline.chart, lang, width=260, font_scale=1.0) if headline.chart is not None else None
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{t('brief_title', lang)} — {deck.unit_label}")
    for box in brief_boxes(deck, status_chart, qr_png(headline.url)):
        _paint(canvas, box, A4_HEIGHT)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
