"""What the .pptx and the PDF share: the 16:9 slide grid, colours, and fitting text into a box
(measured with the bundled DejaVu Sans, which is wider than Arial, so text fits in PowerPoint too)."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from charts.render import FONT_BOLD, FONT_REGULAR

# A 16:9 slide, in points (13.333 x 7.5 inches).
SLIDE_WIDTH, SLIDE_HEIGHT = 960.0, 540.0
MARGIN = 36.0
# High contrast for a projector: near-black on white, one dark accent, red only for what is late.
NAVY = (0x0B, 0x25, 0x45)
TEXT = (0x11, 0x11, 0x11)
MUTED = (0x37, 0x37, 0x37)
ACCENT = (0xB7, 0x1C, 0x1C)
RULE = (0x0B, 0x25, 0x45)
FONT, FONT_BOLD_NAME = "DejaVuSans", "DejaVuSans-Bold"


@functools.cache
def register_pdf_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_REGULAR)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD_NAME, str(FONT_BOLD)))


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    register_pdf_fonts()
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += simpleSplit(paragraph, FONT_BOLD_NAME if bold else FONT, size, width) or [""]
    return lines


def image_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def fit_box(png: bytes, width: float, height: float) -> tuple[float, float]:
    """The size of an image scaled to fit a box, keeping its aspect ratio."""
    pixels_w, pixels_h = image_size(png)
    scale = min(width / pixels_w, height / pixels_h)
    return pixels_w * scale, pixels_h * scale


# --- one layout, two painters (reports/pptx_deck.py and reports/pdf.py) --------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    colour: tuple[int, int, int] = TEXT
    scale: float = 1.0  # relative to the box's type size


@dataclass(frozen=True)
class TextBox:
    x: float
    y: float  # from the top of the page, points
    width: float
    height: float
    paragraphs: tuple[tuple[Run, ...], ...]
    size: float
    align: str = "left"  # left | right | center
    leading: float = 1.2
    space_after: float = 0.0  # points between paragraphs


@dataclass(frozen=True)
class ImageBox:
    x: float
    y: float
    width: float
    height: float
    png: bytes


@dataclass(frozen=True)
class RuleBox:
    x: float
    y: float
    width: float
    colour: tuple[int, int, int] = RULE
    thickness: float = 2.0


def paragraph_text(paragraph: tuple[Run, ...]) -> str:
    return "".join(run.text for run in paragraph)


def fitted_box(x: float, y: float, width: float, height: float, paragraphs: list[tuple[Run, ...]], largest: float,
               smallest: float, align: str = "left", leading: float = 1.2, space_after: float = 0.0) -> TextBox:
    """A text box whose type size is the largest at which every paragraph wraps into the box."""
    paragraphs = [p for p in paragraphs if paragraph_text(p)]
    size = largest
    while size > smallest:
        lines = 0.0
        for paragraph in paragraphs:
            scale = max(run.scale for run in paragraph)
            bold = any(run.bold for run in paragraph)
            lines += len(wrap(paragraph_text(paragraph), size * scale, width, bold)) * scale
        if lines * size * leading + space_after * max(len(paragraphs) - 1, 0) <= height:
            break
        size -= 1
    return TextBox(x, y, width, height, tuple(paragraphs), size, align, leading, space_after)


def image_box(png: bytes, x: float, y: float, width: float, height: float, anchor: str = "center") -> ImageBox:
    """The image scaled into the box: centred, or against its top left corner (anchor="top_left")."""
    fitted_w, fitted_h = fit_box(png, width, height)
    if anchor == "top_left":
        return ImageBox(x, y, fitted_w, fitted_h, png)
    return ImageBox(x + (width - fitted_w) / 2, y + (height - fitted_h) / 2, fitted_w, fitted_h, png)
