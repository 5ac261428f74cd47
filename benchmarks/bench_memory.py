"""Memory benchmark: hostile workbooks within the size limits, each put through the importer (a dry
run, as the upload page's preview) and, when rejected, the marked error workbook.

    .venv/bin/python -m benchmarks.bench_memory [--before /path/to/other/checkout] [--only NAME ...]

Each case runs in a process of its own; it reports the peak resident memory over the idle process
(the process after importing the app's modules and opening the database, its peak reset through
/proc/self/clear_refs) and the time, for the import and for the error workbook separately. With
--before, every case also runs against the code of another checkout (say, a worktree of main) and the
two are printed side by side. Goal: no accepted-size file takes more than 450 MB over the idle process.

The files (written with zipfile, in seconds; `build_*` are used by the tests too, at small sizes):
- no_dimension     a 20 MB sheet of ~1.1 million numeric rows that declares no <dimension>
- text_480mb       480 MB of shared-string text compressed into ~15 MB
- formatted_2rows  a sheet formatted down to row 1,048,576 (dimension A1:M1048576) holding two task rows
- rejected_199990  199,990 task rows, each with an unreadable progress value: rejected, error workbook built
- xlsm             a macro-enabled workbook (vbaProject.bin) with an external link: values only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

PROJECT_DIR = Path(__file__).resolve().parent.parent

TASK_HEADERS = ["Mã nhiệm vụ", "Tên nhiệm vụ", "Kế hoạch", "Lĩnh vực", "Cơ quan chủ trì", "Tỉnh/Thành phố",
                "Xã/Phường", "Người chịu trách nhiệm", "Hạn hoàn thành", "Ngày báo cáo", "Trạng thái",
                "Tiến độ (%)", "Ghi chú"]
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_STYLES = (f'<styleSheet xmlns="{_MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
           '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
           'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
           '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
           'xfId="0"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '</cellXfs></styleSheet>')


def _letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int, values: list) -> str:
    return f'<row r="{number}">' + "".join(_cell(f"{_letter(i)}{number}", v) for i, v in enumerate(values)) + "</row>"


class RawWorkbook:
    """A minimal .xlsx (or .xlsm) written member by member, the sheet XML streamed in, so a benchmark
    file of a million rows costs seconds and no memory."""

    def __init__(self, path: Path, *, macro: bool = False, shared_strings: bool = False,
                 external_link: bool = False) -> None:
        self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.macro, self.shared_strings, self.external_link = macro, shared_strings, external_link

    def sheet(self, head: str = "") -> zipfile.ZipExtFile:
        """The sheet XML's writable stream; `head` goes before <sheetData> (a <dimension>, <cols>)."""
        handle = self.archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        handle.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">{head}<sheetData>'.encode())
        return handle

    @staticmethod
    def end_sheet(handle) -> None:  # noqa: ANN001
        handle.write(b"</sheetData></worksheet>")
        handle.close()

    def close(self) -> None:
        a = self.archive
        workbook_ct = _XLSM_CT if self.macro else _WORKBOOK_CT
        overrides = [("/xl/workbook.xml", workbook_ct), ("/xl/worksheets/sheet1.xml", _SHEET_CT),
                     ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")]
        rels = [("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId2", "styles", "styles.xml")]
        if self.shared_strings:
            overrides.append(("/xl/sharedStrings.xml",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"))
            rels.append(("rId3", "sharedStrings", "sharedStrings.xml"))
        if self.macro:
            rels.append(("rId4", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                         "vbaProject.bin"))
            a.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"Module1\"\n"
                       b"Sub AutoOpen()\n  Shell \"calc.exe\"\nEnd Sub\n" * 20)
        if self.external_link:
            overrides.append(("/xl/externalLinks/externalLink1.xml",
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"))
            rels.append(("rId5", f"{_REL_NS}/externalLink", "externalLinks/externalLink1.xml"))
            a.writestr("xl/externalLinks/externalLink1.xml",
                       f'<externalLink xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><externalBook r:id="rId1">'
                       '<sheetNames><sheetName val="Nguon"/></sheetNames></externalBook></externalLink>')
            a.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                       f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL_NS}/externalLinkPath"'
                       ' Target="file:///C:/Users/ketoan/nguon.xlsx" TargetMode="External"/></Relationships>')
        content_types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                         'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                         'ContentType="application/xml"/><Default Extension="bin" ContentType="application/'
                         'vnd.ms-office.vbaProject"/>'
                         + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>")
        a.writestr("[Content_Types].xml", content_types)
        a.writestr("_rels/.rels", f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL_NS}/'
                                  'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        a.writestr("xl/workbook.xml", f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
                                      '<sheet name="Báo cáo" sheetId="1" r:id="rId1"/></sheets>'
                                      + ('<externalReferences><externalReference r:id="rId5"/>'
                                         '</externalReferences>' if self.external_link else "") + "</workbook>")
        a.writestr("xl/_rels/workbook.xml.rels",
                   f'<Relationships xmlns="{_PKG_REL}">'
                   + "".join(f'<Relationship Id="{i}" Type="{t if t.startswith("http") else _REL_NS + "/" + t}" '
                             f'Target="{target}"/>' for i, t, target in rels) + "</Relationships>")
        a.writestr("xl/styles.xml", _STYLES)
        a.close()


def _task_values(n: int, plan: str, *, progress: object = 40) -> list:
    return [f"NV-B{n:06d}", f"Nhiệm vụ thử nghiệm số {n}", plan, "Chuyển đổi số", "Sở Khoa học và Công nghệ",
            "Lâm Đồng", None, "Nguyễn Văn A", "31/12/2025", "15/06/2025", "Đang thực hiện", progress, None]


def build_no_dimension(path: Path, rows: int = 1_000_000) -> None:
    """A task header, then `rows` rows of numbers; the sheet declares no <dimension>."""
    book = RawWorkbook(path)
    sheet = book.sheet()
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    seed = 12345
    for n in range(2, rows + 2):
        seed = (seed * 1103515245 + 12345) % 2**31
        sheet.write(row_xml(n, [seed % 100_000, seed % 977, (seed >> 7) % 10_007]).encode())
    book.end_sheet(sheet)
    book.close()


def build_text(path: Path, megabytes: int = 480, string_chars: int = 4000) -> None:
    """Shared strings totalling `megabytes` of text (blocks repeated with a counter, so it compresses
    about 30×, under the zip-ratio bound), referenced by task rows."""
    book = RawWorkbook(path, shared_strings=True)
    count = megabytes * 1024 * 1024 // string_chars
    noise = random.Random(57)
    block = "".join(chr(0x61 + (i * 7919) % 26) for i in range(997))
    with book.archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
        handle.write(f'<sst xmlns="{_MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode())
        for i in range(count):
            text = list((f"{i:08d}" + block * (string_chars // len(block) + 1))[:string_chars])
            for position in range(8, string_chars, 110):  # a stray letter now and then: ~30× compression
                text[position] = chr(0x61 + noise.randrange(26))
            text = "".join(text)
            handle.write(f"<si><t>{text}</t></si>".encode())
        handle.write(b"</sst>")
    sheet = book.sheet(f'<dimension ref="A1:B{count + 1}"/>')
    sheet.write(row_xml(1, TASK_HEADERS[:2]).encode())
    for i in range(count):
        sheet.write(f'<row r="{i + 2}"><c r="A{i + 2}"><v>{i}</v></c><c r="B{i + 2}" t="s"><v>{i}</v></c></row>'
                    .encode())
    book.end_sheet(sheet)
    book.close()


def build_formatted(path: Path, plan: str, data_rows: int = 2, last_row: int = 1_048_576) -> None:
    """A real office sheet: every column formatted down to row `last_row` (dimension, <cols> and a
    formatted empty cell on every row), holding a header and `data_rows` task rows."""
    book = RawWorkbook(path)
    sheet = book.sheet(f'<dimension ref="A1:M{last_row}"/><cols><col min="1" max="13" width="18" style="1" '
                       'customWidth="1"/></cols>')
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    for n in range(data_rows):
        sheet.write(row_xml(n + 2, _task_values(n, plan)).encode())
    for n in range(data_rows + 2, last_row + 1):
        sheet.write(f'<row r="{n}" spans="1:13" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="M{n}" s="1"/>'
                    f'</row>'.encode())
    book.end_sheet(sheet)
    book.close()


def build_rejected(path: Path, plan: str, rows: int = 199_990) -> None:
    """`rows` task rows under one header, each with an unreadable progress value."""
    book = RawWorkbook(path)
    sheet = book.sheet(f'<dimension ref="A1:M{rows + 1}"/>')
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    for n in range(rows):
        sheet.write(row_xml(n + 2, _task_values(n, plan, progress="bốn mươi")).encode())
    book.end_sheet(sheet)
    book.close()


def build_xlsm(path: Path, plan: str, rows: int = 3) -> None:
    """A macro-enabled workbook with an external link: the progress column is a formula reading the
    linked workbook, with its cached value, which is what is imported."""
    book = RawWorkbook(path, macro=True, external_link=True)
    sheet = book.sheet(f'<dimension ref="A1:M{rows + 1}"/>')
    sheet.write(row_xml(1, TASK_HEADERS).encode())
    for n in range(rows):
        values = _task_values(n, plan)
        values[11] = None
        xml = row_xml(n + 2, values)
        formula = f'<c r="L{n + 2}"><f>[1]Nguon!B{n + 2}</f><v>{40 + n}</v></c>'
        sheet.write((xml[:-len("</row>")] + formula + "</row>").encode())
    book.end_sheet(sheet)
    book.close()


CASES = ("no_dimension", "text_480mb", "formatted_2rows", "rejected_199990", "xlsm")


def build(name: str, path: Path, plan: str) -> None:
    builders = {"no_dimension": lambda: build_no_dimension(path), "text_480mb": lambda: build_text(path),
                "formatted_2rows": lambda: build_formatted(path, plan),
                "rejected_199990": lambda: build_rejected(path, plan), "xlsm": lambda: build_xlsm(path, plan)}
    builders[name]()


_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
path, url = sys.argv[2], sys.argv[3]

def status():
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields

def reset_peak():
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")

from data_loaders.ingest.importer import import_file, UnreadableFile
from data_loaders.ingest.error_workbook import error_workbook
from data_loaders.store.engine import make_engine
import datetime as dt
engine = make_engine(url)
with engine.connect():
    pass
content = open(path, "rb").read()
name = path.rsplit("/", 1)[-1]
idle = status()["VmRSS"]
reset_peak()
out = {"idle_mb": idle}
started = time.perf_counter()
result = None
try:
    result = import_file(content, name, engine=engine, dry_run=True, user="bench", today=dt.date(2025, 7, 15))
    out["outcome"] = f"{result.status}: {result.rows:,} rows, {len(result.errors):,} errors"
except UnreadableFile as error:
    out["outcome"] = f"refused: {error.key}"
out["import_s"] = time.perf_counter() - started
out["import_mb"] = status()["VmHWM"] - idle
if result is not None and result.status == "rejected":
    rss = status()["VmRSS"]
    reset_peak()
    started = time.perf_counter()
    marked = error_workbook(content, name, result.errors, result.warnings, "vi")
    out["workbook_s"] = time.perf_counter() - started
    out["workbook_mb"] = status()["VmHWM"] - idle
    out["workbook_increment_mb"] = status()["VmHWM"] - rss
    out["workbook_size_mb"] = len(marked) / 1e6
print("RESULT " + json.dumps(out))
"""


def run_case(code_dir: Path, path: Path, url: str) -> dict:
    try:
        completed = subprocess.run([sys.executable, "-c", _CHILD, str(code_dir), str(path), url],
                                   capture_output=True, text=True, cwd=code_dir, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"outcome": "did not finish in 30 minutes"}
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"outcome": "crashed: " + (completed.stderr.strip().splitlines() or ["?"])[-1][:120]}


def _figures(m: dict | None) -> str:
    if m is None:
        return ""
    text = f"{m.get('import_s', 0):6.1f} s {m.get('import_mb', 0):7.0f} MB"
    if "workbook_s" in m:
        text += (f" | workbook {m['workbook_s']:5.1f} s {m['workbook_mb']:6.0f} MB "
                 f"(+{m['workbook_increment_mb']:.0f} MB over the import's leftover)")
    return f"{text}  ({m['outcome']})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to measure the same files with (e.g. main)")
    parser.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--skip-after", action="store_true", help="with --before: measure only the other checkout")
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT_DIR))
    from data_loaders.seed import bootstrap
    from data_loaders.store.catalogue import plans
    from data_loaders.store.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = args.keep or Path(tmp)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(tmp) / 'bench_memory.sqlite'}"
        bootstrap.prepare(make_engine(url)).dispose()
        plan = plans()[0].code
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; peak RSS over the idle process")
        for name in args.only:
            path = tmp_dir / (f"{name}.xlsm" if name == "xlsm" else f"{name}.xlsx")
            started = time.perf_counter()
            if not path.exists():
                build(name, path, plan)
            print(f"\n{name}: {path.stat().st_size / 1e6:.1f} MB file (built in {time.perf_counter() - started:.0f} s)",
                  flush=True)
            with zipfile.ZipFile(path) as archive:
                inflated = sum(i.file_size for i in archive.infolist())
            print(f"  {inflated / 1e6:.0f} MB uncompressed")
            if args.before:
                print(f"  before: {_figures(run_case(args.before, path, url))}", flush=True)
            if not args.skip_after:
                print(f"  after:  {_figures(run_case(PROJECT_DIR, path, url))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
