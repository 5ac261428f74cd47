"""How fast the conference snapshot reaches the bridge points: N requests (default 3,355: the 34
provinces and 3,321 communes opening it at once) for the snapshot's page and its first chart, through
nginx, from C concurrent clients. Prints the total time and requests per second; the goal is all
3,355 within 10 s.

    .venv/bin/python -m benchmarks.bench_snapshot --url http://127.0.0.1:8080/snapshot/vn/ \
        [--requests 3355] [--concurrency 100]

Start the stack first (deploy/stack.sh start) and write a snapshot into its folder
(python -m reports snapshot --unit VN --out var/snapshot/vn)."""

from __future__ import annotations

import argparse
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass
class SnapshotRun:
    requests: int
    failures: int
    seconds: float
    bytes: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _fetch(url: str) -> tuple[bool, int]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
            return response.status == 200, len(body)
    except OSError:
        return False, 0


def run(base_url: str, requests: int = 3355, concurrency: int = 100) -> SnapshotRun:
    """Each request fetches the page or, every other time, its second slide's chart."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    urls = [base if index % 2 == 0 else base + "slide-2.svg" for index in range(requests)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(_fetch, urls))
    seconds = time.perf_counter() - started
    return SnapshotRun(requests, sum(1 for ok, _ in results if not ok), seconds, sum(size for _, size in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=3355)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    result = run(args.url, args.requests, args.concurrency)
    print(f"{result.requests} requests ({result.failures} failed), {result.bytes / 1e6:.1f} MB in "
          f"{result.seconds:.2f} s: {result.per_second:.0f} requests/s (goal: 3,355 in under 10 s)")


if __name__ == "__main__":
    main()
