"""Running the app's pages under AppTest, signed in as the test administrator."""

from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from tests.support import PROJECT_DIR
from tests.support.auth_helpers import sign_in_test_admin

APP = str(PROJECT_DIR / "app.py")
LEVELS = {"national": {}, "province": {"province": "68"}, "commune": {"province": "68", "commune": "24781"}}


def run_page(page: str, params: dict, lang: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    sign_in_test_admin(app, os.environ["DATABASE_URL"])
    for key, value in params.items():
        app.query_params[key] = value
    if lang:
        app.session_state["lang"] = lang
    if page != "overview":
        app.switch_page(f"pages/{page}.py")
    app.run()
    return app


def rendered_text(app: AppTest) -> str:
    parts = [m.value for m in app.metric] + [m.label for m in app.metric]
    for kind in (app.title, app.subheader, app.caption, app.markdown, app.button):
        parts += [getattr(element, "value", "") or getattr(element, "label", "") for element in kind]
    parts += [str(b.label) for b in app.button]
    return "\n".join(str(p) for p in parts)


def render_page(page: str, params: dict, lang: str | None = None) -> AppTest:
    """A page file run on its own, as if inside the app shell (app.py's navigation is the lead's)."""
    app = AppTest.from_file(str(PROJECT_DIR / "pages" / f"{page}.py"), default_timeout=120)
    app.session_state["_nq57_inside_app_shell"] = True
    if lang:
        app.session_state["lang"] = lang
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    return app
