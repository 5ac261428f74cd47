"""The maps' large constant geometry as static files the pages' charts load by URL, so a page does not send it
in every chart spec (and Streamlit does not serialize it on every run): the browser fetches the file once and
caches it. Reports (decks, snapshots, image downloads) keep the geometry inline: they render offline.

The files are in static/geo/ next to app.py, which Streamlit serves at app/static/ (`server.enableStaticServing`,
.streamlit/config.toml) and nginx from disk (deploy/nginx-site.conf.template). A file is named after its
dataset, whose name is a hash of the geometry (charts.maps._geometry), so it can be cached for good; it is
written from the shapes the builders use:

    python -m charts.static_geometry           # write the files (after the shapes change), remove stale ones
    python -m charts.static_geometry --check   # exit 1 when a file is missing, different or stale
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

from charts.maps import served_geometry

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"  # next to app.py: Streamlit's app static folder
FOLDER = "geo"
# Relative to the page (as Streamlit's own app/static links are), so it holds under any base path; every page's
# URL is one level under the app's root.
URL_PREFIX = f"app/static/{FOLDER}/"


def file_content(features: tuple[dict, ...]) -> bytes:
    """The geometry as the file holds it: the features' JSON array, what Vega-Lite reads from `datasets`."""
    return json.dumps(list(features), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def expected_files() -> dict[str, bytes]:
    """The file name -> its content, for each constant geometry the pages load by URL."""
    return {f"{name}.json": file_content(features) for name, features in served_geometry().items()}


@functools.cache
def served_urls() -> dict[str, str]:
    """The dataset name -> the URL the pages load it from (`urls_in` the static folder, once per process)."""
    return urls_in(STATIC_DIR / FOLDER)


def urls_in(directory: Path) -> dict[str, str]:
    """The dataset name -> its URL, for the geometry whose file is in `directory` and equal to the shapes (a file
    missing or different leaves that geometry inline: never a blank map)."""
    urls = {}
    for name, features in served_geometry().items():
        path = directory / f"{name}.json"
        if path.is_file() and path.read_bytes() == file_content(features):
            urls[name] = URL_PREFIX + path.name
    return urls


def problems(directory: Path = STATIC_DIR / FOLDER) -> list[str]:
    """What is wrong with the files: missing, different from the shapes, or stale (no longer used)."""
    expected = expected_files()
    found = {path.name for path in directory.glob("*.json")} if directory.is_dir() else set()
    wrong = [f"missing: {name}" for name in sorted(set(expected) - found)]
    wrong += [f"different: {name}" for name in sorted(set(expected) & found)
              if (directory / name).read_bytes() != expected[name]]
    return wrong + [f"stale: {name}" for name in sorted(found - set(expected))]


def write(directory: Path = STATIC_DIR / FOLDER) -> list[str]:
    """Write the files, remove stale ones; returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_files()
    for path in directory.glob("*.json"):
        if path.name not in expected:
            path.unlink()
    for name, content in expected.items():
        (directory / name).write_bytes(content)
    return sorted(expected)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        wrong = problems()
        print("\n".join(wrong) or "static geometry: up to date")
        return 1 if wrong else 0
    print("\n".join(write()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
