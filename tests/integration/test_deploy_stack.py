"""The one-machine stack of deploy/ (deploy/stack.sh): two app processes behind nginx over one
PostgreSQL database. Checks what a province's IT team relies on: the health check answers through
nginx; Streamlit's static files come from nginx itself, gzipped, with a one-year cache; the
websocket is compressed (permessage-deflate) end to end through nginx; a browser's session sticks
to one replica (its file uploads reach the process that holds its websocket) while browsers spread
over both; and a data change committed through the data_loaders API (import and the post-commit
step) is seen at once by the overview on both replicas, each of which had the old figure cached.

Needs PostgreSQL (TEST_DATABASE_URL) and nginx (Debian's nginx-light); skipped with the reason
otherwise, except that NQ57_REQUIRE_NGINX=1 (set by .ci/run) turns a missing nginx into a failure."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks import bench_load
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.post_commit import after_commit
from data_loaders.store.engine import make_engine
from tests.support.databases import TEMPLATES, drop_database
from tests.support.fixtures.workbooks import TASK_HEADERS, task_row, workbook_bytes

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "stack.sh"
ROUTE_COOKIE = "nq57_route"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

if not os.environ.get("TEST_DATABASE_URL"):
    pytest.skip("the stack test needs PostgreSQL: set TEST_DATABASE_URL", allow_module_level=True)
if NGINX is None:
    if os.environ.get("NQ57_REQUIRE_NGINX") == "1":
        pytest.fail("nginx is required (NQ57_REQUIRE_NGINX=1) but not installed: apt-get install -y nginx-light",
                    pytrace=False)
    pytest.skip("nginx is not installed (Debian: apt-get install -y nginx-light)", allow_module_level=True)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int, start: int) -> int:
    """The first of `count` consecutive free ports from `start` (the replicas' ports follow each other)."""
    for base in range(start, start + 500):
        if all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} free consecutive ports from {start}")


@dataclass
class Stack:
    database_url: str
    proxy: str
    replicas: list[str]
    token: str
    env: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    url = TEMPLATES.copy("sample", "postgresql", "deploy_stack", tmp_path_factory.mktemp("stack"))
    snapshot_dir = Path(tempfile.mkdtemp(prefix="nq57-snapshot-"))  # nginx's workers must reach it
    snapshot_dir.chmod(0o755)
    app_port = _free_ports(2, 8610)
    proxy_port = _free_ports(1, 18080)
    env = {**os.environ, "DATABASE_URL": url, "NQ57_PYTHON": sys.executable, "NQ57_APP_PORT": str(app_port),
           "NQ57_PROXY_LISTEN": f"127.0.0.1:{proxy_port}", "NQ57_RUN_DIR": str(tmp_path_factory.mktemp("run")),
           "NQ57_NGINX": NGINX, "NQ57_SNAPSHOT_DIR": str(snapshot_dir)}
    env.pop("DATABASE_READ_URL", None)
    try:
        started = subprocess.run(["bash", str(STACK), "start", "2"], env=env, capture_output=True, text=True,
                                 timeout=300)
        assert started.returncode == 0, started.stderr
        yield Stack(url, f"http://127.0.0.1:{proxy_port}",
                    [f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{app_port + 1}"],
                    bench_load.sign_in_token(url), env)
    finally:
        subprocess.run(["bash", str(STACK), "stop"], env=env, capture_output=True, timeout=120)
        drop_database(url)
        shutil.rmtree(snapshot_dir, ignore_errors=True)


def run(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:  # see tests/integration/test_bench_load_small.py
        return pool.submit(asyncio.run, coroutine).result()


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


# --- a browser tab, as the load benchmark speaks it, with a route cookie ---------------------------------

def _put_file(base_url: str, session_id: str, cookies: str, xsrf: str) -> int:
    """What the upload widget does: PUT one file to the session's upload endpoint. 120 kB, more than
    nginx keeps in memory: the body goes through its temporary files, as a workbook's does."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n{'nq57' * 30_000}\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(
        f"{base_url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}", data=body, method="PUT",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookies,
                 "X-Xsrftoken": xsrf})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Tab:
    session_id: str
    received: bytes
    uploads: dict[str, int]  # base URL -> the status of a PUT to this tab's session there
    wire_bytes: int = 0  # what arrived on the tab's connection, as sent (compressed or not)
    extensions: str = ""  # the Sec-WebSocket-Extensions the server answered through nginx


async def open_tab(stack: Stack, route: str, put_to: list[str]) -> Tab:
    """Open the national overview through the proxy as a browser whose route cookie is `route`;
    while the tab is open, PUT a file to its session through each base URL of `put_to`."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    xsrf = await asyncio.to_thread(bench_load._xsrf_cookie, stack.proxy)
    cookies = (f"{ROUTE_COOKIE}={route}; {bench_load.SESSION_COOKIE}={stack.token}; "
               f"{bench_load.XSRF_COOKIE}={xsrf}")
    async with connect(stack.proxy.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit", xsrf],
                       additional_headers={"Cookie": cookies}, max_size=None, open_timeout=60,
                       create_connection=bench_load.counting_connection()) as websocket:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = ""
        await websocket.send(request.SerializeToString())
        received, session_id = bytearray(), ""
        async with asyncio.timeout(120):
            while True:
                data = await websocket.recv()
                received += data
                message = ForwardMsg()
                message.ParseFromString(data)
                kind = message.WhichOneof("type")
                if kind == "new_session" and message.new_session.initialize.session_id:
                    session_id = message.new_session.initialize.session_id
                if (kind == "script_finished"
                        and ForwardMsg.ScriptFinishedStatus.Name(message.script_finished) == "FINISHED_SUCCESSFULLY"):
                    break
        wire_bytes = websocket.wire_bytes
        extensions = websocket.response.headers.get("Sec-WebSocket-Extensions", "")
        uploads = {base: await asyncio.to_thread(_put_file, base, session_id, cookies, xsrf) for base in put_to}
    return Tab(session_id, bytes(received), uploads, wire_bytes, extensions)


def expected_total(stack: Stack, monkeypatch) -> bytes:
    monkeypatch.setenv("DATABASE_URL", stack.database_url)
    return bench_load.expected_figure("VN")


# --- the tests ---------------------------------------------------------------------------------------------

def test_health_check_answers_through_nginx(stack):
    status, headers, body = get(f"{stack.proxy}/_stcore/health")
    assert (status, body) == (200, b"ok")
    assert headers["Server"].startswith("nginx")


def test_static_files_are_served_by_nginx_gzipped_with_a_long_cache(stack):
    import streamlit

    _, page_headers, page = get(f"{stack.proxy}/")
    assert f"{ROUTE_COOKIE}=" in page_headers["Set-Cookie"]  # the sticky-session cookie
    script = next(part.split('"')[0] for part in page.decode().split('src="./')[1:] if part.startswith("static/js/"))
    status, headers, body = get(f"{stack.proxy}/{script}", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Server"].startswith("nginx")
    assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
    assert headers["Content-Encoding"] == "gzip"
    on_disk = Path(streamlit.__file__).parent / "static" / script
    assert gzip.decompress(body) == on_disk.read_bytes()
    # nginx's own entity tag (the file's mtime and size, weak once gzipped), not the replica's hash:
    # the file came from the disk, not through a Python process.
    stat = on_disk.stat()
    assert headers["ETag"] == f'W/"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    _, replica_headers, _ = get(f"{stack.replicas[0]}/{script}")
    assert replica_headers["ETag"] != f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'


def test_the_maps_geometry_is_served_by_nginx_gzipped_with_a_long_cache(stack):
    """The province shapes the pages' maps load by URL (charts/static_geometry.py) come from the project's static/
    folder through nginx, gzipped, cached for a year (their name is a hash of their content)."""
    from charts import static_geometry

    ((name, content),) = static_geometry.expected_files().items()
    status, headers, body = get(f"{stack.proxy}/{static_geometry.URL_PREFIX}{name}", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Server"].startswith("nginx")
    assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
    assert headers["Content-Type"] == "application/json" and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == content and len(body) < len(content) / 3
    # a replica serves the same file (server.enableStaticServing), for a browser that reaches it without nginx
    _, _, direct = get(f"{stack.replicas[0]}/{static_geometry.URL_PREFIX}{name}")
    assert direct == content


def test_the_websocket_is_compressed_through_nginx(stack):
    # .streamlit/config.toml (server.enableWebsocketCompression), read by every replica: the client's
    # permessage-deflate offer (every browser makes it) reaches the replica through nginx, the answer
    # comes back, and the frames pass as compressed: the overview (~246 KB, most of it the unit search's
    # labels) arrives in well under a third of its size.
    tab = run(open_tab(stack, "browser-deflate", []))
    assert tab.extensions.startswith("permessage-deflate"), tab.extensions
    assert 0 < tab.wire_bytes * 3 < len(tab.received), (tab.wire_bytes, len(tab.received))


@pytest.fixture(scope="module")
def routes(stack) -> dict[str, str]:
    """Sixteen browsers (route cookies) -> the replica each landed on, found by where its session lives."""
    found = {}
    for i in range(16):
        route = f"browser-{i:02d}"
        tab = run(open_tab(stack, route, [stack.proxy, *stack.replicas]))
        assert tab.session_id and tab.uploads[stack.proxy] in (200, 204), tab.uploads
        holders = [replica for replica in stack.replicas if tab.uploads[replica] in (200, 204)]
        assert len(holders) == 1, tab.uploads  # the session lives in exactly one process
        found[route] = holders[0]
    return found


def test_a_browsers_session_sticks_to_one_replica_and_browsers_spread(stack, routes):
    # Each browser's upload through the proxy reached the process holding its websocket (checked in
    # `routes`); the same browser lands on the same replica again; and both replicas serve browsers.
    route, replica = next(iter(routes.items()))
    again = run(open_tab(stack, route, stack.replicas))
    assert [base for base, status in again.uploads.items() if status in (200, 204)] == [replica]
    assert set(routes.values()) == set(stack.replicas)


def test_a_data_change_through_one_replica_is_seen_at_once_through_the_other(stack, routes, monkeypatch):
    on = {replica: route for route, replica in routes.items()}
    before = expected_total(stack, monkeypatch)
    for replica in stack.replicas:  # each process now holds the overview's figures at this data version
        assert before in run(open_tab(stack, on[replica], [])).received

    engine = make_engine(stack.database_url)
    try:
        rows = [task_row(f"DEPLOY-{i}", report="15/06/2025") for i in range(7)]
        result = import_file(workbook_bytes(rows, TASK_HEADERS), "deploy_tasks.xlsx", user="test", engine=engine)
        assert result.status == "imported", [problem.as_json() for problem in result.errors]
        after_commit(engine)  # the post-commit step every entry point runs
    finally:
        engine.dispose()
    after = expected_total(stack, monkeypatch)
    assert after != before

    for replica in reversed(stack.replicas):
        page = run(open_tab(stack, on[replica], [])).received
        assert after in page, f"{replica} still shows the old figures"


def test_the_conference_snapshot_is_served_by_nginx_to_many_at_once(stack):
    from benchmarks import bench_snapshot
    from reports.snapshot import write_snapshot

    engine = make_engine(stack.database_url)
    try:
        write_snapshot("VN", None, Path(stack.env["NQ57_SNAPSHOT_DIR"]) / "vn", engine=engine)
    finally:
        engine.dispose()
    status, headers, body = get(f"{stack.proxy}/snapshot/vn/")
    assert status == 200 and headers["Server"].startswith("nginx") and b'id="slide-1"' in body
    assert headers.get_all("Cache-Control") == ["public, max-age=60"] and "Set-Cookie" not in headers
    status, headers, chart = get(f"{stack.proxy}/snapshot/vn/slide-2.svg")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and chart.lstrip().startswith(b"<svg")
    result = bench_snapshot.run(f"{stack.proxy}/snapshot/vn/", requests=200, concurrency=20)  # correctness only
    assert result.failures == 0
