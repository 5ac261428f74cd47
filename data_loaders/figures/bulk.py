"""Figures that build thousands of small objects from their rows, without Python's cyclic garbage collector.

Each burst of allocations (a tuple per row, a dict per warning) starts collections, and the older
generations' go over every object the process holds — in an app process, Streamlit's, SQLAlchemy's and
every cached figure's — though rows and results hold no reference cycles for it to free (reference
counting frees them). The national warnings summary builds about 50,000 such objects: holding collection
while it does took its Python time from about 130 to 75 ms in `commune_values` alone
(benchmarks/README.md). Collection resumes as soon as the last figure holding it returns.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from typing import Callable, Iterator, TypeVar

Result = TypeVar("Result")

_GUARD = threading.Lock()
_holders = 0  # figures (in any thread) holding collection now
_resume = False  # whether collection was on when the first of them began


@contextlib.contextmanager
def collection_held() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting goes on), unless it was off already; held
    by several threads at once, it resumes when the last leaves."""
    global _holders, _resume
    with _GUARD:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _GUARD:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()


def without_collection(figure: Callable[..., Result]) -> Callable[..., Result]:
    """`figure` computed inside `collection_held`."""
    @functools.wraps(figure)
    def held(*args, **kwargs) -> Result:
        with collection_held():
            return figure(*args, **kwargs)
    return held
