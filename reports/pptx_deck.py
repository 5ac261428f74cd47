"""The briefing deck as PowerPoint (16:9): the slides of reports/compose.py, charts as sharp PNGs, a QR
code to the live view, and speaker notes with each slide's exact figures and their source."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Pt

from data_loaders.i18n import locale
from reports.compose import SlideImages, deck_pages, page_boxes, slide_images
from reports.layout import SLIDE_HEIGHT, SLIDE_WIDTH, ImageBox, RuleBox, TextBox
from reports.slides import Deck

# PowerPoint shows the text in a font of the viewer's machine: Arial has every Vietnamese letter on
# Windows and macOS, and is narrower than the DejaVu Sans the boxes were measured with.
PPTX_FONT = "Arial"
_ALIGN = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}


def _paint_text(shapes, box: TextBox) -> None:
    shape = shapes.add_textbox(Pt(box.x), Pt(box.y), Pt(box.width), Pt(box.height))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    for index, runs in enumerate(box.paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = _ALIGN[box.align]
        paragraph.line_spacing = box.leading * 0.85  # PowerPoint's single spacing is already about 1.2
        paragraph.space_after = Pt(box.space_after)
        for part in runs:
            run = paragraph.add_run()
            run.text = part.text
            run.font.name = PPTX_FONT
            run.font.size = Pt(round(box.size * part.scale, 1))
            run.font.bold = part.bold
            run.font.color.rgb = RGBColor(*part.colour)


def _paint(shapes, box) -> None:
    if isinstance(box, TextBox):
        _paint_text(shapes, box)
    elif isinstance(box, ImageBox):
        shapes.add_picture(io.BytesIO(box.png), Pt(box.x), Pt(box.y), Pt(box.width), Pt(box.height))
    elif isinstance(box, RuleBox):
        line = shapes.add_connector(1, Pt(box.x), Pt(box.y), Pt(box.x + box.width), Pt(box.y))  # 1: straight
        line.line.color.rgb = RGBColor(*box.colour)
        line.line.width = Pt(box.thickness)


def deck_pptx(deck: Deck, images: list[SlideImages] | None = None) -> bytes:
    """The .pptx file of a deck, as bytes."""
    images = images or slide_images(deck)
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Pt(SLIDE_WIDTH), Pt(SLIDE_HEIGHT)
    blank = presentation.slide_layouts[6]
    presentation.core_properties.title = f"{deck.slides[0].title} — {deck.unit_label}"
    language = locale(deck.lang)  # the app's one locale map (data_loaders.i18n)
    presentation.core_properties.language = f"{language.language}-{language.territory}"
    pages = deck_pages(deck, images)  # a long list goes on over continuation slides, with the slide's notes
    for page in pages:
        slide = presentation.slides.add_slide(blank)
        for box in page_boxes(deck, page):
            _paint(slide.shapes, box)
        slide.notes_slide.notes_text_frame.text = page.slide.notes(deck.source, deck.lang)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
