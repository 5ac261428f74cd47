"""Every link path has a file under pages/ (bug 2 of session 6): before a server process's first
st.navigation, Streamlit looks a link's path up among the files of pages/, and one it does not find
gets its English "Page not found" dialog. A page whose path is not its file name has a stand-in that
hands the run to app.py (components/shell_guard.py)."""

from __future__ import annotations

from data_loaders.figures.views import PAGE_PATHS
from tests.support import PROJECT_DIR


def test_every_link_path_names_a_file_in_pages():
    missing = [path for path in PAGE_PATHS.values() if path and not (PROJECT_DIR / "pages" / f"{path}.py").exists()]
    assert not missing, missing


def test_a_stand_in_only_hands_over_to_app_py():
    app = (PROJECT_DIR / "app.py").read_text(encoding="utf-8")
    for path in PAGE_PATHS.values():
        if path and f"pages/{path}.py" not in app:  # not a page of app.py's navigation: a stand-in
            code = (PROJECT_DIR / "pages" / f"{path}.py").read_text(encoding="utf-8")
            assert code.rstrip().endswith("require_app_shell()") and "import streamlit" not in code, path
