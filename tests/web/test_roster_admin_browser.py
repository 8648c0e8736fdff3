"""The roster, administration, audit and search pages in Debian's Chromium, at desktop and phone width.

An organiser keeps the branch roster (a member typed in, the rest imported from a spreadsheet) and
chooses the introducers from it on the step form; an administrator resets a password and the user
is held to the password page; the system administrator adds a holiday; an auditor opens the HTML
report (its inline style and script run under their own hashes, so no CSP error is logged); a search
sorts and switches to closed cases. Every page fits a 390 px phone without sideways scrolling (wide
tables scroll inside their own box). Screenshots are left in test-artifacts/ for a person to look at.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile

import pytest
from openpyxl import Workbook
from tests_support import CHROMIUM, playwright_or_skip
from tests_support import CHROMIUM_ARGS as ARGS
from webkit import PASSWORD, import_case, make_world, served

from workflow.store import admin
from workflow.store.db import make_engine, migrate
from workflow.store.repository import UnitOfWork

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site():

    folder = tempfile.mkdtemp(prefix="fazhan-roster-")
    url = f"sqlite:///{folder}/web.db"
    migrate(url)
    engine = make_engine(url)
    world = make_world(engine)
    import_case(engine, world.orgs["A1"], "RB-1", 8, name="任介绍", birth_date="2001-02-11")  # s09 next
    import_case(engine, world.orgs["A1"], "RB-2", 14, name="任检索", birth_date="2001-03-12")
    import_case(engine, world.orgs["A2"], "RB-3", 25, name="任结束", birth_date="2000-03-12")
    with UnitOfWork(engine) as u:
        admin.create_user(u, None, login="sysadmin", display_name="系统管理员", password=PASSWORD, grants=[],
                          system_admin=True)
    with served(world.app) as base:
        yield base, world
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    playwright_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Session:
    """One user's browser context: only the test server is reachable; script and CSP errors collected."""

    def __init__(self, browser, base: str, viewport):
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                           else route.abort())
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.context.on("weberror", lambda error: self.errors.append(str(error.error)))
        # every page of the context, the report opened in a new tab too: a CSP refusal is logged here
        self.context.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error"
                        and "status of 4" not in msg.text else None)

    def sign_in(self, login: str, password: str = PASSWORD, landing: str = "/"):
        page = self.page
        page.goto(self.base + "/login")
        page.get_by_label("用户名").fill(login)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(self.base + landing)
        return page

    def fits(self) -> bool:
        """Nothing wider than the window (a wide table scrolls inside its .table-scroll box)."""
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    def overflowing(self) -> list[str]:
        """What sticks out past the window's right edge (for the failure message)."""
        return self.page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                    && !e.closest('.table-scroll'))
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")

    def shot(self, artifacts, name: str) -> None:
        self.page.screenshot(caret="initial", path=str(artifacts / name), full_page=True)


@pytest.fixture
def sessions(browser, site):
    opened: list[Session] = []

    def open_(login: str | None = None, viewport=DESKTOP) -> Session:
        session = Session(browser, site[0], viewport)
        opened.append(session)
        if login:
            session.sign_in(login)
        return session

    yield open_
    for session in opened:
        assert session.errors == [], f"script errors in the page: {session.errors}"
        session.context.close()


def _choose(page, label: str, starts: str) -> None:
    """Selects the option of the labelled <select> whose text starts with `starts`."""
    select = page.get_by_label(label)
    value = select.locator("option").filter(has_text=re.compile("^\\s*" + re.escape(starts))).first \
        .get_attribute("value")
    select.select_option(value)


def _roster_xlsx() -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "党员名册"
    ws.append(["姓名", "党员身份", "入党日期", "转正日期", "处分种类", "处分日期", "处分影响期至"])
    ws.append(["钱七", "正式党员", "2012-06-01", "2013-06-01"])
    ws.append(["孙八", "正式党员", "2008-06-01", "2009-06-01", "留党察看", "2021-06-01", "2023-06-01"])
    ws.append(["周九", "预备党员", "2026-07-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_organiser_keeps_the_roster_and_chooses_introducers_from_it(sessions, site, artifacts):
    base, world = site
    a1 = world.orgs["A1"]
    organiser = sessions("branch_organiser")
    page = organiser.page
    page.get_by_role("link", name="党员名册").click()
    page.get_by_role("link", name="甲学院第一支部").click()
    page.get_by_role("link", name="登记党员").click()
    page.get_by_label("姓名").fill("赵六")
    page.get_by_label("党员身份").select_option("full")
    page.get_by_label("入党日期（预备期开始）").fill("2030-01-01")
    page.get_by_role("button", name="保存").click()
    assert page.locator("#error-summary").is_visible()
    assert "不能晚于今天" in page.locator("#e-joined_on").inner_text()
    page.get_by_label("入党日期（预备期开始）").fill("2014-06-01")
    page.get_by_label("转正日期（预备党员留空）").fill("2015-06-01")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf".*/roster/{a1}\?done=added"))

    page.get_by_role("link", name="从表格导入").click()
    page.locator("input[type=file]").set_input_files({"name": "名册.xlsx", "buffer": _roster_xlsx(),
                                                      "mimeType": "application/octet-stream"})
    page.get_by_role("button", name="导入").click()
    page.wait_for_url(re.compile(r".*/import/done.*"))
    assert "新增 3 人" in page.get_by_role("status").inner_text()
    assert page.locator("[data-testid=member-row]").count() == 4
    organiser.shot(artifacts, "roster-desktop.png")

    page.goto(f"{base}/dossiers/RB-1/steps/s09_introducers_assigned/record")
    page.locator("#date").fill("2022-02-25")
    _choose(page, "第1人", "赵六")
    _choose(page, "第2人", "孙八")
    page.get_by_role("button", name="保存记录").click()
    people = page.locator("[data-slot=people]")
    assert "留党察看" in people.inner_text()
    assert people.locator("[data-code=INTRODUCERS_INVALID]").count() >= 1
    organiser.shot(artifacts, "step-introducers-refused-desktop.png")
    _choose(page, "第2人", "钱七")
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*/dossiers/RB-1.*done=recorded.*"))

    phone = sessions("branch_organiser", PHONE)
    for url, name in ((f"/roster/{a1}", "roster-phone.png"), (f"/roster/{a1}/members/new", "member-form-phone.png"),
                      (f"/roster/{a1}/import", "roster-import-phone.png")):
        phone.page.goto(base + url)
        phone.shot(artifacts, name)
        assert phone.fits(), (url, phone.overflowing())


def test_administration_reset_and_calendar(sessions, site, artifacts):
    base, world = site
    chief = sessions("admin")
    page = chief.page
    page.get_by_role("link", name="管理").click()
    page.get_by_role("link", name="组织架构").click()
    _choose(page, "上级组织", "甲学院党总支")
    page.get_by_label("层级").select_option("branch")
    page.locator("#org-name").fill("甲学院第三支部")
    page.get_by_role("button", name="建立").click()
    page.wait_for_url(re.compile(r".*done=org_added"))
    assert page.locator("[data-testid=org]", has_text="甲学院第三支部").count() == 1
    chief.shot(artifacts, "admin-organisations-desktop.png")

    victim = sessions("archivist")
    page.goto(f"{base}/admin/users/{world.users['archivist']}")
    chief.shot(artifacts, "admin-user-desktop.png")
    page.get_by_role("button", name="重置密码（生成临时密码）").click()
    temporary = page.get_by_test_id("temporary-password").inner_text()
    chief.shot(artifacts, "admin-temporary-password-desktop.png")
    victim.page.goto(base + "/")
    assert "/login" in victim.page.url  # the old session ended at once
    victim.sign_in("archivist", temporary, landing="/account/password?required=1")
    assert "临时密码" in victim.page.locator("main").inner_text()
    victim.page.goto(base + "/search")
    assert victim.page.url.endswith("/account/password?required=1")

    phone = sessions("admin", PHONE)
    for url, name in (("/admin/organisations", "admin-organisations-phone.png"), ("/admin/users", "admin-users-phone.png"),
                      (f"/admin/users/{world.users['reviewer']}", "admin-user-phone.png")):
        phone.page.goto(base + url)
        phone.shot(artifacts, name)
        assert phone.fits(), (url, phone.overflowing())

    nobody = sessions("reviewer")
    nobody.page.goto(base + "/admin/users")
    assert "只有管理员" in nobody.page.locator("main").inner_text()

    system = sessions("sysadmin")
    system.page.get_by_role("link", name="管理").click()
    system.page.get_by_role("link", name="法定节假日安排").click()
    system.page.get_by_label("年份", exact=True).fill("2031")
    system.page.get_by_label("通知名称和文号").fill("国务院办公厅关于2031年部分节假日安排的通知 国办发明电〔2030〕9号")
    system.page.get_by_label("放假的工作日（每行一个 YYYY-MM-DD）").fill("2031-01-01\n2031-10-01")
    system.page.get_by_role("button", name="录入").click()
    system.page.wait_for_url(re.compile(r".*done=year"))
    system.page.locator("summary", has_text="2031 年").click()
    system.page.get_by_label("日期").fill("2031-10-02")
    system.page.get_by_role("button", name="添加日期").click()
    system.page.wait_for_url(re.compile(r".*done=day_added"))
    system.page.locator("summary", has_text="2031 年").click()
    assert "2031-10-02" in system.page.locator("details.year").inner_text()
    system.shot(artifacts, "admin-calendar-desktop.png")
    small = sessions("sysadmin", PHONE)
    small.page.goto(base + "/admin/calendar")
    small.page.locator("summary", has_text="2031 年").click()
    assert small.fits()
    small.shot(artifacts, "admin-calendar-phone.png")


def test_the_auditor_and_the_search(sessions, site, artifacts):
    base, world = site
    auditor = sessions("auditor")
    page = auditor.page
    page.get_by_role("link", name="审计").click()
    assert page.locator("[data-testid=org-row]").count() >= 4
    auditor.shot(artifacts, "audit-findings-desktop.png")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="HTML 审计报告").click()
    report = popup.value
    report.wait_for_load_state()
    assert "任检索" in report.content()
    # the inline stylesheet applied and the sorting script ran: both allowed by their hashes, nothing else inline
    assert report.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(140, 29, 24)"
    header = report.locator("table.sortable th").first
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    report.screenshot(caret="initial", path=str(artifacts / "audit-report-desktop.png"), full_page=True)
    report.close()
    page.get_by_role("link", name="检查或导入纪实表").click()
    page.locator("input[type=file]").set_input_files({"name": "纪实表.csv", "mimeType": "text/csv",
                                                      "buffer": "姓名,出生日期\n某人,2001-02-30\n".encode()})
    page.get_by_role("button", name="上传").click()
    assert page.locator("[data-testid=import-errors] [data-code=DATE_INVALID]").count() == 1
    auditor.shot(artifacts, "audit-import-desktop.png")

    page.get_by_role("link", name="查找").click()
    page.get_by_label("姓名").fill("任")
    page.get_by_role("button", name="查找").click()
    rows = page.locator("[data-testid=result-row]")
    assert rows.count() == 2
    page.get_by_role("link", name="最近步骤", exact=True).click()
    assert page.locator("[data-testid=result-row]").first.inner_text().startswith("任介绍")
    auditor.shot(artifacts, "search-desktop.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("link", name=re.compile("^已结束")).click()
    assert page.locator("[data-testid=result-row]").first.inner_text().startswith("任结束")

    phone = sessions("auditor", PHONE)
    for url, name in (("/audit", "audit-findings-phone.png"), ("/search?name=任", "search-phone.png"),
                      ("/audit/import", "audit-import-phone.png")):
        phone.page.goto(base + url)
        phone.shot(artifacts, name)
        assert phone.fits(), (url, phone.overflowing())
