"""The presentation page renders each slide of the deck under AppTest, with the slide number in the
URL, previous/next buttons that wrap around, and the language of the sidebar."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from streamlit.testing.v1 import AppTest

from components.slideshow import step
from reports.slides import SLIDE_KINDS, build_slides
from tests.support.pages import run_page

AS_OF = dt.date(2025, 6, 30)


def run_presentation(params: dict, lang: str | None = None) -> AppTest:
    app = run_page("presentation", params, lang)
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app


def shown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


@pytest.fixture(scope="module")
def national_deck(app_database, seeded_engine):
    return build_slides("VN", AS_OF, lang="vi", engine=seeded_engine)


@pytest.mark.parametrize("number", range(1, len(SLIDE_KINDS) + 1))
def test_each_slide_renders_with_its_title_date_and_sentence(app_database, national_deck, number):
    app = run_presentation({"slide": str(number)})
    slide = national_deck.slides[number - 1]
    text = shown(app)
    assert html.escape(slide.title) in text
    assert "Số liệu tính đến 30/06/2025" in text
    assert html.escape(slide.sentence) in text
    assert f"Trang {number}/{len(SLIDE_KINDS)}" in text
    assert len(app.get("image")) >= 1  # the QR code
    if slide.chart is not None:
        assert len(app.get("vega_lite_chart")) == 1


def test_next_and_previous_move_through_the_url_and_wrap(app_database):
    app = run_presentation({"slide": str(len(SLIDE_KINDS))})
    app.button(key="slide_next").click().run()
    assert app.query_params["slide"] == ["1"] or app.query_params["slide"] == "1"
    assert "Trang 1/" in shown(app)
    app.button(key="slide_prev").click().run()
    assert f"Trang {len(SLIDE_KINDS)}/" in shown(app)
    app.button(key="slide_prev").click().run()
    assert f"Trang {len(SLIDE_KINDS) - 1}/" in shown(app)


def test_a_bad_slide_number_shows_the_first_slide(app_database):
    for raw in ("abc", "0", "99"):
        app = run_presentation({"slide": raw})
        expected = "1" if raw != "99" else str(len(SLIDE_KINDS))
        assert f"Trang {expected}/{len(SLIDE_KINDS)}" in shown(app)


def test_province_slide_names_the_province_and_its_rank(app_database):
    app = run_presentation({"province": "68", "slide": "2"})
    text = shown(app)
    assert "Lâm Đồng: " in text and "xếp thứ " in text and "/34" in text


def test_english_presentation(app_database):
    app = run_presentation({"slide": "2"}, lang="en")
    text = shown(app)
    assert "Headline figures" in text and "Figures as of 30 Jun 2025" in text and "12,106" in text
    assert "Next" in [button.label for button in app.button]


def test_downloads_of_the_current_view_are_offered(app_database):
    app = run_presentation({"province": "68"})
    downloads = app.get("download_button")
    assert len(downloads) == 2
    labels = " ".join(str(button.proto.label) for button in downloads)
    assert ".pptx" in labels and "PDF" in labels


def test_step_wraps_around():
    assert step(1, 9, -1) == 9 and step(9, 9, 1) == 1 and step(4, 9, 1) == 5


# --- presentation mode, the clicker's keys and QR codes that point to localhost (issue 12) -----------------------


def _html_bodies(app: AppTest) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


def test_a_warning_says_when_the_qr_codes_point_to_localhost(app_database, seeded_engine):
    """The sample database keeps the default public_base_url (http://localhost:8501): phones in the hall could
    not open the QR codes, and the page says so above the slide (and beside each code); a public address
    silences it."""
    from data_loaders.identity.admin import change_setting
    from data_loaders.store.settings import get_settings

    app = run_presentation({"slide": "2"})
    assert any("http://localhost:8501" in warning.value for warning in app.warning)
    assert "nq57-qr-local" in shown(app)
    before = get_settings(seeded_engine)["public_base_url"]
    change_setting("public_base_url", "https://nq57.example.gov.vn", seeded_engine, user="test")
    try:
        app = run_presentation({"slide": "2"}, lang="en")
        assert not [warning.value for warning in app.warning if "localhost" in warning.value]
        assert "nq57-qr-local" not in shown(app) and "Scan" in shown(app)
    finally:
        change_setting("public_base_url", before, seeded_engine, user="test")


def test_presentation_mode_hides_the_page_and_home_end_and_esc_work(app_database):
    app = run_presentation({"slide": "3"})
    assert "slide_exit" not in [button.key for button in app.button]
    app.toggle(key="presentation_fullscreen").set_value(True).run()
    assert "st-key-nq57-deck-settings" in _html_bodies(app)  # the presentation-mode style hides the rest
    assert "slide_exit" in [button.key for button in app.button]
    app.button(key="slide_last").click().run()
    assert f"Trang {len(SLIDE_KINDS)}/{len(SLIDE_KINDS)}" in shown(app)
    app.button(key="slide_first").click().run()
    assert f"Trang 1/{len(SLIDE_KINDS)}" in shown(app)
    app.button(key="slide_exit").click().run()  # what Esc (or leaving the browser's full screen) presses
    assert app.toggle(key="presentation_fullscreen").value is False
    assert "slide_exit" not in [button.key for button in app.button]
    assert "st-key-nq57-deck-settings {display:none" not in _html_bodies(app)


def test_the_clicker_keys_press_the_slide_buttons(app_database):
    """The page's script maps what a presenter's clicker sends to the buttons (tests/browser/test_slides_fit.py
    presses them in Chromium)."""
    app = run_presentation({"slide": "2"})
    script = _html_bodies(app)
    for key, button in (("ArrowRight", "slide_next"), ("PageDown", "slide_next"), ('" "', "slide_next"),
                        ("ArrowLeft", "slide_prev"), ("PageUp", "slide_prev"), ("Home", "slide_first"),
                        ("End", "slide_last"), ("Escape", "slide_exit")):
        assert f'{key}: "{button}"' in script, key
    assert "requestFullscreen" in script and "fullscreenchange" in script
    assert {"slide_prev", "slide_next", "slide_first", "slide_last"} <= {button.key for button in app.button}


def test_an_administrator_publishes_the_static_copy(app_database, tmp_path, monkeypatch):
    monkeypatch.setenv("NQ57_SNAPSHOT_DIR", str(tmp_path))
    app = run_presentation({"province": "68"})
    app.button(key="snapshot_publish").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    (message,) = [s.value for s in app.success]
    folder = next(tmp_path.iterdir())
    assert folder.name.startswith("68-") and f"/snapshot/{folder.name}/" in message
    assert (folder / "index.html").exists() and (folder / "snapshot.json").exists()


def test_a_run_builds_the_shown_slide_only_and_the_next_run_none(app_database, monkeypatch):
    """Issue 17: the page shows one slide, so a run builds that slide (its figures, its chart), not the deck;
    the slide and its chart's spec are kept in the process, so the next run builds nothing at all. The
    slide count and every title of the picker are the deck's."""
    import streamlit as st

    from components import cached, slideshow
    from reports import slides

    built, specs = [], []
    for kind, builder in list(slides.BUILDERS.items()):
        monkeypatch.setitem(slides.BUILDERS, kind,
                            lambda ctx, kind=kind, builder=builder: built.append(kind) or builder(ctx))
    spec_of = slideshow.chart_spec
    monkeypatch.setattr(slideshow, "chart_spec", lambda *args: specs.append(args[0].kind) or spec_of(*args))
    st.cache_data.clear()
    cached.clear_kept()
    deck = build_slides("VN", AS_OF, lang="vi", engine=cached.engine())
    built.clear()
    app = run_presentation({"slide": "3"})
    assert built == ["task_status"] and specs == ["task_status"]
    assert f"Trang 3/{len(deck.slides)}" in shown(app)
    picker = next(box for box in app.selectbox if (box.key or "").startswith("slide_pick::"))
    assert list(picker.options) == [f"{slide.number}. {slide.title}" for slide in deck.slides]
    app.run()
    assert built == ["task_status"] and specs == ["task_status"]  # the second run built nothing
    assert f"Trang 3/{len(deck.slides)}" in shown(app)


def test_the_downloads_build_the_whole_deck_when_clicked(app_database, monkeypatch):
    """The page builds one slide; the .pptx and PDF are of the whole deck, built on the click (on the download's
    own thread, outside the script run), the deck build_slides makes."""
    from components import cached, slideshow

    offered = []
    monkeypatch.setattr(slideshow, "_downloads", lambda deck, full: offered.append(full))
    run_presentation({"slide": "2"}, lang="en")
    deck = offered[-1]()  # what a click builds
    expected = build_slides("VN", AS_OF, lang="en", engine=cached.engine())
    assert deck.kinds == expected.kinds and deck.source == expected.source
    assert [(s.title, s.sentence, s.figures, s.bullets, s.url) for s in deck.slides] == [
        (s.title, s.sentence, s.figures, s.bullets, s.url) for s in expected.slides]
