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
