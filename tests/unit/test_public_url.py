"""The public address helpers (data_loaders.store.settings): what the first-run setup stores and
what warns that QR codes would point to the server itself."""

from __future__ import annotations

import pytest

from data_loaders.store.settings import InvalidSetting, normalize_public_url, public_url_is_local


@pytest.mark.parametrize(("typed", "stored"), [
    ("HTTPS://Nq57.LamDong.Gov.VN:443/app/?tab=1#top", "https://nq57.lamdong.gov.vn/app"),
    (" nq57.example.vn ", "http://nq57.example.vn"),
    ("http://nq57.example.vn:80/", "http://nq57.example.vn"),
    ("http://10.0.0.5:8501/", "http://10.0.0.5:8501"),
    ("localhost:8501", "http://localhost:8501"),
    ("http://[::1]:8501", "http://[::1]:8501"),
])
def test_normalize_public_url(typed, stored):
    assert normalize_public_url(typed) == stored
    assert normalize_public_url(stored) == stored  # stable


@pytest.mark.parametrize("bad", ["", "   ", "ftp://nq57.example.vn", "http://", "http://a b.vn", "https://x:99999",
                                 None, 5, "http://" + "x" * 300 + ".vn"])
def test_normalize_public_url_refuses(bad):
    with pytest.raises(InvalidSetting):
        normalize_public_url(bad)


@pytest.mark.parametrize(("url", "local"), [
    ("http://localhost:8501", True), ("http://LOCALHOST", True), ("http://app.localhost:8501", True),
    ("http://127.0.0.1:8501", True), ("http://127.1.2.3", True), ("http://[::1]:8501", True),
    ("http://0.0.0.0:8501", True), ("not an address", True), ("", True),
    ("https://nq57.lamdong.gov.vn", False), ("http://10.0.0.5:8501", False), ("http://localhost.example.vn", False),
])
def test_public_url_is_local(url, local):
    assert public_url_is_local(url) is local
