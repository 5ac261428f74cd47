"""A process asking for the same shared figure as another (tests/integration/test_single_flight.py):
`python -m tests.support.single_flight_child URL COUNTER_FILE READY_DIR NAME`. It says it is ready,
waits for its sibling, reads the figure through the rollup cache and prints it as JSON; the figure
writes one line to COUNTER_FILE each time it is computed, and takes a second and a half."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from data_loaders.figures import cache
from data_loaders.store.engine import make_engine


def main() -> None:
    url, counter, ready_dir, name = sys.argv[1:5]

    def slow_figure(unit_code: str, engine=None) -> dict:  # noqa: ANN001
        with open(counter, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(1.5)
        return {"unit": unit_code, "computed_by": os.getpid()}

    slow_figure.__qualname__ = "slow_figure"  # the same key in every process
    cache.SHARED = cache.SHARED | {slow_figure}
    engine = make_engine(url)
    ready = Path(ready_dir)
    (ready / name).touch()
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    print(json.dumps(cache.read(slow_figure, engine, 7, "VN")))
    engine.dispose()


if __name__ == "__main__":
    main()
