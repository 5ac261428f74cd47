"""The load benchmark's correctness (no timing asserts): a viewer signed in with a real session
cookie gets the overview with its figure; a viewer with a wrong cookie does not count as a view."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import bench_load
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


def test_a_view_without_a_sign_in_is_a_failure(server, monkeypatch):
    url, process, base_url = server
    monkeypatch.setenv("DATABASE_URL", url)
    result = run_coroutine(bench_load.run_round("project", base_url, process.pid, "not-a-session", 1, ["VN"]))
    assert [view.ok for view in result.views] == [False]
    assert result.row()[-1] == "1"
