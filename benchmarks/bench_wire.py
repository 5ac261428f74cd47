"""What one tab costs on the wire, with websocket compression off and on: a signed-in tab opens the
overview and drills down in the same session — the nation (a new tab), a province, one of its
communes, back up to the nation — against a server started with the project's settings and
`server.enableWebsocketCompression` false, then true (alternated with --repeat). Like a browser, the
tab tells the server which large messages it already holds (`cached_message_hashes`), so those come
as references, and it offers permessage-deflate; the header lines say what the server answered.

For each step: the kilobytes the server sent on the tab's connection (as sent: compressed frames
stay compressed; the first step includes the handshake's answer), the messages' own size (what the
browser has after inflating them), the server's CPU-seconds for the step (from /proc, the mean over
the repeats) and the CPU the compression itself costs: the step's messages deflated here as the
server deflates them (`deflate_seconds`), in process time.

    python -m benchmarks.bench_wire --pg                    # national-scale PostgreSQL (nq57_bench)
    python -m benchmarks.bench_wire --pg --repeat 3 --chromium
    python -m benchmarks.bench_wire                         # the sample data on a new SQLite file

With `--chromium` a real browser (Debian's /usr/bin/chromium through Playwright) also opens the
national overview once per setting through a byte-counting TCP relay, for the new tab's websocket
bytes as a browser negotiates them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_load import (
    COMPRESSION_OFF,
    COMPRESSION_ON,
    SESSION_COOKIE,
    XSRF_COOKIE,
    _shows_figure,
    _xsrf_cookie,
    benchmark_database,
    counting_connection,
    cpu_seconds,
    expected_figure,
    sign_in_token,
    start_server,
    stop_server,
)

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Step:
    label: str
    query_string: str
    unit: str


@dataclass
class StepResult:
    wire_bytes: int
    message_bytes: int
    cpu_seconds: float
    messages: list[bytes]


def deflate_seconds(steps: list[list[bytes]], repeat: int = 20) -> list[float]:
    """CPU-seconds (process time: what other load hardly moves) to compress each step's messages the
    way the server does (uvicorn's permessage-deflate: zlib, a 4 KB window, memLevel 5, one context
    kept for the whole tab, a sync flush after each message); the median of `repeat` tabs."""
    import zlib

    timings: list[list[float]] = [[] for _ in steps]
    for _ in range(repeat):
        encoder = zlib.compressobj(wbits=-12, memLevel=5)
        for index, messages in enumerate(steps):
            started = time.process_time()
            for message in messages:
                encoder.compress(message)
                encoder.flush(zlib.Z_SYNC_FLUSH)
            timings[index].append(time.process_time() - started)
    return [statistics.median(each) for each in timings]


def journey(province: str) -> list[Step]:
    from data_loaders.units.divisions import all_units

    commune = min(u.code for u in all_units() if u.level == "commune" and u.province_code == province)
    return [Step("new tab: the nation", "", "VN"),
            Step(f"drill-down: province {province}", f"province={province}", province),
            Step(f"drill-down: commune {commune}", f"province={province}&commune={commune}", commune),
            Step("back up: the nation", "", "VN")]


async def walk(base_url: str, token: str, steps: list[Step], expected: dict[str, bytes],
               server_pid: int) -> tuple[list[StepResult], str]:
    """One tab through the steps; returns each step's figures and the extensions the server accepted."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    xsrf = await asyncio.to_thread(_xsrf_cookie, base_url)
    cookie = f"{SESSION_COOKIE}={token}" + (f"; {XSRF_COOKIE}={xsrf}" if xsrf else "")
    results: list[StepResult] = []
    async with connect(base_url.replace("http", "ws", 1) + "/_stcore/stream",
                       subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
                       additional_headers={"Cookie": cookie}, max_size=None, open_timeout=120,
                       create_connection=counting_connection()) as websocket:
        extensions = websocket.response.headers.get("Sec-WebSocket-Extensions") or "none"
        wire_before = 0  # the handshake's answer counts in the first step
        cached: set[str] = set()  # what the browser keeps: each message Streamlit marks cacheable, by hash
        cards: set[str] = set()  # of those, the KPI cards showing a step's figure (a reference shows it again)
        for step in steps:
            cpu_before = cpu_seconds(server_pid)
            request = BackMsg()
            request.rerun_script.query_string = step.query_string
            request.rerun_script.page_script_hash = ""
            request.rerun_script.cached_message_hashes.extend(sorted(cached))  # as the browser tells it
            await websocket.send(request.SerializeToString())
            received, messages = bytearray(), []
            figure, shown = expected[step.unit].decode(), False
            async with asyncio.timeout(300):
                while True:
                    data = await websocket.recv()
                    received += data
                    messages.append(data)
                    message = ForwardMsg()
                    message.ParseFromString(data)
                    if message.metadata.cacheable and message.hash:
                        cached.add(message.hash)
                    if _shows_figure(message, figure):
                        shown = True
                        cards.add(message.hash)
                    elif message.WhichOneof("type") == "ref_hash" and message.ref_hash in cards:
                        shown = True
                    if (message.WhichOneof("type") == "script_finished" and message.script_finished
                            == ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")):
                        break
            try:  # what follows the run's end (none expected) belongs to this step too
                async with asyncio.timeout(0.3):
                    while True:
                        messages.append(await websocket.recv())
                        received += messages[-1]
            except TimeoutError:
                pass
            if not shown:  # a KPI card with the figure: its digits anywhere could be part of a hash or session id
                raise SystemExit(f"{step.label}: the page's figure is missing (not signed in, or an error page)")
            results.append(StepResult(websocket.wire_bytes - wire_before, len(received),
                                      cpu_seconds(server_pid) - cpu_before, messages))
            wire_before = websocket.wire_bytes
    return results, extensions


# --- a real browser through a byte-counting relay ------------------------------------------------------

class CountingRelay:
    """A TCP relay in front of the server that counts, per connection, what the server sends to the
    browser; a connection whose first request is the websocket's is counted under `stream_bytes`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.stream_bytes = 0
        self.other_bytes = 0
        self.extensions: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        first = await reader.read(65536)
        is_stream = first.startswith(b"GET /_stcore/stream")
        upstream_writer.write(first)

        async def pipe(source, sink, count: bool) -> None:
            try:
                while data := await source.read(65536):
                    if count:
                        if is_stream:
                            if self.stream_bytes == 0 and b"\r\n\r\n" in data:
                                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
                                self.extensions += [line.split(":", 1)[1].strip() for line in head.splitlines()
                                                    if line.startswith("sec-websocket-extensions:")] or ["none"]
                            self.stream_bytes += len(data)
                        else:
                            self.other_bytes += len(data)
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer, False), pipe(upstream_reader, writer, True))


async def browser_new_tab(base_url: str, token: str, figure: bytes, relay_port: int) -> tuple[int, int, str]:
    """Chromium opens the national overview through the relay; returns (websocket bytes, other bytes,
    the extensions the server answered)."""
    from playwright.async_api import async_playwright

    relay = CountingRelay(int(base_url.rsplit(":", 1)[1]))
    server = await asyncio.start_server(relay.handle, "127.0.0.1", relay_port)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                context = await browser.new_context()
                await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "domain": "127.0.0.1",
                                            "path": "/"}])
                page = await context.new_page()
                await page.goto(f"http://127.0.0.1:{relay_port}/", timeout=120_000)
                await page.wait_for_function("text => document.body.innerText.includes(text)",
                                             arg=figure.decode(), timeout=120_000)
                await page.wait_for_timeout(1500)  # what follows the run's end
                return relay.stream_bytes, relay.other_bytes, ",".join(relay.extensions)
            finally:
                await browser.close()
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="the national-scale PostgreSQL database (nq57_bench)")
    parser.add_argument("--database-url", help="default: the sample data in a new SQLite file")
    parser.add_argument("--province", default="68", help="the province drilled into (then its first commune)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="K tabs per setting, the settings alternated (off on, on off, ...)")
    parser.add_argument("--port", type=int, help="the server's port (default: any free one)")
    parser.add_argument("--chromium", action="store_true", help="also a real browser's new tab, once per setting")
    parser.add_argument("--relay-port", type=int, default=0, help="the browser relay's port (default: port + 1)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="nq57-wire-"))
    try:
        database_url = benchmark_database(args.database_url, args.pg, workdir)
        token = sign_in_token(database_url)
        steps = journey(args.province)
        expected = {step.unit: expected_figure(step.unit) for step in steps}

        variants = [("compression off", COMPRESSION_OFF), ("compression on", COMPRESSION_ON)]
        results: dict[str, list[list[StepResult]]] = {label: [] for label, _ in variants}
        answered: dict[str, str] = {}
        browser: dict[str, tuple[int, int, str]] = {}
        for i in range(max(1, args.repeat)):
            for label, settings in (variants if i % 2 == 0 else variants[::-1]):
                process, base_url = start_server(database_url, settings, args.port)
                try:
                    asyncio.run(walk(base_url, token, steps[:1], expected, process.pid))  # warm, as in production
                    walked, answered[label] = asyncio.run(walk(base_url, token, steps, expected, process.pid))
                    results[label].append(walked)
                    if args.chromium and label not in browser:
                        relay_port = args.relay_port or (int(base_url.rsplit(":", 1)[1]) + 1)
                        browser[label] = asyncio.run(browser_new_tab(base_url, token, expected["VN"], relay_port))
                finally:
                    stop_server(process)

        print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for label, _ in variants:
            print(f"{label}: the server answered Sec-WebSocket-Extensions: {answered[label]}")
        deflate = deflate_seconds([step.messages for step in results[variants[1][0]][0]])
        header = ["step", "setting", "wire KB", "messages KB", "ratio", "server CPU-s", "deflate CPU-ms"]
        rows = []
        for index, step in enumerate(steps):
            for label, _ in variants:
                runs = [walked[index] for walked in results[label]]
                wire = statistics.median(r.wire_bytes for r in runs)
                size = statistics.median(r.message_bytes for r in runs)
                rows.append([step.label, label, f"{wire / 1000:.1f}", f"{size / 1000:.1f}",
                             f"{size / wire:.1f}×", f"{statistics.mean(r.cpu_seconds for r in runs):.3f}",
                             f"{deflate[index] * 1000:.1f}" if label == "compression on" else "-"])
        for label, (stream, other, extensions) in browser.items():
            rows.append(["Chromium new tab: the nation", label, f"{stream / 1000:.1f}", "-", "-", "-", "-"])
            print(f"Chromium, {label}: websocket extensions answered {extensions}; "
                  f"{other / 1000:.1f} KB of other HTTP (page, static files)")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
