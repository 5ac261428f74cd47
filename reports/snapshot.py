"""The conference snapshot: the briefing of a unit at a date as a static site — every slide's title,
sentence, exact figures and list, its chart as SVG and the QR code to the live view — that nginx serves
to any number of bridge points with no Python behind it (deploy/: location /snapshot/).

    python -m reports snapshot --unit VN --as-of 2025-06-30 [--lang vi|en] --out DIR

DIR receives index.html, slide-N.svg, qr-N.png and snapshot.json (what it shows and when it was
made). The files are written to a temporary folder beside DIR and swapped in at the end, so a
reader never sees half a snapshot."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path

from sqlalchemy import Engine

from charts.render import chart_svg
from data_loaders.i18n import format_date, t
from data_loaders.store import engine as db
from data_loaders.store.settings import url_is_local
from reports.qr import qr_png
from reports.slides import Deck, Slide, build_slides

_STYLE = """
body{margin:0;font-family:"Noto Sans",Arial,sans-serif;color:#1a2a44;background:#f4f6fa}
header{background:#0d2c54;color:#fff;padding:16px 24px}header h1{margin:0;font-size:1.6rem}
header p{margin:4px 0 0;opacity:.85}nav{padding:8px 24px;background:#fff;border-bottom:1px solid #dde3ec}
nav a{margin-right:12px;color:#0d2c54}main{max-width:1200px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:8px;margin:16px 0;padding:20px 24px;box-shadow:0 1px 3px #0002}
h2{margin:0 0 4px;font-size:1.5rem}.frozen{color:#5b6b82;margin:0 0 12px}.sentence{font-size:1.25rem}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.figure{border:1px solid #dde3ec;border-radius:6px;
padding:8px 12px;min-width:150px}.figure b{display:block;font-size:1.5rem}.alert b{color:#c62828}
.body{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.chart{flex:1 1 560px;max-width:100%}
.chart img{width:100%;height:auto}.qr{flex:0 0 160px;text-align:center;font-size:.85rem}.qr img{width:150px}
.warn{color:#c62828;font-weight:bold}ul{margin:8px 0}footer{color:#5b6b82;padding:16px 24px}
"""


def _slide_html(slide: Slide, chart_file: str | None, lang: str) -> str:
    figures = "".join(
        f'<div class="figure{" alert" if figure.alert and figure.raw else ""}">{escape(figure.label)}'
        f'<b>{escape(figure.value)}</b>{escape(figure.change or "")}</div>' for figure in slide.figures)
    bullets = "".join(f"<li>{escape(bullet)}</li>" for bullet in slide.bullets)
    local = url_is_local(slide.url)
    caption = (f'<p class="warn">{escape(t("slides_qr_local_deck", lang))}</p>' if local
               else f'<p><a href="{escape(slide.url)}">{escape(t("snapshot_live_view", lang))}</a></p>')
    chart = f'<div class="chart"><img src="{chart_file}" alt="{escape(slide.title)}"></div>' if chart_file else ""
    return (f'<section id="slide-{slide.number}"><h2>{slide.number}. {escape(slide.title)}</h2>'
            f'<p class="frozen">{escape(slide.frozen)}</p><p class="sentence">{escape(slide.sentence)}</p>'
            + (f'<div class="figures">{figures}</div>' if figures else "")
            + (f"<ul>{bullets}</ul>" if bullets else "")
            + f'<div class="body">{chart}<div class="qr"><img src="qr-{slide.number}.png" alt="QR">{caption}</div>'
            "</div></section>")


def snapshot_html(deck: Deck, chart_files: dict[int, str], made_at: dt.datetime) -> str:
    lang = deck.lang
    nav = "".join(f'<a href="#slide-{s.number}">{s.number}. {escape(s.title)}</a>' for s in deck.slides)
    slides = "".join(_slide_html(s, chart_files.get(s.number), lang) for s in deck.slides)
    made = t("snapshot_made", lang, date=format_date(made_at.date(), lang), time=f"{made_at:%H:%M}")
    title = f"{deck.unit_label} — {format_date(deck.as_of, lang)}"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><header><h1>{escape(t('snapshot_title', lang))}: "
            f"{escape(deck.unit_label)}</h1><p>{escape(t('as_of_caption', lang, date=format_date(deck.as_of, lang)))}"
            f"</p></header><nav>{nav}</nav><main>{slides}</main><footer>{escape(deck.source)} · {escape(made)}"
            "</footer></body></html>")


def write_snapshot(unit_code: str, as_of: dt.date | None, out: Path, *, lang: str = "vi",
                   engine: Engine | None = None, now: dt.datetime | None = None) -> Deck:
    """Write the snapshot of a unit's briefing into `out` (replacing what was there); returns the deck."""
    engine = engine or db.get_engine()
    deck = build_slides(unit_code, as_of, lang=lang, engine=engine)
    made_at = now or dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        def render(slide: Slide) -> tuple[int, str | None]:
            (staging / f"qr-{slide.number}.png").write_bytes(qr_png(slide.url))
            if slide.chart is None:
                return slide.number, None
            name = f"slide-{slide.number}.svg"
            (staging / name).write_text(chart_svg(slide.chart, lang), encoding="utf-8")
            return slide.number, name

        with ThreadPoolExecutor(max_workers=4) as pool:  # vl-convert renders outside the GIL
            chart_files = {number: name for number, name in pool.map(render, deck.slides) if name}
        (staging / "index.html").write_text(snapshot_html(deck, chart_files, made_at), encoding="utf-8")
        manifest = {"unit": deck.unit.as_json(), "as_of": deck.as_of.isoformat(), "lang": lang,
                    "made_at": made_at.isoformat(), "data_version": db.data_version(engine),
                    "slides": [{"number": s.number, "kind": s.kind, "title": s.title, "url": s.url}
                               for s in deck.slides]}
        (staging / "snapshot.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for path in staging.iterdir():
            path.chmod(0o644)  # nginx's workers read it
        staging.chmod(0o755)
        old = out.with_name(f".{out.name}-old")
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return deck
