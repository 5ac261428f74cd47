"""Plans of the task catalogue in the database (issue 15 item 3): a province's own programme is added
by its administrator (never for another province), holds only that province's tasks (an import naming
it elsewhere is a cell error), is seen by the province and the nation only, and is reported, warned,
ranked and filtered like a national plan when chosen, and counts in no figure without a plan filter (the
national and province views are unchanged when it is added). Runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from data_loaders.figures import accountability, early_warnings, tasks
from data_loaders.figures.plans import plan_filter, visible_plans
from data_loaders.identity import accounts, audit
from data_loaders.identity.plans import PlanRefused, add_plan, retire_plan
from data_loaders.ingest.importer import import_file
from data_loaders.ingest.templates import scope_plans, template_bytes
from data_loaders.store import engine as db
from data_loaders.store.catalogue import plans as national_plans
from data_loaders.store.engine import make_engine
from tests.support.auth_helpers import ensure_account
from tests.support.cli import run_cli
from tests.support.databases import BACKENDS, TEMPLATES, drop_database
from tests.support.fixtures.workbooks import TASK_HEADERS, communes, task_row, workbook_bytes

PASSWORD = "correct horse battery"
TODAY = dt.date(2025, 7, 15)
AS_OF = dt.date(2025, 6, 30)
PROGRAMME = "CT-CĐS-68"
PROGRAMME_NAME = "Chương trình chuyển đổi số tỉnh 2025"
NATIONAL = national_plans()[0].code


@pytest.fixture
def catalogue(empty_engine):
    """Administrators of the nation, of Lâm Đồng (68) and of Hà Nội (01); Lâm Đồng's programme with two
    tasks (one of a commune), a national-plan task in Lâm Đồng and one in Hà Nội."""
    engine = empty_engine
    accounts.create_first_admin("admin", PASSWORD, engine=engine)
    for name, scope in (("ld.admin", "68"), ("hn.admin", "01")):
        accounts.create_account(name, PASSWORD, "admin", scope, actor="admin", engine=engine)
    before = db.data_version(engine)
    add_plan(PROGRAMME, PROGRAMME_NAME, "Provincial digital transformation programme 2025", "68",
             engine, account=accounts.get_account("ld.admin", engine))
    assert db.data_version(engine) == before + 1  # every cached figure and filter is recomputed
    commune = communes("68", 1)[0]
    rows = [
        task_row("LD-CT-1", plan=PROGRAMME, progress=40),
        task_row("LD-CT-2", plan=PROGRAMME, commune=commune.name, deadline=dt.date(2025, 6, 1), progress=20),
        task_row("LD-QG-1", plan=NATIONAL),
        task_row("HN-QG-1", plan=NATIONAL, province="Hà Nội", agency="Sở Khoa học và Công nghệ Hà Nội"),
    ]
    result = import_file(workbook_bytes(rows, TASK_HEADERS), "tasks.xlsx", engine=engine, today=TODAY)
    assert result.status == "imported", result.as_json()
    return engine


def test_a_province_programme_is_seen_by_its_province_and_the_nation_only(catalogue):
    engine = catalogue
    codes = {unit: [p.code for p in visible_plans(unit, engine)] for unit in ("VN", "68", "01")}
    assert PROGRAMME in codes["VN"] and PROGRAMME in codes["68"] and PROGRAMME not in codes["01"]
    assert all(p.code in codes["01"] for p in national_plans())  # national plans everywhere
    assert codes["68"][:len(national_plans())] == [p.code for p in national_plans()]  # national plans first
    own_commune, other_commune = communes("68", 1)[0].code, communes("01", 1)[0].code
    assert PROGRAMME in [p.code for p in visible_plans(own_commune, engine)]
    assert PROGRAMME not in [p.code for p in visible_plans(other_commune, engine)]
    # a link naming another province's programme filters nothing there
    assert plan_filter("68", PROGRAMME, engine) == PROGRAMME and plan_filter("01", PROGRAMME, engine) is None
    assert plan_filter("01", "no-such-plan", engine) is None


def test_programme_tasks_count_where_the_programme_is_chosen(catalogue):
    engine = catalogue
    programme = tasks.task_status("68", AS_OF, engine, plan=PROGRAMME)
    assert programme == {"total": 2, "completed": 0, "on_schedule": 1, "overdue": 1}
    # Without a plan filter every task figure counts the national plans' tasks only (scope.counted_tasks):
    # Lâm Đồng's one national-plan task, the nation's two (Lâm Đồng's and Hà Nội's). Before, the programme
    # counted too (3 and 4), so adding it moved every headline of the province and the nation.
    assert tasks.task_status("68", AS_OF, engine)["total"] == 1
    nation = tasks.task_status("VN", AS_OF, engine)
    assert nation["total"] == 2 and tasks.task_status("VN", AS_OF, engine, plan=PROGRAMME) == programme
    assert tasks.task_status("01", AS_OF, engine, plan=PROGRAMME)["total"] == 0
    # the nation is the sum of its provinces, filtered or not
    for plan in (None, PROGRAMME):
        by_province = {row["code"]: row for row in tasks.task_status_by_child("VN", AS_OF, engine, plan=plan)}
        whole = tasks.task_status("VN", AS_OF, engine, plan=plan)
        for key in whole:
            assert sum(row[key] for row in by_province.values()) == whole[key], (plan, key)
        assert by_province["68"]["total"] == (2 if plan else 1) and by_province["01"]["total"] == (0 if plan else 1)
    by_plan = {row["key"]: row["total"] for row in tasks.task_status_by("VN", AS_OF, "plan", engine)}
    assert by_plan == {NATIONAL: 2}
    assert {row["key"]: row["total"] for row in tasks.task_status_by("VN", AS_OF, "plan", engine,
                                                                     plan=PROGRAMME)} == {PROGRAMME: 2}
    listed = tasks.task_list("68", AS_OF, None, PROGRAMME, engine=engine)
    assert sorted(row["code"] for row in listed) == ["LD-CT-1", "LD-CT-2"]
    assert [row["code"] for row in tasks.task_list("68", AS_OF, engine=engine)] == ["LD-QG-1"]
    assert tasks.task_filter_options("68", AS_OF, engine)["plan"] == [NATIONAL]
    assert tasks.task_filter_options("68", AS_OF, engine, plan=PROGRAMME)["plan"] == [PROGRAMME]
    # warned and ranked like a national plan, filtered to it; unfiltered, its overdue task warns nobody
    warned = early_warnings.warnings("68", AS_OF, engine=engine, plan=PROGRAMME)["warnings"]
    assert [(w["task"], w["plan"]) for w in warned if w["kind"] == "overdue"] == [("LD-CT-2", PROGRAMME)]
    assert all(w.get("plan") == PROGRAMME for w in warned)
    for unit in ("68", "VN"):
        unfiltered = early_warnings.warnings(unit, AS_OF, engine=engine)["warnings"]
        assert not [w for w in unfiltered if w.get("plan") == PROGRAMME]
    ranked = accountability.ranking("VN", AS_OF, "child", engine, plan=PROGRAMME)
    assert sum(row["total"] for row in ranked) == 2
    assert sum(row["total"] for row in accountability.ranking("VN", AS_OF, "child", engine)) == 2
    assert accountability.overdue_buckets("68", AS_OF, engine, plan=PROGRAMME) == {"le_30": 1, "31_90": 0, "gt_90": 0}
    assert accountability.overdue_buckets("68", AS_OF, engine) == {"le_30": 0, "31_90": 0, "gt_90": 0}
    trend = tasks.task_status_trend("68", AS_OF, 2, engine, plan=PROGRAMME)
    assert trend[-1]["total"] == 2
    assert tasks.task_status_trend("68", AS_OF, 2, engine)[-1]["total"] == 1


def _errors(result) -> list[dict]:
    return result.as_json("vi")["errors"]


def test_an_import_naming_another_province_programme_or_an_unknown_plan_is_a_cell_error(catalogue):
    engine = catalogue
    rows = [task_row("HN-CT-1", plan=PROGRAMME, province="Hà Nội"),
            task_row("HN-X-1", plan="KH-KHONG-CO", province="Hà Nội")]
    result = import_file(workbook_bytes(rows, TASK_HEADERS), "hn.xlsx", engine=engine, today=TODAY)
    assert result.status == "rejected"
    errors = _errors(result)
    outside = [e for e in errors if e["row"] == 4]
    assert outside and outside[0]["column"] == "Kế hoạch" and outside[0]["value"] == PROGRAMME
    assert "Lâm Đồng" in outside[0]["message"] and "Hà Nội" in outside[0]["message"]
    unknown = [e for e in errors if e["row"] == 5]
    assert unknown and unknown[0]["column"] == "Kế hoạch" and unknown[0]["value"] == "KH-KHONG-CO"
    assert tasks.task_status("01", AS_OF, engine)["total"] == 1  # nothing changed
    # moving a programme's task out of its province is refused too, naming the unit cell
    moved = import_file(workbook_bytes([task_row("LD-CT-1", province="Hà Nội", plan=None)[:2] + [None]
                                        + task_row("LD-CT-1", province="Hà Nội")[3:]], TASK_HEADERS),
                        "moved.xlsx", engine=engine, today=TODAY)
    assert moved.status == "rejected" and _errors(moved)[0]["column"] == "Tỉnh/Thành phố"
    # the province's reporter files its programme's tasks the usual way
    accounts.create_account("ld.reporter", PASSWORD, "reporter", "68", actor="admin", engine=engine)
    again = import_file(workbook_bytes([task_row("LD-CT-3", plan=PROGRAMME)], TASK_HEADERS), "ld.xlsx",
                        account=accounts.get_account("ld.reporter", engine), engine=engine, today=TODAY)
    assert again.status == "imported"


def test_a_province_admin_cannot_add_a_programme_for_another_province(catalogue):
    engine = catalogue
    ld_admin = accounts.get_account("ld.admin", engine)
    version = db.data_version(engine)
    with pytest.raises(PlanRefused) as refused:
        add_plan("CT-HN", "Chương trình của Hà Nội", province="01", engine=engine, account=ld_admin)
    assert refused.value.key == "plan_err_other_province"
    with pytest.raises(PlanRefused):  # nor a national plan
        add_plan("KH-QG-3", "Kế hoạch quốc gia", engine=engine, account=ld_admin)
    with pytest.raises(PlanRefused):  # nor retire the nation's
        retire_plan(NATIONAL, engine, account=ld_admin)
    reporter = accounts.create_account("ld.viewer", PASSWORD, "viewer", "68", actor="admin", engine=engine)
    with pytest.raises(PlanRefused):
        add_plan("CT-LD-2", "Chương trình khác", province="68", engine=engine, account=reporter)
    with pytest.raises(PlanRefused) as taken:  # whatever its case and diacritics
        add_plan("ct-cds-68", "Trùng mã", province="68", engine=engine, account=ld_admin)
    assert taken.value.key == "plan_err_code_taken"
    assert db.data_version(engine) == version
    assert PROGRAMME not in [p.code for p in visible_plans("01", engine)]
    assert "CT-HN" not in [p.code for p in visible_plans("VN", engine)]
    refusals = [e for e in audit.entries(action="plan_added", engine=engine) if e["outcome"] == "refused"]
    assert {e["target"] for e in refusals} >= {"CT-HN", "KH-QG-3", "CT-LD-2"}
    # the nation's administrator adds for any province
    add_plan("CT-HN", "Chương trình của Hà Nội", province="1", engine=engine,
             account=accounts.get_account("admin", engine))
    assert "CT-HN" in [p.code for p in visible_plans("01", engine)]


def test_a_retired_programme_takes_no_new_task_and_keeps_its_tasks(catalogue):
    engine = catalogue
    retire_plan(PROGRAMME, engine, account=accounts.get_account("ld.admin", engine))
    assert tasks.task_status("68", AS_OF, engine, plan=PROGRAMME)["total"] == 2
    assert PROGRAMME in [p.code for p in visible_plans("68", engine)]  # still filtered on
    assert PROGRAMME not in scope_plans("68", engine)  # not offered for new tasks
    new = import_file(workbook_bytes([task_row("LD-CT-9", plan=PROGRAMME)], TASK_HEADERS), "new.xlsx",
                      engine=engine, today=TODAY)
    assert new.status == "rejected" and "plan_err_retired" in {p.key for p in new.errors}
    report = import_file(workbook_bytes([task_row("LD-CT-1", plan=PROGRAMME, report="10/07/2025", progress=60)],
                                        TASK_HEADERS), "report.xlsx", engine=engine, today=TODAY)
    assert report.status == "imported"


def test_templates_list_the_programme_where_the_scope_allows(catalogue):
    engine = catalogue
    assert PROGRAMME in scope_plans("68", engine) and PROGRAMME in scope_plans("VN", engine)
    assert PROGRAMME not in scope_plans("01", engine)
    for scope, listed in (("68", True), ("01", False)):
        import io

        workbook = load_workbook(io.BytesIO(template_bytes("tasks", scope, prefill=True, today=TODAY,
                                                           engine=engine)))
        values = {cell.value for row in workbook["Danh mục"].iter_rows() for cell in row}
        assert (PROGRAMME in values) is listed
        assert NATIONAL in values


def test_the_plans_command(catalogue):
    engine = catalogue
    url = engine.url.render_as_string(hide_password=False)
    listed = run_cli(url, "plans", "list", "--province", "01", "--json")
    assert listed.returncode == 0
    assert PROGRAMME not in [p["code"] for p in json.loads(listed.stdout)["plans"]]
    everything = json.loads(run_cli(url, "plans", "list", "--json").stdout)["plans"]
    mine = next(p for p in everything if p["code"] == PROGRAMME)
    assert (mine["province"], mine["name_vi"], mine["created_by"]) == ("68", PROGRAMME_NAME, "ld.admin")
    refused = run_cli(url, "plans", "add", "CT-01", "--name-vi", "Chương trình", "--province", "01",
                      "--user", "ld.admin", "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "refused"
    added = run_cli(url, "plans", "add", "CT-01", "--name-vi", "Chương trình của Hà Nội", "--province", "01",
                    "--user", "hn.admin", "--json")
    assert added.returncode == 0 and json.loads(added.stdout)["plan"]["province"] == "01"
    unknown = run_cli(url, "plans", "retire", "CT-01", "--user", "nobody", "--json")
    assert unknown.returncode == 2 and json.loads(unknown.stdout)["status"] == "error"
    retired = run_cli(url, "plans", "retire", "CT-01", "--json")
    assert retired.returncode == 0 and json.loads(retired.stdout)["plan"]["retired"] is True
    assert audit.entries(action="plan_retired", engine=engine)[0]["actor"].startswith("cli:")


def test_the_deck_task_slides_follow_the_plan(catalogue):
    from reports.slides import build_slides

    engine = catalogue
    deck = build_slides("68", AS_OF, lang="vi", engine=engine, base_url="https://nq57.example", plan=PROGRAMME)
    slides = {slide.kind: slide for slide in deck.slides}
    task_slide = slides["task_status"]
    assert PROGRAMME in task_slide.title and "plan=" in task_slide.url
    assert task_slide.figures[0].raw == 2  # the programme's two tasks
    assert PROGRAMME not in slides["headline"].title
    whole = build_slides("68", AS_OF, lang="vi", engine=engine, base_url="https://nq57.example")
    assert {s.kind: s for s in whole.slides}["task_status"].figures[0].raw == 1  # the national plan's one task


# --- the national views are unchanged (issue 15's "Done when") -------------------------------------------

VIEWS = [("summary", "--unit", unit, "--json") for unit in ("VN", "68")] + \
        [("warnings", "--unit", unit, "--json") for unit in ("VN", "68")] + \
        [("quality", "--unit", unit, "--json") for unit in ("VN", "68")] + \
        [("reporting-status", "--unit", "VN", "--period", period, "--json") for period in ("2025-06", "2025-07")]


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request, tmp_path_factory):
    """The sample (802 tasks nationally on 30/06/2025) in a database of this module's own, with Lâm Đồng's
    administrator: the test adds a programme to it."""
    url = TEMPLATES.copy("sample", request.param, "programme", tmp_path_factory.mktemp("programme"))
    engine = make_engine(url)
    ensure_account(engine, "ld.admin", role="admin", scope="68")
    yield url, engine
    engine.dispose()
    drop_database(url)


def _views(url: str) -> dict[tuple, dict]:
    found = {}
    for view in VIEWS:
        result = run_cli(url, *view)
        assert result.returncode == 0, (view, result.stderr)
        found[view] = json.loads(result.stdout)
    return found


def test_a_province_programme_leaves_the_national_and_province_views_unchanged(sample, tmp_path):
    """Lâm Đồng's administrator adds CT-CĐS-68 and files its two tasks through the importer (a report of
    one dated after the sample's latest date, 30/06/2025, too): `summary`, `warnings`, `quality` at the
    nation and in Lâm Đồng and the reporting status read exactly as before (802 tasks, not 804); the
    figures filtered on the programme count its two tasks and warn on the overdue one."""
    url, engine = sample
    before = _views(url)
    assert before[VIEWS[0]]["tasks"]["total"] == 802 and before[VIEWS[0]]["as_of"] == "2025-06-30"

    added = run_cli(url, "plans", "add", PROGRAMME, "--name-vi", PROGRAMME_NAME, "--province", "68",
                    "--user", "ld.admin", "--json")
    assert added.returncode == 0, added.stdout + added.stderr
    commune = communes("68", 1)[0]
    files = {
        "chuong-trinh.xlsx": [task_row("LD-CT-01", title="Số hoá hồ sơ một cửa cấp tỉnh", plan=PROGRAMME,
                                       report="15/06/2025", progress=40),
                              task_row("LD-CT-02", title="Phủ sóng 5G các thôn vùng sâu", plan=PROGRAMME,
                                       commune=commune.name, deadline=dt.date(2025, 6, 1), report="15/06/2025",
                                       progress=20)],
        "chuong-trinh-thang-7.xlsx": [task_row("LD-CT-01", plan=PROGRAMME, report="05/07/2025", progress=60)],
    }
    for name, rows in files.items():
        path = tmp_path / name
        path.write_bytes(workbook_bytes(rows, TASK_HEADERS))
        imported = run_cli(url, "import", str(path), "--user", "ld.admin", "--json")
        assert imported.returncode == 0 and json.loads(imported.stdout)["status"] == "imported", imported.stdout

    after = _views(url)
    for view in VIEWS:
        assert after[view] == before[view], view

    june = dt.date(2025, 6, 30)
    programme = {"total": 2, "completed": 0, "on_schedule": 1, "overdue": 1}
    for unit in ("68", "VN"):
        assert tasks.task_status(unit, june, engine, plan=PROGRAMME) == programme
        warned = early_warnings.warnings(unit, june, engine=engine, plan=PROGRAMME)["warnings"]
        assert [w["task"] for w in warned if w["kind"] == "overdue"] == ["LD-CT-02"]
    assert tasks.task_status("68", dt.date(2025, 7, 5), engine, plan=PROGRAMME)["total"] == 2
    ranked = accountability.ranking("VN", june, "child", engine, plan=PROGRAMME)
    assert {row["key"]: row["total"] for row in ranked if row["total"]} == {"68": 2}
