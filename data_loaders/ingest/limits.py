"""Limits on what an upload may be, checked before any parsing: file size, archive inflation
(zip bombs) for .xlsx/.ods, and row count. Each is configurable through an environment variable.

- NQ57_MAX_UPLOAD_MB       largest file accepted (default 20 MB)
- NQ57_MAX_ROWS            most data rows in one file (default 200,000)
- NQ57_MAX_UNZIPPED_MB     total uncompressed size of an .xlsx/.ods archive (default 500 MB)
- NQ57_MAX_ZIP_RATIO       largest compression ratio of the archive or any member (default 200)
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from dataclasses import dataclass

MB = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_rows: int
    max_unzipped_bytes: int
    max_zip_ratio: float


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if value > 0 else default


def current_limits() -> Limits:
    """Read every time, so a changed environment (or a test's monkeypatch) applies at once."""
    return Limits(
        max_upload_bytes=int(_env_number("NQ57_MAX_UPLOAD_MB", 20) * MB),
        max_rows=int(_env_number("NQ57_MAX_ROWS", 200_000)),
        max_unzipped_bytes=int(_env_number("NQ57_MAX_UNZIPPED_MB", 500) * MB),
        max_zip_ratio=_env_number("NQ57_MAX_ZIP_RATIO", 200),
    )


class LimitExceeded(Exception):
    """`key` names the catalogue message, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def check_size(content: bytes, limits: Limits | None = None) -> None:
    limits = limits or current_limits()
    if len(content) > limits.max_upload_bytes:
        raise LimitExceeded("err_file_too_large", size_mb=round(len(content) / MB, 1),
                            max_mb=round(limits.max_upload_bytes / MB, 1))


def check_archive(content: bytes, limits: Limits | None = None) -> None:
    """Reject an .xlsx/.ods whose members would inflate beyond the bounds, from the sizes the
    central directory declares: milliseconds, no extra memory. `verify_archive` then checks that
    the declared sizes are true."""
    limits = limits or current_limits()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise LimitExceeded("err_not_spreadsheet") from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise LimitExceeded("err_zip_bomb", max_mb=round(limits.max_unzipped_bytes / MB))
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1 * MB and ratio > limits.max_zip_ratio:
            raise LimitExceeded("err_zip_bomb", max_mb=round(limits.max_unzipped_bytes / MB))
    if total > limits.max_unzipped_bytes or (total > 10 * MB and total / max(len(content), 1) > limits.max_zip_ratio):
        raise LimitExceeded("err_zip_bomb", max_mb=round(limits.max_unzipped_bytes / MB))


def check_rows(count: int, limits: Limits | None = None) -> None:
    limits = limits or current_limits()
    if count > limits.max_rows:
        raise LimitExceeded("err_too_many_rows", rows=count, max_rows=limits.max_rows)


def verify_archive(content: bytes, limits: Limits | None = None) -> None:
    """Stream every member through zipfile in 1 MB chunks, so a member whose central-directory
    sizes lie cannot slip past `check_archive`: zipfile never yields more than the declared size
    and fails the CRC check when the data is longer or shorter. Memory stays at one chunk; the
    time is bounded by the declared total, which check_archive has already capped."""
    limits = limits or current_limits()
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.infolist():
                with archive.open(member) as handle:
                    while chunk := handle.read(MB):
                        total += len(chunk)
                        if total > limits.max_unzipped_bytes:
                            raise LimitExceeded("err_zip_bomb", max_mb=round(limits.max_unzipped_bytes / MB))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise LimitExceeded("err_unreadable", detail=str(error)[:200] or type(error).__name__) from error
