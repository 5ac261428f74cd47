"""QR codes that open a slide's view live in the dashboard, and the check that they can: a code that points to
the serving computer itself (localhost, 127.0.0.1) opens nothing on a phone in the hall."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=512)  # a slideshow draws its slide's code on every run: 35 ms each
def qr_png(url: str, box_size: int = 10, border: int = 2) -> bytes:
    """A black-on-white PNG of `url`; medium error correction survives a projector's glare."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


