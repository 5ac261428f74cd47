"""Provinces' own programmes in the app: Lâm Đồng's administrator adds one on the plans page, two
tasks are filed under it, and the tasks, warnings and accountability pages filter on it (in the URL);
Hà Nội never sees it, and a link naming it there shows the national plans (the unfiltered view,
which counts no programme). Runs on SQLite, and on PostgreSQL
when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders.figures import tasks
from data_loaders.figures.scope import latest_data_date
from data_loaders.i18n import format_number
from data_loaders.identity import accounts
from data_loaders.identity.plans import add_plan
from data_loaders.ingest.importer import import_file
from data_loaders.store.catalogue import plans as national_plans
from data_loaders.store.engine import make_engine
from data_loaders.store.plans import all_plans
from tests.support.auth_helpers import ensure_account
from tests.support.databases import BACKENDS
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes
from tests.support.pages import open_page_as, own_app_database

PROGRAMME = "CT-CĐS-68"


def _accounts(engine) -> None:
    ensure_account(engine, "ld.quantri", role="admin", scope="68")
    ensure_account(engine, "hn.baocao", role="reporter", scope="01")
    ensure_account(engine, "qg.quantri", role="admin", scope="VN")


@pytest.fixture(scope="module", params=BACKENDS)
def app_database(request, tmp_path_factory):
    """The sample in a database of this module's own: these tests add a programme and its tasks."""
    with own_app_database(request.param, "plans_ui", tmp_path_factory.mktemp("plans"), _accounts,
                          copy_of="sample") as url:
        yield url


def _page(username: str, page: str, params: dict | None = None, lang: str = "vi") -> AppTest:
    return open_page_as(username, page, params, lang, timeout=180)


def _programme_tasks(engine) -> None:
    """The programme (added here if the page test did not) and its two tasks, one of a commune."""
    if PROGRAMME not in [plan.code for plan in all_plans(engine)]:
        add_plan(PROGRAMME, "Chương trình chuyển đổi số tỉnh 2025", province="68", engine=engine,
                 account=accounts.get_account("ld.quantri", engine))
    commune = communes("68", 1)[0]
    rows = [task_row("LD-CT-UI-1", plan=PROGRAMME, report="20/06/2025"),
            task_row("LD-CT-UI-2", plan=PROGRAMME, commune=commune.name, report="20/06/2025",
                     deadline=dt.date(2025, 6, 10))]
    assert import_file(workbook_bytes(rows, TASK_HEADERS), "ct.xlsx", engine=engine,
                       today=dt.date(2025, 7, 1)).status in ("imported", "unchanged", "already_imported")


def _plan_box(app: AppTest):
    return next(box for box in app.selectbox if box.key and box.key.startswith("plan_filter::"))


def _offers(app: AppTest) -> bool:
    """Whether the page's plan filter offers the programme ("CT-CĐS-68 — Chương trình … (Lâm Đồng)")."""
    return any(option.startswith(f"{PROGRAMME} — ") for option in _plan_box(app).options)


def test_a_province_admin_adds_a_programme_and_the_pages_filter_on_it(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    admin = _page("ld.quantri", "plans")
    admin.text_input(key="plans_add::code").input(PROGRAMME)
    admin.text_input(key="plans_add::name_vi").input("Chương trình chuyển đổi số tỉnh 2025")
    province = admin.selectbox(key="plans_add::province")
    assert province.options == ["Lâm Đồng"] and province.disabled  # its own province only
    admin.button(key="plans_add::submit").click().run()
    assert not admin.exception, admin.exception
    assert any(PROGRAMME in message.value for message in admin.success), [e.value for e in admin.error]
    assert PROGRAMME in admin.dataframe[0].value.iloc[:, 0].tolist()

    _programme_tasks(engine)

    page = _page("ld.quantri", "tasks", {"plan": PROGRAMME})
    assert _offers(page) and _plan_box(page).value == PROGRAMME
    day = latest_data_date(engine)
    expected = tasks.task_status("68", day, engine, plan=PROGRAMME)
    assert expected["total"] == 2
    assert page.metric[0].value == "2"
    assert page.query_params["plan"] == [PROGRAMME] or page.query_params["plan"] == PROGRAMME
    # the same filter on the warnings and accountability pages
    for name in ("warnings", "accountability"):
        other = _page("ld.quantri", name, {"plan": PROGRAMME})
        assert _plan_box(other).value == PROGRAMME
        assert any(PROGRAMME in caption.value for caption in other.caption)
    # choosing "the national plans" drops it from the URL and counts the national plans' tasks: the
    # province's headline as it was before the programme was added
    box = _plan_box(page)
    box.set_value("").run()
    assert "plan" not in page.query_params
    national = tasks.task_status("68", day, engine)
    assert page.metric[0].value == format_number(national["total"], "vi") != "2"
    assert national["total"] == sum(tasks.task_status("68", day, engine, plan=plan.code)["total"]
                                    for plan in national_plans())


def test_another_province_never_sees_the_programme(app_database):
    engine = make_engine(os.environ["DATABASE_URL"])
    _programme_tasks(engine)
    page = _page("hn.baocao", "tasks", {"plan": PROGRAMME})
    box = _plan_box(page)
    assert not _offers(page) and box.value == ""
    assert box.options[0] == "Các kế hoạch quốc gia (NQ57)"  # what the unfiltered figures count
    assert "plan" not in page.query_params  # a link naming it opens every plan of Hà Nội
    plans = _page("hn.baocao", "plans")
    assert PROGRAMME not in plans.dataframe[0].value.iloc[:, 0].tolist()
    assert not [b for b in plans.button if b.key == "plans_add::submit"]  # a reporter adds nothing
    nation = _page("qg.quantri", "tasks", {"plan": PROGRAMME})
    assert _plan_box(nation).value == PROGRAMME
    assert nation.metric[0].value == str(tasks.task_status("VN", latest_data_date(engine), engine,
                                                           plan=PROGRAMME)["total"]) == "2"
