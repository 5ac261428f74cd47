"""A screenshot gallery: every page and every presentation slide, at the national level, a province and a
commune, in Vietnamese and English, at a projector, a full-HD screen and a phone, as PNGs in a folder.

    python scripts/gallery.py OUT_DIR                      # starts the app on a copy of var/nq57.sqlite
    python scripts/gallery.py OUT_DIR --url http://127.0.0.1:8501 --username admin --password …
    python scripts/gallery.py OUT_DIR --only slides --sizes 1280x720 --langs vi
    python scripts/gallery.py OUT_DIR --only pages --pages upload,audit --scopes VN --sizes 390x844

Without --url, the app is started (`streamlit run app.py`, as the browser tests start it) on a private copy
of the SQLite database (DATABASE_URL, or var/nq57.sqlite), where a gallery administrator is created; with
--url, it signs in to a running app as --username/--password (or NQ57_GALLERY_PASSWORD). Slides are taken
in presentation mode (sidebar hidden), the way a projector shows them. File names:
`{lang}_{width}x{height}_{scope}_{page}.png` and `{lang}_{width}x{height}_{scope}_slide{N}.png`.
Needs Chromium at /usr/bin/chromium and the playwright package (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from data_loaders.figures.views import LANG_KEY, PAGE_PATHS  # noqa: E402

SIZES = ("1280x720", "1920x1080", "390x844")
LANGUAGES = ("vi", "en")
# The national level, Lâm Đồng, and one of its communes: query strings as data_loaders/figures/views.py writes them.
SCOPES = {"VN": "", "68": "province=68", "24781": "province=68&commune=24781"}
GALLERY_USER = "gallery-admin"
GALLERY_PASSWORD = "anh-chup-man-hinh-57"  # only ever in the gallery's private copy of the database
SLIDE_COUNTER = ".nq57-slide-number"
MAIN_HEIGHT = "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0"
MAX_HEIGHT = 12000  # px: a page longer than this is cut in its picture
NO_SKELETON = "() => document.querySelector('[data-testid=\"stSkeleton\"]') === null"
COUNTER_IS = "([sel, n]) => ((document.querySelector(sel)?.innerText || '').match(/\\d+/) || [])[0] === n"


def _start_app(database_url: str | None, port: int, work: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a private copy of the SQLite database, with a gallery administrator in it."""
    from data_loaders.store.engine import make_engine
    from tests.support.auth_helpers import ensure_account
    from tests.support.browser_support import copy_sqlite, free_port

    source = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'var' / 'nq57.sqlite'}"
    if not source.startswith("sqlite:///"):
        sys.exit("without --url the gallery copies a SQLite database; for another database pass --url and sign-in")
    url = copy_sqlite(source, work / "gallery.sqlite")
    engine = make_engine(url)
    try:
        ensure_account(engine, GALLERY_USER, password=GALLERY_PASSWORD)
    finally:
        engine.dispose()
    port = port or free_port()
    log = open(work / "streamlit.log", "w")  # noqa: SIM115  (kept open for the server's life)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env={**os.environ, "DATABASE_URL": url}, stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(url: str, process: subprocess.Popen | None) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"the app exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"the app at {url} did not answer within 120 s")


class Gallery:
    def __init__(self, browser, url: str, username: str, password: str, out: Path,
                 page_names: list[str] | None = None) -> None:
        self.browser, self.url, self.username, self.password, self.out = browser, url, username, password, out
        self.page_names = page_names or list(PAGE_PATHS)
        self.taken: list[Path] = []

    def session(self, size: str, lang: str):
        """A signed-in page at a window size (the sign-in is kept in the browser's cookie)."""
        from tests.support.browser_support import RUN_TIMEOUT_MS

        width, height = (int(part) for part in size.split("x"))
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(RUN_TIMEOUT_MS)
        self.open(page, self.url, lang)
        return context, page

    def settle(self, page) -> None:
        from tests.support.browser_support import RUN_TIMEOUT_MS, wait_until_run_finished

        wait_until_run_finished(page)
        # on a loaded machine widgets and cards still show their grey placeholders a few seconds after the run
        page.wait_for_function(NO_SKELETON, timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(400)  # charts finish painting

    def open(self, page, url: str, lang: str) -> None:
        """A link, signed in, in a language: the link names it (`lang=`); without it a sign-in would open in the
        language the account chose last, whatever the gallery asked for."""
        url += ("&" if "?" in url else "?") + f"{LANG_KEY}={lang}"
        page.goto(url)
        self.settle(page)
        if page.locator(".st-key-sign_in_submit").count():
            page.locator(".st-key-sign_in_username input").fill(self.username)
            page.locator(".st-key-sign_in_password input").fill(self.password)
            page.locator(".st-key-sign_in_submit button").click()
            page.locator('[data-testid="stSidebarNav"]').wait_for(state="attached")  # folded on a phone
            self.settle(page)

    def navigate(self, page, path: str, query: str, lang: str) -> None:
        """A page at a scope, as a shared link carries them (data_loaders/figures/views.py)."""
        self.open(page, f"{self.url}/{path}" + (f"?{query}" if query else ""), lang)

    def shoot(self, page, name: str, whole: bool = False) -> None:
        """The window as it is; `whole`: the page's full length (Streamlit scrolls inside its main area, so the
        window is made as tall as the content for the picture, then put back)."""
        page.mouse.move(0, 0)  # no hover toolbar or tooltip in the picture
        page.wait_for_timeout(150)
        path = self.out / f"{name}.png"
        size = page.viewport_size
        if whole:
            height = page.evaluate(MAIN_HEIGHT)
            if height > size["height"]:
                page.set_viewport_size({"width": size["width"], "height": min(height, MAX_HEIGHT)})
                page.wait_for_timeout(800)  # charts redraw at the new size
        page.screenshot(path=str(path))
        if page.viewport_size != size:
            page.set_viewport_size(size)
        self.taken.append(path)
        print(path, flush=True)

    def pages(self, size: str, lang: str, scopes: list[str]) -> None:
        context, page = self.session(size, lang)
        try:
            for scope in scopes:
                for name in self.page_names:
                    path = PAGE_PATHS[name]
                    self.navigate(page, path, SCOPES[scope], lang)
                    self.shoot(page, f"{lang}_{size}_{scope}_{name}", whole=True)
        finally:
            context.close()

    def slides(self, size: str, lang: str, scopes: list[str]) -> None:
        context, page = self.session(size, lang)
        try:
            for scope in scopes:
                self.navigate(page, "presentation", f"{SCOPES[scope]}&slide=1".lstrip("&"), lang)
                toggle = page.locator(".st-key-presentation_fullscreen input")
                if toggle.count() and not toggle.is_checked():
                    page.locator(".st-key-presentation_fullscreen label").first.click()
                    self.settle(page)
                count = int(re.findall(r"\d+", page.locator(SLIDE_COUNTER).inner_text())[-1])
                for number in range(1, count + 1):
                    self.shoot(page, f"{lang}_{size}_{scope}_slide{number}")
                    if number < count:
                        page.keyboard.press("ArrowRight")
                        page.wait_for_function(COUNTER_IS, arg=[SLIDE_COUNTER, f"{number + 1}"])
                        self.settle(page)
                page.keyboard.press("Escape")  # leave presentation mode (and the browser's full screen)
                self.settle(page)
        finally:
            context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs (created)")
    parser.add_argument("--url", help="a running app; without it the app is started on a copy of the database")
    parser.add_argument("--database-url", help="the SQLite database to copy (default: DATABASE_URL or var/nq57.sqlite)")
    parser.add_argument("--port", type=int, default=0, help="port for the app the gallery starts (default: a free one)")
    parser.add_argument("--username", default=GALLERY_USER)
    parser.add_argument("--password", default=os.environ.get("NQ57_GALLERY_PASSWORD", GALLERY_PASSWORD))
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated WIDTHxHEIGHT")
    parser.add_argument("--langs", default=",".join(LANGUAGES))
    parser.add_argument("--scopes", default=",".join(SCOPES), help=f"among {', '.join(SCOPES)}")
    parser.add_argument("--only", choices=("pages", "slides"), help="only the pages, or only the slides")
    parser.add_argument("--pages", default=",".join(PAGE_PATHS), help=f"among {', '.join(PAGE_PATHS)}")
    args = parser.parse_args(argv)
    sizes, langs, scopes, names = (value.split(",") for value in (args.sizes, args.langs, args.scopes, args.pages))
    unknown = ([scope for scope in scopes if scope not in SCOPES] + [lang for lang in langs if lang not in LANGUAGES]
               + [name for name in names if name not in PAGE_PATHS])
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    from tests.support.browser_support import CHROMIUM, CHROMIUM_ARGS, stop_server

    with tempfile.TemporaryDirectory(prefix="nq57_gallery_") as work:
        process = None
        url = args.url
        if url is None:
            process, url = _start_app(args.database_url, args.port, Path(work))
        try:
            _wait_healthy(url.rstrip("/"), process)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                gallery = Gallery(browser, url.rstrip("/"), args.username, args.password, args.out, names)
                for lang in langs:
                    for size in sizes:
                        if args.only != "slides":
                            gallery.pages(size, lang, scopes)
                        if args.only != "pages":
                            gallery.slides(size, lang, scopes)
                browser.close()
        finally:
            if process is not None:
                stop_server(process)
    print(f"{len(gallery.taken)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
