"""QR codes that open a slide's view live in the dashboard, and the check that they can: a code that points to
the serving computer itself (localhost, 127.0.0.1) opens nothing on a phone in the hall."""

from __future__ import annotations

import io
import ipaddress
from urllib.parse import urlsplit

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(url: str, box_size: int = 10, border: int = 2) -> bytes:
    """A black-on-white PNG of `url`; medium error correction survives a projector's glare."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def is_local_address(url: str) -> bool:
    """Whether a link can only be opened on the machine that serves the app: localhost, a loopback,
    link-local or unspecified IP address, or no host at all. The default `public_base_url`
    (http://localhost:8501) is one, so every QR code of a deck is until an administrator sets the
    dashboard's public address. An intranet address (10.x, a company host name) is not: phones on the
    hall's network may reach it."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if not host or host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified
