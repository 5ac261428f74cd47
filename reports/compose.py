"""Where everything sits on a 16:9 slide: the boxes that reports/pptx_deck.py and reports/pdf.py
paint the same way, so the .pptx and the PDF show identical slides.

A slide's list (the warnings, the directions) is set at BODY_MIN_SIZE or larger, never shrunk below it: what
does not fit goes on to continuation pages ("Cảnh báo sớm (tiếp)") with the same QR code and notes, so the
.pptx and the PDF can have more pages than the deck has slides (`deck_pages`). Every page is numbered as the
slideshow numbers its slide ("Trang 9/10"), a continuation page with its slide's number marked "(tiếp)" ("Trang
9/10 (tiếp)"): a presenter who says "slide 9" means the same page on the screen, in the .pptx and in the PDF
(`page_label`)."""

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
    TextBox,
    fitted_box,
    image_box,
    wrap,
)
from reports.qr import qr_png
from reports.slides import Deck, Figure, Slide

CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
BODY_TOP = 196.0
QR_SIZE = 112.0
SIDE_X = 640.0  # the right column: figures above, QR code below
TILES_PER_ROW = 5
TILE_ROW = 80.0
BODY_BOTTOM = SLIDE_HEIGHT - 30
# The smallest type of a slide's list: at 16 pt a line on a 13.3-inch-wide slide is read from the back of a hall
# (the issue-12 decks shrank five warnings to 10 pt). Lists longer than a page fits at this size go on over pages.
BODY_MIN_SIZE = 16.0
BODY_MAX_SIZE = 18.0
BULLET_WIDTH = CONTENT_WIDTH - QR_SIZE - 200  # left of the QR code and its caption
BULLET_SPACE = 4.0  # points between two items of a list
CONTINUED_TOP = 112.0  # a continuation page's list starts where the first page's sentence is


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


@dataclass(frozen=True)
class Page:
    """One page of the .pptx or PDF: a slide, or a continuation of its list (`continued`), with the items of the
    list this page shows."""

    slide: Slide
    images: SlideImages
    bullets: tuple[str, ...]
    continued: bool = False
    largest: float = BODY_MAX_SIZE  # the list's largest type size; BODY_MIN_SIZE on every page of a split list


def _bullet_height(bullet: str) -> float:
    return len(wrap("• " + bullet, BODY_MIN_SIZE, BULLET_WIDTH)) * BODY_MIN_SIZE * 1.2


def _split(bullets: list[str], first: float, rest: float) -> list[list[str]]:
    """The list cut into pages (`first` points tall on the slide, `rest` on each continuation), every item whole,
    in order, at BODY_MIN_SIZE; an item taller than a whole page still gets a page of its own."""
    pages: list[list[str]] = [[]]
    room = first
    for bullet in bullets:
        height = _bullet_height(bullet)
        if pages[-1] and height > room:
            pages.append([])
            room = rest
        pages[-1].append(bullet)
        room -= height + BULLET_SPACE
    return pages


def _tiles_bottom(figures: list[Figure]) -> float:
    rows = -(-len(figures) // TILES_PER_ROW)
    return BODY_TOP + rows * TILE_ROW


def deck_pages(deck: Deck, images: list[SlideImages]) -> list[Page]:
    """The pages of the .pptx and the PDF: one for each slide, and continuation pages for a list (the warnings,
    the directions) that does not fit its slide at BODY_MIN_SIZE."""
    pages = []
    for slide, slide_images_ in zip(deck.slides, images):
        if slide.kind == "title" or slide_images_.chart is not None or not slide.bullets:
            pages.append(Page(slide, slide_images_, tuple(slide.bullets)))
            continue
        first = BODY_BOTTOM - _tiles_bottom(slide.figures) - 6
        parts = _split(slide.bullets, first, BODY_BOTTOM - CONTINUED_TOP)
        largest = BODY_MIN_SIZE if len(parts) > 1 else BODY_MAX_SIZE  # one type size over a slide and its sequels
        for index, part in enumerate(parts):
            pages.append(Page(slide, slide_images_, tuple(part), continued=index > 0, largest=largest))
    return pages


def value_colour(figure: Figure) -> tuple[int, int, int]:
    return ACCENT if figure.alert and figure.raw else NAVY


def _figure_runs(figure: Figure) -> tuple[Run, ...]:
    runs = [Run(figure.value, bold=True, colour=value_colour(figure), scale=1.35), Run("  " + figure.label,
                                                                                       colour=MUTED)]
    if figure.change:
        runs.append(Run(f" ({figure.change})", colour=MUTED))
    return tuple(runs)


def page_label(deck: Deck, page: Page) -> str:
    """The page's number as the slideshow shows it: its slide's number of the deck's slides, "(tiếp)" on a
    continuation page ("Trang 9/10 (tiếp)"), whatever the number of pages in the file."""
    key = "deck_slide_number_continued" if page.continued else "deck_slide_number"
    return t(key, deck.lang, number=page.slide.number, total=len(deck.slides))


def _qr_and_footer(deck: Deck, page: Page, qr_size: float = QR_SIZE) -> list:
    lang, slide, images = deck.lang, page.slide, page.images
    qr_x, qr_y = SLIDE_WIDTH - MARGIN - qr_size, SLIDE_HEIGHT - 12 - qr_size
    footer = f"{t('deck_footer', lang)} · {deck.unit_label} · {page_label(deck, page)}"
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


def _title_slide(deck: Deck, page: Page) -> list:
    slide, qr_size = page.slide, 150.0
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
    return boxes + _qr_and_footer(deck, page, qr_size)


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
        y += TILE_ROW
    return boxes, y


def _bullets_box(page: Page, top: float) -> TextBox:
    return fitted_box(MARGIN, top, BULLET_WIDTH, BODY_BOTTOM - top, [(Run("• " + bullet),) for bullet in page.bullets],
                      page.largest, BODY_MIN_SIZE, space_after=BULLET_SPACE)


def page_boxes(deck: Deck, page: Page) -> list:
    """Every box of one page, top to bottom."""
    slide, images = page.slide, page.images
    if slide.kind == "title":
        return _title_slide(deck, page)
    if page.continued:  # the title marked "(cont.)", the list from the top of the body
        title = t("deck_slide_continued", deck.lang, title=slide.title)
        return [
            fitted_box(MARGIN, 20, CONTENT_WIDTH, 48, [(Run(title, bold=True, colour=NAVY),)], 34, 22),
            fitted_box(MARGIN, 72, CONTENT_WIDTH, 24, [(Run(slide.frozen, bold=True, colour=ACCENT),)], 17, 12),
            RuleBox(MARGIN, 102, CONTENT_WIDTH),
            _bullets_box(page, CONTINUED_TOP),
        ] + _qr_and_footer(deck, page)
    boxes = _header(slide)
    bottom = BODY_BOTTOM
    if images.chart is not None:
        boxes.append(image_box(images.chart, MARGIN, BODY_TOP, SIDE_X - MARGIN - 16, bottom - BODY_TOP))
        side_bottom = SLIDE_HEIGHT - 12 - QR_SIZE - 10
        boxes.append(fitted_box(SIDE_X, BODY_TOP, SLIDE_WIDTH - MARGIN - SIDE_X, side_bottom - BODY_TOP,
                                [_figure_runs(figure) for figure in slide.figures], 17, 8, space_after=3))
    else:
        tiles, below = _tiles(slide.figures, BODY_TOP)
        boxes += tiles
        if page.bullets:
            boxes.append(_bullets_box(page, below + 6))
    return boxes + _qr_and_footer(deck, page)
