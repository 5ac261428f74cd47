"""The one step after a commit that changed data, run by the upload page and by
`python -m data_loaders import` alike: the data version has moved (every cache keyed on it is now
stale), so compute the shared figures for the new version, before the first leader asks for them."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from data_loaders.figures import cache
from data_loaders.store import engine as db

log = logging.getLogger("nq57.ingest")


def after_commit(engine: Engine, *, background: bool = False) -> threading.Thread | None:
    """Warm the shared figures cache at the new data version: in a daemon thread with
    `background` (the page must not wait; the thread is returned), else before returning (the
    command line, whose process would end a thread). A failure is logged, never raised: the
    upload itself is committed, and any reader computes a missing figure."""
    if background:
        thread = threading.Thread(target=_warm, args=(engine,), name="nq57-warm", daemon=True)
        thread.start()
        return thread
    _warm(engine)
    return None


def _warm(engine: Engine) -> None:
    try:
        version = db.data_version(engine)
        count = cache.warm(engine, version)
        log.info("%d figures computed for data version %d", count, version)
    except Exception:  # noqa: BLE001 - see after_commit
        log.exception("warming the figures after a commit failed")
