"""The load benchmark's correctness (no timing asserts): a viewer signed in with a real session
cookie gets the overview with its figure; a viewer with a wrong cookie does not count as a view.
And what the project's settings do on the wire (benchmarks/bench_wire.py): the websocket is
compressed."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import bench_load, bench_wire
from tests.support.databases import TEMPLATES


def run_coroutine(coroutine):
    """Runs the benchmark's coroutine on a thread of its own: the browser tests' Playwright keeps an
    event loop running on the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = TEMPLATES.copy("sample", "sqlite", "bench_load", tmp_path_factory.mktemp("load"))
    process, base_url = bench_load.start_server(url, bench_load.PROJECT_SETTINGS)
    yield url, process, base_url
    bench_load.stop_server(process)


def test_signed_in_viewers_get_the_overview(server, monkeypatch):
    url, process, base_url = server
    monkeypatch.setenv("DATABASE_URL", url)
    token = bench_load.sign_in_token(url)
    result = run_coroutine(bench_load.run_round("project", base_url, process.pid, token, 3, ["VN", "68"]))
    assert [view.error for view in result.views] == ["", "", ""]
    assert result.cpu_seconds > 0 and result.rss_mb > 0
    assert all(view.wire_bytes > 10_000 for view in result.views)  # the page's bytes, as they arrived


def test_a_view_without_a_sign_in_is_a_failure(server, monkeypatch):
    url, process, base_url = server
    monkeypatch.setenv("DATABASE_URL", url)
    result = run_coroutine(bench_load.run_round("project", base_url, process.pid, "not-a-session", 1, ["VN"]))
    assert [view.ok for view in result.views] == [False]
    assert result.row()[-1] == "1"


def test_the_project_settings_compress_the_websocket(server, monkeypatch):
    # .streamlit/config.toml turns permessage-deflate on (server.enableWebsocketCompression): offered
    # as browsers offer it, it is accepted, and a new tab's overview (~246 KB, most of it the unit
    # search's labels) arrives in well under a third of its size; a drill-down in the same tab (its
    # large messages referenced, not sent again) smaller than its messages too.
    url, process, base_url = server
    monkeypatch.setenv("DATABASE_URL", url)
    steps = bench_wire.journey("68")[:2]
    expected = {step.unit: bench_load.expected_figure(step.unit) for step in steps}
    results, extensions = run_coroutine(
        bench_wire.walk(base_url, bench_load.sign_in_token(url), steps, expected, process.pid))
    assert extensions.startswith("permessage-deflate"), extensions
    new_tab, drill_down = results
    assert 0 < new_tab.wire_bytes * 3 < new_tab.message_bytes, (new_tab.wire_bytes, new_tab.message_bytes)
    assert 0 < drill_down.wire_bytes < drill_down.message_bytes < new_tab.message_bytes / 2
