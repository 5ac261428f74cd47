"""Single flight for the shared figures (issue 17, item 4): however many threads and processes ask for
the same figure of the same data version at once, it is computed once; the others wait and read what
the first stored. Figures of other keys are not held up meanwhile. Both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from data_loaders.figures import cache

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_threads_compute_a_figure_once(empty_engine, monkeypatch):
    calls: list[str] = []

    def slow_total(unit_code: str, engine=None) -> dict:  # noqa: ANN001
        calls.append(unit_code)
        time.sleep(0.8)
        return {"unit": unit_code, "n": len(calls)}

    monkeypatch.setattr(cache, "SHARED", cache.SHARED | {slow_total})
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(cache.read(slow_total, empty_engine, 3, "VN")))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    # another figure is not held up by the one being computed
    started = time.perf_counter()
    other = cache.read(slow_total, empty_engine, 3, "68")
    assert other["unit"] == "68"
    for thread in threads:
        thread.join(30)
    assert sorted(calls) == ["68", "VN"]  # each key once, the VN figure by one of four threads
    assert len(results) == 4 and all(r == results[0] for r in results) and results[0]["unit"] == "VN"
    assert time.perf_counter() - started < 3.2  # 68 ran beside VN, not after all four
    # a new data version computes anew, once
    assert cache.read(slow_total, empty_engine, 4, "VN")["unit"] == "VN" and calls.count("VN") == 2


def test_processes_compute_a_figure_once(empty_engine, tmp_path):
    url = empty_engine.url.render_as_string(hide_password=False)
    counter, ready = tmp_path / "computed.txt", tmp_path / "ready"
    ready.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    children = [subprocess.Popen([sys.executable, "-m", "tests.support.single_flight_child", url, str(counter),
                                  str(ready), name], cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outputs = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    computed = counter.read_text().split()
    assert len(computed) == 1, computed  # one process computed, the other waited and read its result
    results = [json.loads(out) for out, _ in outputs]
    assert results[0] == results[1] == {"unit": "VN", "computed_by": int(computed[0])}


def test_a_failed_computation_releases_its_lock(empty_engine, monkeypatch):
    """A figure that fails leaves nothing stored and nothing held: the next reader computes it."""
    attempts: list[int] = []

    def flaky(unit_code: str, engine=None) -> dict:  # noqa: ANN001
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the database went away")
        return {"unit": unit_code}

    monkeypatch.setattr(cache, "SHARED", cache.SHARED | {flaky})
    try:
        cache.read(flaky, empty_engine, 5, "VN")
    except RuntimeError:
        pass
    else:
        raise AssertionError("the first computation should have failed")
    result: list = []
    thread = threading.Thread(target=lambda: result.append(cache.read(flaky, empty_engine, 5, "VN")))
    thread.start()
    thread.join(20)
    assert result == [{"unit": "VN"}] and len(attempts) == 2
