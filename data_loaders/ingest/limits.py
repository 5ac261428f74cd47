"""Limits on what an upload may be, checked before any parsing: file size, archive inflation
(zip bombs) for .xlsx/.ods, rows, cells and text. Each is configurable through an environment variable.

- NQ57_MAX_UPLOAD_MB       largest file accepted (default 20 MB)
- NQ57_MAX_ROWS            most rows holding values in one sheet (default 200,000)
- NQ57_MAX_UNZIPPED_MB     total uncompressed size of an .xlsx/.ods archive (default 500 MB)
- NQ57_MAX_ZIP_RATIO       largest compression ratio of the archive or any member (default 200)
- NQ57_MAX_CELLS           most cells the sheets of a file span, each counted from A1 to its last row
                           and column holding a value (default 4,000,000: 200,000 rows × 20 columns)
- NQ57_MAX_TEXT_MB         most text in a file: its shared strings and inline strings (default 64 MB)
- NQ57_MAX_CELL_CHARS      longest text in one cell (default 32,767, Excel's own limit)

An .xlsx is measured by `scan_xlsx`, which streams each sheet's XML through zipfile in 1 MB chunks
and a byte scanner (no tree, no parse of the cells), so these limits hold before calamine or
openpyxl sees the file: memory stays at a chunk plus one row, and the time is a fraction of a
full read. Rows are the ones holding a value: the empty formatted rows an office sheet carries down
to row 1,048,576 (and its <dimension>) do not count. With the defaults, reading an accepted file
takes at most about 450 MB over the idle process (benchmarks/bench_memory.py measures it).
"""

from __future__ import annotations

import html
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field

MB = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_rows: int
    max_unzipped_bytes: int
    max_zip_ratio: float
    max_cells: int = 4_000_000
    max_text_bytes: int = 64 * MB
    max_cell_chars: int = 32_767


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
        max_cells=int(_env_number("NQ57_MAX_CELLS", 4_000_000)),
        max_text_bytes=int(_env_number("NQ57_MAX_TEXT_MB", 64) * MB),
        max_cell_chars=int(_env_number("NQ57_MAX_CELL_CHARS", 32_767)),
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


def verify_archive(content: bytes, limits: Limits | None = None, read: _Read | None = None) -> None:
    """Stream every member through zipfile in 1 MB chunks, so a member whose central-directory
    sizes lie cannot slip past `check_archive`: zipfile never yields more than the declared size
    and fails the CRC check when the data is longer or shorter. Memory stays at one chunk; the
    time is bounded by the declared total, which check_archive has already capped. `read`: the
    members already streamed to their end that way (by the scan), not read again."""
    limits = limits or current_limits()
    total = read.total if read is not None else 0
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for position, member in enumerate(archive.infolist()):
                if read is not None and position in read.members:
                    continue
                with archive.open(member) as handle:
                    while chunk := handle.read(MB):
                        total += len(chunk)
                        if total > limits.max_unzipped_bytes:
                            raise LimitExceeded("err_zip_bomb", max_mb=round(limits.max_unzipped_bytes / MB))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise LimitExceeded("err_unreadable", detail=str(error)[:200] or type(error).__name__) from error


# --- the streaming scan of an .xlsx: rows holding values, the cells the sheets span, the text

_CHUNK = MB
_MAX_ROW_XML = 64 * MB  # one row's XML (a row of 16,384 cells of 32,767 characters is 500 MB: refused)
_PREFIX = re.compile(rb"<(\w+:)?(?:sheetData|sst)\b")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)</(?:\w+:)?t>")


@dataclass
class _Read:
    """The members a scan streamed to their end (positions in the archive's infolist) and the bytes it
    read: zipfile checked each one's size and CRC on the way, exactly as verify_archive does."""
    positions: dict[int, int] = field(default_factory=dict)  # id of a ZipInfo of the scan's archive -> its position
    members: dict[int, int] = field(default_factory=dict)  # position -> the bytes it held

    @property
    def total(self) -> int:
        return sum(self.members.values())


@dataclass
class SheetScan:
    """What one sheet's XML holds: rows with at least one value, the last row and column holding one
    (1-based), and the cells it spans from A1 to there."""
    member: str
    sheet: str
    rows: int = 0
    last_row: int = 0
    last_column: int = 0

    @property
    def cells(self) -> int:
        return self.last_row * self.last_column

    @property
    def last_cell(self) -> str:
        return f"{column_letters(self.last_column)}{self.last_row}"


def column_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


class _Tags:
    """The element names of one XML part with its namespace prefix (`<x:row>` as well as `<row>`)."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.row_open = (b"<" + prefix + b"row ", b"<" + prefix + b"row>")
        self.row_start = b"<" + prefix + b"row"
        self.row_close = b"</" + prefix + b"row>"
        self.cell_open = b"<" + prefix + b"c "
        self.cell_close = b"</" + prefix + b"c>"
        self.inline_text = re.compile(re.escape(b"<" + prefix + b"t") + rb"\b[^>]*>([^<]*)<")
        self.values = (b"<" + prefix + b"v>", b"<" + prefix + b"is>")
        self.inline = b"<" + prefix + b"is>"
        self.si_open = b"<" + prefix + b"si>"
        self.si_close = b"</" + prefix + b"si>"


def _pieces(archive: zipfile.ZipFile, member: str, opening: tuple[bytes, ...] | None = None,
            closing: bytes | None = None, prefix_found=None, read: _Read | None = None):
    """The member's bytes in pieces of about 1 MB, each cut where an element starts (`opening`) or
    just after one ends (`closing`), so a piece holds whole elements; the rest is carried on.
    `prefix_found(first_chunk)` gives the tags when they depend on the part's namespace prefix.
    `read` notes the member once it is read to its end."""
    carry = b""
    size = 0
    with archive.open(member) as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            buffer = carry + chunk
            if prefix_found is not None:
                opening, closing = prefix_found(buffer)
                prefix_found = None
            if opening:
                cut = max(buffer.rfind(tag) for tag in opening)
            else:
                cut = buffer.rfind(closing)
                cut = cut + len(closing) if cut >= 0 else cut
            if cut <= 0:
                if len(buffer) > _MAX_ROW_XML:
                    raise LimitExceeded("ingest_too_much_text")  # the caller adds the figures
                carry = buffer
                continue
            carry = buffer[cut:]
            yield buffer[:cut]
        if read is not None:  # its end reached: zipfile has checked its length and CRC
            read.members[read.positions[id(archive.getinfo(member))]] = size
    if carry:
        yield carry


def _prefix(buffer: bytes) -> bytes:
    match = _PREFIX.search(buffer)
    return (match.group(1) or b"") if match else b""


def _text_chars(raw: bytes) -> int:
    """Characters of an element's text as a reader sees them (entities decoded, markup removed)."""
    return len(html.unescape(re.sub(rb"<[^>]*>", b"", raw).decode("utf-8", "replace")))


@dataclass
class _Text:
    limits: Limits
    total: int = 0

    def add(self, size: int) -> None:
        self.total += size
        if self.total > self.limits.max_text_bytes:
            raise LimitExceeded("ingest_too_much_text", text_mb=round(self.total / MB),
                                max_mb=round(self.limits.max_text_bytes / MB))


def _cell_too_long(sheet: str, ref: str, chars: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded("ingest_cell_too_long", sheet=sheet, cell=ref, chars=chars, max_chars=limits.max_cell_chars)


def _scan_shared_strings(archive: zipfile.ZipFile, member: str, text: _Text, limits: Limits,
                         read: _Read | None = None) -> dict[int, int]:
    """Adds the shared strings' XML to `text`; returns index -> characters of every string longer
    than a cell may be (its cell is named when a sheet uses it)."""
    long_strings: dict[int, int] = {}
    index = -1
    tags = _Tags(b"")

    def found(buffer: bytes) -> tuple[None, bytes]:
        nonlocal tags
        tags = _Tags(_prefix(buffer))
        return None, tags.si_close

    for piece in _pieces(archive, member, prefix_found=found, read=read):
        text.add(len(piece))
        if len(piece) <= limits.max_cell_chars:
            index += piece.count(tags.si_open)
            continue
        for item in piece.split(tags.si_open)[1:]:
            index += 1
            if len(item) > limits.max_cell_chars:
                chars = _text_chars(b"".join(_T_TEXT.findall(item)))
                if chars > limits.max_cell_chars:
                    long_strings[index] = chars
    return long_strings


def _scan_sheet(archive: zipfile.ZipFile, member: str, sheet: str, text: _Text, long_strings: dict[int, int],
                limits: Limits, read: _Read | None = None) -> SheetScan:
    """Splits the sheet's XML at every `</row>`: each part ends with one row's cells (after any
    self-closing, empty rows). Byte searches only; a row costs a few of them (written out in the loop,
    the tags and figures kept in locals: a national sheet has 20,000 rows)."""
    scan = SheetScan(member, sheet)
    row_number = passed = 0
    rows = last_row = last_column = 0
    tags = _Tags(b"")
    max_rows, max_cell_chars, max_text = limits.max_rows, limits.max_cell_chars, limits.max_text_bytes

    def found(buffer: bytes) -> tuple[tuple[bytes, ...], None]:
        nonlocal tags
        tags = _Tags(_prefix(buffer))
        return tags.row_open, None

    for piece in _pieces(archive, member, prefix_found=found, read=read):
        v_open, is_open = tags.values
        if rows > max_rows:  # refused: only the count is wanted, for the message
            rows += sum(1 for part in piece.split(tags.row_close) if v_open in part or is_open in part)
            continue
        inline, inline_text = tags.inline, tags.inline_text
        row_start, cell_open, cell_close = tags.row_start, tags.cell_open, tags.cell_close
        after_row = len(row_start)
        cell_forms = [b"<" + tags.prefix + form for form in (b"c ", b"c>", b"c/>")]
        for part in piece.split(tags.row_close):
            if v_open not in part and is_open not in part:  # formatted empty rows: only counted
                passed += part.count(row_start)
                continue
            start = part.rfind(row_start)
            while start >= 0 and part[start + after_row:start + after_row + 1] not in b" >/":
                start = part.rfind(row_start, 0, start)  # <rowBreaks>, after the rows
            if start < 0:
                continue  # what follows the last row
            tag_end = part.find(b">", start)
            number = _ROW_NUMBER.search(part, start, tag_end)
            row_number = (int(number.group(1)) if number
                          else row_number + passed + part.count(row_start, 0, start) + 1)
            passed = 0
            # where the row's last value (<v> or <is>) starts: the last closed cell usually holds it (a
            # formatted empty cell is self-closing), else every value tag is looked for
            last_value = -1
            close = part.rfind(cell_close, start)
            if close >= 0:
                cell = part.rfind(cell_open, start, close)
                last_value = max(part.rfind(v_open, cell, close), part.rfind(is_open, cell, close))
            if last_value < 0:
                last_value = max(part.rfind(v_open, start), part.rfind(is_open, start))
                if last_value < 0:
                    continue  # formatted, empty
            rows += 1
            last_row = row_number
            # its column: the cell's r attribute, or (cells without one) its position in the row
            cell = part.rfind(cell_open, 0, last_value)
            ref = part.find(b' r="', cell, last_value) if cell >= 0 else -1
            if ref >= 0:
                column, index = 0, ref + 4
                while 65 <= part[index] <= 90:
                    column, index = column * 26 + part[index] - 64, index + 1
            else:
                column = sum(part.count(form, 0, last_value) for form in cell_forms)
            if column > last_column:
                last_column = column
            if part.find(inline, start) >= 0:
                text.total += sum(map(len, inline_text.findall(part, start)))
                if text.total > max_text:
                    text.add(0)  # raises, naming the figures
            if len(part) - start > max_cell_chars:
                _check_long_cells(part[start:], row_number, sheet, tags, limits)
            if long_strings:
                _check_shared_cells(part[start:], row_number, sheet, tags, long_strings, limits)
    scan.rows, scan.last_row, scan.last_column = rows, last_row, last_column
    return scan


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)


def _check_long_cells(row: bytes, row_number: int, sheet: str, tags: _Tags, limits: Limits) -> None:
    """A row long enough to hold an over-long cell, cell by cell (rare, so a regex will do)."""
    for position, cell in enumerate(_CELL.finditer(row), start=1):
        body = cell.group(2) or b""
        if len(body) > limits.max_cell_chars:
            chars = _text_chars(body.split(b"</" + tags.prefix + b"f>")[-1])
            if chars > limits.max_cell_chars:
                ref = _CELL_REF.search(cell.group(1))
                where = (ref.group(1) + ref.group(2)).decode() if ref else f"{column_letters(position)}{row_number}"
                raise _cell_too_long(sheet, where, chars, limits)


_SHARED = re.compile(rb'<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?v>(\d+)</(?:\w+:)?v>')


def _check_shared_cells(row: bytes, row_number: int, sheet: str, tags: _Tags, long_strings: dict[int, int],
                        limits: Limits) -> None:
    for cell in _SHARED.finditer(row):
        if b't="s"' in cell.group(1) and int(cell.group(2)) in long_strings:
            ref = _CELL_REF.search(cell.group(1))
            where = (ref.group(1) + ref.group(2)).decode() if ref else str(row_number)
            raise _cell_too_long(sheet, where, long_strings[int(cell.group(2))], limits)


_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br(?:\w*):id="([^"]+)"')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')
_RELATIONSHIP_REVERSED = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member -> the sheet's name, from the workbook and its relationships (the member
    path when they cannot be read)."""
    names: dict[str, str] = {}
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return names
    targets = {rid: target for rid, target in _RELATIONSHIP.findall(rels)}
    targets.update({rid: target for target, rid in _RELATIONSHIP_REVERSED.findall(rels)})
    for name, rid in _SHEET_ENTRY.findall(workbook):
        target = targets.get(rid)
        if target:
            target = target.decode().lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            names[member] = html.unescape(name.decode("utf-8", "replace"))
    return names


def verify_and_scan_xlsx(content: bytes, limits: Limits | None = None) -> list[SheetScan]:
    """`verify_archive` then `scan_xlsx`, with the same outcome, the worksheets' XML inflated once
    instead of twice: the scan streams each to its end through zipfile, which checks its size and
    CRC on the way as verify_archive does, so only the members the scan did not read are verified
    after it. Should the scan raise, the whole archive is verified first, so a file is refused with
    the error it was refused with before (a damaged member before any limit). Call after
    `check_archive`."""
    limits = limits or current_limits()
    read = _Read()
    try:
        scans = scan_xlsx(content, limits, read=read)
    except Exception:
        verify_archive(content, limits)
        raise
    verify_archive(content, limits, read=read)
    return scans


def scan_xlsx(content: bytes, limits: Limits | None = None, read: _Read | None = None) -> list[SheetScan]:
    """Rows, spanned cells and text of every worksheet of an .xlsx, streamed; raises LimitExceeded
    (ingest_too_much_text, ingest_cell_too_long, err_too_many_rows, ingest_too_many_cells) at the
    first limit broken. Call after `check_archive`/`verify_archive` (or through verify_and_scan_xlsx)."""
    limits = limits or current_limits()
    text = _Text(limits)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if read is not None:  # the positions of this archive's entries
            read.positions = {id(info): position for position, info in enumerate(archive.infolist())}
        members = archive.namelist()
        names = _sheet_names(archive)
        long_strings: dict[int, int] = {}
        try:
            for member in members:
                if member.lower() == "xl/sharedstrings.xml":
                    long_strings = _scan_shared_strings(archive, member, text, limits, read)
            scans = []
            for member in members:
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    sheet = names.get(member, member.rsplit("/", 1)[-1])
                    scan = _scan_sheet(archive, member, sheet, text, long_strings, limits, read)
                    check_rows(scan.rows, limits)  # the count goes on, cheaply, past the limit
                    scans.append(scan)
        except LimitExceeded as error:
            if error.key == "ingest_too_much_text" and "text_mb" not in error.params:  # one row beyond any bound
                raise LimitExceeded("ingest_too_much_text", text_mb=round(max(text.total, _MAX_ROW_XML) / MB),
                                    max_mb=round(limits.max_text_bytes / MB)) from None
            raise
    check_cells(scans, limits)
    return scans


def check_cells(scans: list[SheetScan], limits: Limits | None = None) -> None:
    limits = limits or current_limits()
    total = sum(scan.cells for scan in scans)
    if total > limits.max_cells:
        widest = max(scans, key=lambda scan: scan.cells)
        raise LimitExceeded("ingest_too_many_cells", cells=total, max_cells=limits.max_cells, sheet=widest.sheet,
                            last_cell=widest.last_cell)
