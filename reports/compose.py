"""Where everything sits on a 16:9 slide: the boxes that reports/pptx_deck.py and reports/pdf.py
paint the same way, so the .pptx and the PDF show identical slides."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from charts.render import chart_png
from data_loaders.i18n import t
from data_loaders.store.settings import url_is_local
from reports.layout import (
    ACCENT,
    MARGIN,
    MUTED,
    NAVY,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    TEXT,
    RuleBox,
    Run,
    fitted_box,
    image_box,
)
from reports.qr import qr_png
from reports.slides import Deck, Figure, Slide

CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
BODY_TOP = 196.0
QR_SIZE = 112.0
SIDE_X = 640.0  # the right column: figures above, QR code below
TILES_PER_ROW = 5


@dataclass(frozen=True)
class SlideImages:
    chart: bytes | None
    qr: bytes


def slide_images(deck: Deck) -> list[SlideImages]:
    """Each slide's chart (sharp PNG) and QR code, rendered once for every format written."""
    def render(slide: Slide) -> SlideImages:
        return SlideImages(chart_png(slide.chart, deck.lang) if slide.chart is not None else None, qr_png(slide.url))

    with ThreadPoolExecutor(max_workers=4) as pool:  # vl-convert renders outside the GIL
        return list(pool.map(render, deck.slides))


def value_colour(figure: Figure) -> tuple[int, int, int]:
    return ACCENT if figure.alert and figure.raw else NAVY


def _figure_runs(figure: Figure) -> tuple[Run, ...]:
    runs = [Run(figure.value, bold=True, colour=value_colour(figure), scale=1.35), Run("  " + figure.label,
                                                                                       colour=MUTED)]
    if figure.change:
        runs.append(Run(f" ({figure.change})", colour=MUTED))
    return tuple(runs)


def _qr_and_footer(deck: Deck, slide: Slide, images: SlideImages, qr_size: float = QR_SIZE) -> list:
    lang = deck.lang
    qr_x, qr_y = SLIDE_WIDTH - MARGIN - qr_size, SLIDE_HEIGHT - 12 - qr_size
    footer = f"{t('deck_footer', lang)} · {deck.unit_label} · " + t(
        "deck_slide_number", lang, number=slide.number, total=len(deck.slides))
    # A code that opens the serving computer (the default public_base_url) says so in red instead.
    caption = (Run(t("slides_qr_local_deck", lang), bold=True, colour=ACCENT) if url_is_local(slide.url)
               else Run(t("deck_scan_qr", lang), colour=MUTED))
    return [
        image_box(images.qr, qr_x, qr_y, qr_size, qr_size),
        fitted_box(qr_x - 190, qr_y + qr_size / 2 - 30, 180, 60, [(caption,)], 12, 7, align="right"),
        fitted_box(MARGIN, SLIDE_HEIGHT - 26, 560, 18, [(Run(footer, colour=MUTED),)], 11, 8),
    ]


def _header(slide: Slide) -> list:
    return [
        fitted_box(MARGIN, 20, CONTENT_WIDTH, 48, [(Run(slide.title, bold=True, colour=NAVY),)], 34, 22),
        fitted_box(MARGIN, 72, CONTENT_WIDTH, 24, [(Run(slide.frozen, bold=True, colour=ACCENT),)], 17, 12),
        RuleBox(MARGIN, 102, CONTENT_WIDTH),
        fitted_box(MARGIN, 112, CONTENT_WIDTH, 78, [(Run(slide.sentence, colour=TEXT),)], 26, 14),
    ]


def _title_slide(deck: Deck, slide: Slide, images: SlideImages) -> list:
    qr_size = 150.0
    boxes = [
        fitted_box(MARGIN, 70, CONTENT_WIDTH, 60, [(Run(slide.title, bold=True, colour=NAVY),)], 40, 24),
        fitted_box(MARGIN, 140, CONTENT_WIDTH, 56, [(Run(slide.subtitle, bold=True, colour=TEXT),)], 36, 20),
        RuleBox(MARGIN, 206, CONTENT_WIDTH),
        fitted_box(MARGIN, 220, CONTENT_WIDTH, 36, [(Run(slide.frozen, bold=True, colour=ACCENT),)], 26, 16),
        fitted_box(MARGIN, 266, CONTENT_WIDTH - qr_size - 20, 90, [(Run(slide.sentence),)], 22, 13),
        fitted_box(MARGIN, 362, CONTENT_WIDTH - qr_size - 200, 140,
                   [(Run(text, colour=MUTED),) for text in slide.bullets] +
                   [(Run(figure.line(), colour=MUTED),) for figure in slide.figures], 14, 8, space_after=4),
    ]
    return boxes + _qr_and_footer(deck, slide, images, qr_size)


def _tiles(figures: list[Figure], top: float) -> tuple[list, float]:
    """Figures as big-number tiles across the slide; returns the boxes and the y below them."""
    boxes = []
    width = CONTENT_WIDTH / TILES_PER_ROW
    y = top
    for start in range(0, len(figures), TILES_PER_ROW):
        for index, figure in enumerate(figures[start:start + TILES_PER_ROW]):
            x = MARGIN + index * width
            boxes.append(fitted_box(x, y, width - 12, 40, [(Run(figure.value, bold=True,
                                                                colour=value_colour(figure)),)],
                                    30, 14))
            boxes.append(fitted_box(x, y + 40, width - 12, 30, [(Run(figure.label, colour=MUTED),)], 13, 8))
        y += 80
    return boxes, y


def slide_boxes(deck: Deck, slide: Slide, images: SlideImages) -> list:
    """Every box of one slide, top to bottom."""
    if slide.kind == "title":
        return _title_slide(deck, slide, images)
    boxes = _header(slide)
    bottom = SLIDE_HEIGHT - 30
    if images.chart is not None:
        boxes.append(image_box(images.chart, MARGIN, BODY_TOP, SIDE_X - MARGIN - 16, bottom - BODY_TOP))
        side_bottom = SLIDE_HEIGHT - 12 - QR_SIZE - 10
        boxes.append(fitted_box(SIDE_X, BODY_TOP, SLIDE_WIDTH - MARGIN - SIDE_X, side_bottom - BODY_TOP,
                                [_figure_runs(figure) for figure in slide.figures], 17, 8, space_after=3))
    else:
        tiles, below = _tiles(slide.figures, BODY_TOP)
        boxes += tiles
        if slide.bullets:
            boxes.append(fitted_box(MARGIN, below + 6, CONTENT_WIDTH - QR_SIZE - 200, bottom - below - 6,
                                    [(Run("• " + bullet),) for bullet in slide.bullets], 16, 8, space_after=4))
    return boxes + _qr_and_footer(deck, slide, images)
