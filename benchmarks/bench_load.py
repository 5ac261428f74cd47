"""How many viewers one app process serves: a load generator that speaks Streamlit's own websocket
protocol, signed in with the app's session cookie, against servers it starts with different settings.

Each viewer is what a browser tab is to the server: it fetches the XSRF cookie from
`/_stcore/health`, opens `/_stcore/stream` with the `nq57_session` cookie of a real sign-in session,
asks for a script run of the overview (`rerun_script` with the view's query string) and waits for the
run's end (`script_finished` after the last rerun). N viewers start together. The table prints, for
each server setting side by side: p50/p95 seconds to the end of the run, views per second, the
server's CPU-seconds per view (from /proc, the server process and its children), the resident
memory it gained per open session, and the kilobytes a tab received on the wire until its view
was complete (the handshake and every frame as sent, compressed when permessage-deflate was
negotiated: the client offers it, as browsers do; Streamlit accepts it only with
`server.enableWebsocketCompression`).

    python -m benchmarks.bench_load                          # the sample data on SQLite, N = 1, 10, 25, 50
    python -m benchmarks.bench_load --viewers 1 10 25 50 100 --pg   # the national-scale PostgreSQL database
    python -m benchmarks.bench_load --url http://127.0.0.1:8080     # an already running stack (e.g. behind nginx)
    python -m benchmarks.bench_load --pg --stack 1 2                 # 1, then 2 replicas behind nginx (deploy/stack.sh)
    python -m benchmarks.bench_load --pg --compression --repeat 3    # the project's settings without and with
                                                                     # websocket compression, alternated 3 times

With `--stack`, CPU-seconds and memory are those of every replica and of nginx together.

`--small` runs one viewer against one server: the test suite uses it for correctness only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION_COOKIE = "nq57_session"
XSRF_COOKIE = "_streamlit_xsrf"
BENCH_USER = "bench_load"

# The settings compared: the project's .streamlit/config.toml (read by every `streamlit run` from the
# project folder) and Streamlit's defaults for the settings that matter (a development server);
# --each-setting adds each of the two alone.
PROJECT_SETTINGS: list[str] = []
DEFAULT_SETTINGS = ["--server.fileWatcherType", "auto", "--runner.postScriptGC", "true",
                    "--server.enableWebsocketCompression", "false"]
WATCHER_ONLY_DEFAULT = ["--server.fileWatcherType", "auto"]
GC_ONLY_DEFAULT = ["--runner.postScriptGC", "true"]
# --compression compares the project's settings with websocket compression off and on (whichever
# config.toml says, the flag decides).
COMPRESSION_OFF = ["--server.enableWebsocketCompression", "false"]
COMPRESSION_ON = ["--server.enableWebsocketCompression", "true"]


@dataclass
class ViewResult:
    seconds: float
    ok: bool
    error: str = ""
    wire_bytes: int = 0  # what the server sent on the tab's connection until the view was complete


@dataclass
class RoundResult:
    label: str
    viewers: int
    views: list[ViewResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    rss_gain_mb: float = 0.0
    rss_mb: float = 0.0

    def row(self) -> list[str]:
        times = sorted(v.seconds for v in self.views if v.ok)
        failed = sum(not v.ok for v in self.views)
        if not times:
            return [self.label, str(self.viewers), "-", "-", "-", "-", "-", "-", "-", str(failed)]
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        wire_kb = statistics.mean(v.wire_bytes for v in self.views if v.ok) / 1000
        return [self.label, str(self.viewers), f"{p50:.2f}", f"{p95:.2f}",
                f"{len(times) / self.wall_seconds:.1f}", f"{self.cpu_seconds / len(times):.3f}",
                f"{self.rss_gain_mb / self.viewers:.1f}", f"{self.rss_mb:.0f}", f"{wire_kb:.1f}", str(failed)]


# --- the server's own CPU and memory, read from /proc (no psutil needed) ---------------------------

def _process_tree(pid: int | list[int]) -> list[int]:
    pids = [pid] if isinstance(pid, int) else list(pid)
    frontier = list(pids)
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            pids.append(child)
            frontier.append(child)
    return pids


def cpu_seconds(pid: int | list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in _process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb(pid: int | list[int]) -> float:
    total = 0
    for each in _process_tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Hold:
    """Keeps finished tabs open until every viewer of the round has finished (or failed)."""

    def __init__(self, viewers: int) -> None:
        self.waiting = viewers
        self.all_arrived = asyncio.Event()
        self.release = asyncio.Event()

    def arrive(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.all_arrived.set()

    async def arrive_and_wait(self) -> None:
        self.arrive()
        await self.release.wait()


# --- a viewer ---------------------------------------------------------------------------------------

def counting_connection():
    """The websocket client's connection class, counting the bytes that arrive from the socket (as
    sent: compressed frames stay compressed) in `wire_bytes`."""
    from websockets.asyncio.client import ClientConnection

    class CountingConnection(ClientConnection):
        wire_bytes = 0

        def data_received(self, data: bytes) -> None:
            self.wire_bytes += len(data)
            super().data_received(data)

    return CountingConnection


def _xsrf_cookie(base_url: str) -> str:
    with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return rest.split(";", 1)[0]
    return ""


async def open_view(base_url: str, token: str, query_string: str, expect: bytes = b"",
                    hold: Hold | None = None, timeout: float = 300) -> ViewResult:
    """One viewer: connect, run the page, wait until its last script run has finished. With
    `expect`, the view counts only if a KPI card showing that figure arrived (an `st.metric` whose value
    is those bytes: the bytes anywhere in the stream could be part of a session id or a hash): a sign-in
    screen or an error page is a failure, not a fast view. With `hold`, the tab stays open (its session
    alive on the server) until the event is set, so memory can be read with every session open."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    started = time.perf_counter()
    try:
        xsrf = await asyncio.to_thread(_xsrf_cookie, base_url)
        cookie = f"{SESSION_COOKIE}={token}" + (f"; {XSRF_COOKIE}={xsrf}" if xsrf else "")
        ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
        protocols = ["streamlit", xsrf] if xsrf else ["streamlit"]
        async with connect(ws_url, subprotocols=protocols, additional_headers={"Cookie": cookie},
                           max_size=None, open_timeout=timeout, create_connection=counting_connection()) as websocket:
            request = BackMsg()
            request.rerun_script.query_string = query_string
            request.rerun_script.page_script_hash = ""
            await websocket.send(request.SerializeToString())
            shown = not expect
            async with asyncio.timeout(timeout):
                while True:
                    data = await websocket.recv()
                    message = ForwardMsg()
                    message.ParseFromString(data)
                    shown = shown or _shows_figure(message, expect.decode())
                    if message.WhichOneof("type") != "script_finished":
                        continue
                    status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                    if status == "FINISHED_SUCCESSFULLY":
                        break
                    if status == "FINISHED_WITH_COMPILE_ERROR":
                        return ViewResult(time.perf_counter() - started, False, status)
                    # FINISHED_EARLY_FOR_RERUN / FRAGMENT_RUN: another run follows
            seconds = time.perf_counter() - started
            result = (ViewResult(seconds, True, wire_bytes=websocket.wire_bytes) if shown
                      else ViewResult(seconds, False, "the page's figure is missing"))
            if hold is not None:
                await hold.arrive_and_wait()
            return result
    except Exception as error:  # a benchmark reports failures in its table, it does not stop
        if hold is not None:
            hold.arrive()
        return ViewResult(time.perf_counter() - started, False, f"{type(error).__name__}: {error}")


def _shows_figure(message, figure: str) -> bool:
    """Whether a ForwardMsg draws a KPI card (st.metric) whose value is `figure`."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return False
    element = message.delta.new_element
    return element.WhichOneof("type") == "metric" and element.metric.body == figure


def expected_figure(unit: str) -> bytes:
    """The unit's task total as the overview shows it in Vietnamese (the default language)."""
    from data_loaders.figures import summary
    from data_loaders.i18n import format_number

    return format_number(summary(unit)["tasks"]["total"], "vi").encode()


async def run_round(label: str, base_url: str, server_pid: int | list[int] | None, token: str, viewers: int,
                    units: list[str]) -> RoundResult:
    result = RoundResult(label, viewers)
    queries = [("" if unit == "VN" else f"province={unit}") for unit in units]
    expected = [expected_figure(unit) for unit in units]
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    rss_before = rss_mb(server_pid) if server_pid else 0.0
    hold = Hold(viewers)
    started = time.perf_counter()
    tabs = [asyncio.create_task(open_view(base_url, token, queries[i % len(queries)], expected[i % len(queries)],
                                          hold)) for i in range(viewers)]
    await hold.all_arrived.wait()
    result.wall_seconds = time.perf_counter() - started
    if server_pid:  # read with every session still open
        result.cpu_seconds = cpu_seconds(server_pid) - cpu_before
        result.rss_mb = rss_mb(server_pid)
        result.rss_gain_mb = result.rss_mb - rss_before
    hold.release.set()
    result.views = list(await asyncio.gather(*tabs))
    return result


# --- servers ----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, settings: list[str], port: int | None = None) -> tuple[subprocess.Popen, str]:
    port = port or _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    streamlit = str(Path(sys.executable).with_name("streamlit"))
    process = subprocess.Popen(
        [streamlit, "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", *settings],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2):
                return process, base_url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"the app did not start on {base_url}")


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


STACK_SCRIPT = ROOT / "deploy" / "stack.sh"


def _free_consecutive_ports(count: int) -> int:
    for _ in range(50):
        base = _free_port()
        if base + count < 65536 and all(_port_is_free(base + i) for i in range(1, count)):
            return base
    raise SystemExit(f"no {count} free consecutive ports")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_stack(database_url: str, replicas: int, run_dir: Path) -> tuple[list[int], str, dict]:
    """`deploy/stack.sh start N`: N replicas behind nginx on free ports. Returns the supervisors'
    pids (the replicas and nginx, each with its children), the proxy's URL and the stack's env."""
    proxy_port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "NQ57_PYTHON": sys.executable,
           "NQ57_APP_PORT": str(_free_consecutive_ports(replicas)), "NQ57_PROXY_LISTEN": f"127.0.0.1:{proxy_port}",
           "NQ57_RUN_DIR": str(run_dir)}
    done = subprocess.run(["bash", str(STACK_SCRIPT), "start", str(replicas)], env=env, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"deploy/stack.sh start {replicas} failed:\n{done.stderr}")
    return [int(path.read_text()) for path in run_dir.glob("*.pid")], f"http://127.0.0.1:{proxy_port}", env


def stop_stack(env: dict) -> None:
    subprocess.run(["bash", str(STACK_SCRIPT), "stop"], env=env, capture_output=True, timeout=120)


def sign_in_token(database_url: str) -> str:
    """A real sign-in session for a national viewer, made through the identity layer."""
    from data_loaders.identity import accounts, sessions
    from data_loaders.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        account = accounts.get_account(BENCH_USER, engine=engine)
        if account is None:
            account = accounts.create_account(BENCH_USER, secrets.token_urlsafe(16) + "Aa1!", role="viewer",
                                              actor="cli:bench_load", engine=engine)
        return sessions.open_session(account, engine=engine)
    finally:
        engine.dispose()


def _print_table(rows: list[list[str]]) -> None:
    header = ["settings", "viewers", "p50 s", "p95 s", "views/s", "CPU-s/view", "MB/session", "server MB", "KB/view",
              "failed"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)))


def benchmark_database(database_url: str | None, national_scale: bool, workdir: Path) -> str:
    """The database the servers read: `database_url`, the national-scale PostgreSQL database, or else the
    sample data in a fresh SQLite file under `workdir`, loaded as ./run.sh does. Set as DATABASE_URL here too
    (expected_figure reads the same database)."""
    if database_url is None and national_scale:
        base = os.environ.get("TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
        database_url = base.rsplit("/", 1)[0] + "/nq57_bench"
    elif database_url is None:
        database_url = f"sqlite:///{workdir / 'nq57.sqlite'}"
        env = {**os.environ, "DATABASE_URL": database_url}
        for command in ("upgrade", "seed"):
            subprocess.run([sys.executable, "-m", "data_loaders", command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
    os.environ["DATABASE_URL"] = database_url
    return database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 10, 25, 50])
    parser.add_argument("--units", nargs="+", default=["VN"],
                        help="views opened round-robin: VN (national) or province codes; 'random' picks 5 provinces")
    parser.add_argument("--pg", action="store_true", help="the national-scale PostgreSQL database (nq57_bench)")
    parser.add_argument("--database-url", help="default: the sample data in a new SQLite file")
    parser.add_argument("--url", help="an already running server or proxy (no settings comparison)")
    parser.add_argument("--stack", type=int, nargs="+", metavar="N",
                        help="also N replicas behind nginx (deploy/stack.sh) for each N given, after one process")
    parser.add_argument("--small", action="store_true", help="one viewer, one server: a correctness check")
    parser.add_argument("--each-setting", action="store_true",
                        help="also each default setting alone (file watcher on; collection after every run)")
    parser.add_argument("--compression", action="store_true",
                        help="the project's settings with websocket compression off, then on "
                             "(server.enableWebsocketCompression), instead of Streamlit's defaults")
    parser.add_argument("--port", type=int, help="the server's port (default: any free one)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="run the settings K times, alternating their order (A B, B A, ...), for A/B figures")
    args = parser.parse_args(argv)
    if args.url and not (args.database_url or args.pg):
        # the viewers sign in with a session written into the server's database: a fresh sample would not hold it
        parser.error("--url needs the server's database: --database-url URL or --pg")

    units = args.units
    if units == ["random"]:
        from data_loaders.units.divisions import all_units

        provinces = [unit.code for unit in all_units() if unit.level == "province"]
        units = random.Random(57).sample(provinces, 5)

    workdir = Path(tempfile.mkdtemp(prefix="nq57-load-"))
    try:
        database_url = benchmark_database(args.database_url, args.pg, workdir)
        token = sign_in_token(database_url)

        rows: list[list[str]] = []
        if args.url:
            for n in args.viewers:
                rows.append(asyncio.run(run_round("given server", args.url, None, token, n, units)).row())
        else:
            variants = [("project", PROJECT_SETTINGS)]
            if args.compression:
                variants = [("compression off", COMPRESSION_OFF), ("compression on", COMPRESSION_ON)]
            elif not args.small and not args.stack:  # --stack compares the project's settings only
                variants.append(("streamlit defaults", DEFAULT_SETTINGS))
            if args.each_setting:
                variants += [("file watcher on", WATCHER_ONLY_DEFAULT), ("GC after each run", GC_ONLY_DEFAULT)]
            counts = [1] if args.small else args.viewers
            runs = [variants if i % 2 == 0 else variants[::-1] for i in range(max(1, args.repeat))]
            for label, settings in [variant for run in runs for variant in run]:
                process, base_url = start_server(database_url, settings, args.port)
                try:
                    # One view first so that every round measures a warm process, as in production.
                    asyncio.run(run_round(label, base_url, process.pid, token, 1, units))
                    for n in counts:
                        rows.append(asyncio.run(run_round(label, base_url, process.pid, token, n, units)).row())
                finally:
                    stop_server(process)
            for replicas in args.stack or []:
                label = f"{replicas} behind nginx"
                pids, base_url, env = start_stack(database_url, replicas, workdir / f"stack-{replicas}")
                try:
                    for _ in range(replicas):  # warm each replica, as in production (browsers spread over them)
                        asyncio.run(run_round(label, base_url, pids, token, 4, units))
                    for n in counts:
                        rows.append(asyncio.run(run_round(label, base_url, pids, token, n, units)).row())
                finally:
                    stop_stack(env)
        _print_table(rows)
        return 1 if any(row[-1] != "0" for row in rows) else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
