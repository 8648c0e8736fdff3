"""The web workspace in Debian's Chromium: sign in, create a dossier, record, upload, review, refuse, warn.

A real uvicorn server runs the same app on a SQLite file; every request the page makes to anywhere
else is aborted (nothing may be fetched from the internet). Screenshots of the dashboard and the
dossier page at desktop and phone width are left in test-artifacts/ for a person to look at.
"""
from __future__ import annotations

import re
import shutil
import tempfile

import pytest
from tests_support import CHROMIUM, playwright_or_skip
from tests_support import CHROMIUM_ARGS as ARGS
from webkit import PASSWORD, import_case, make_world, served

from workflow.store.db import make_engine, migrate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site():
    """(base URL, world) of a live server with the API tests' world and one imported case."""

    folder = tempfile.mkdtemp(prefix="fazhan-web-")
    url = f"sqlite:///{folder}/web.db"
    migrate(url)
    engine = make_engine(url)
    world = make_world(engine)
    # the valid 2014 case up to s14, the person leaving two months after the admission meeting
    import_case(engine, world.orgs["A1"], "WARN-1", 14, name="孙警示", birth_date="2001-02-11",
                expected_leave_date="2022-07-01")
    import_case(engine, world.orgs["A1"], "SHOT-1", 14, name="周截图", birth_date="2001-03-12")
    with served(world.app) as base:
        yield base, world
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    playwright_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:  # launch() gives the browser a fresh temporary profile of its own
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Session:
    """One user's browser context: only the test server is reachable; script errors are collected.

    Screenshots are taken with `caret="initial"`: Playwright hides the caret by injecting a style, which
    the pages' CSP (style-src 'self') blocks and Chromium 156.0.8078.114 reports as a console error."""

    def __init__(self, browser, base: str, viewport=DESKTOP):
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                           else route.abort())
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error"
                     and "status of 4" not in msg.text else None)

    def sign_in(self, login: str):
        page = self.page
        page.goto(self.base + "/")
        assert page.url.startswith(self.base + "/login")
        page.get_by_label("用户名").fill(login)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(self.base + "/")
        return page

    def close(self):
        self.context.close()


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
        session.close()


def _step(page, step_id: str):
    return page.locator(f"li.step[data-step='{step_id}']").first


def _history(page) -> int:
    return page.locator("ol.history > li").count()


def test_organiser_records_reviewer_signs_off_and_a_blocked_step_saves_nothing(sessions, site):
    base, _ = site
    organiser = sessions("branch_organiser")
    page = organiser.page
    # a case whose pre-review was in 2022 has no 2026.05 meeting deadline (no retroactive time limits)
    assert page.locator("[data-testid=due-item]", has_text="周截图").count() == 0
    header = page.locator("header.top")
    assert "吴支书" in header.inner_text()
    assert "组织员 · 甲学院第一支部" in header.inner_text()

    # create a dossier through the form, using the keyboard-labelled fields
    page.get_by_role("link", name="新建档案").click()
    page.get_by_label("所在党组织").select_option(label="甲学院第一支部")
    page.get_by_label("姓名").fill("刘浏览")
    page.get_by_label("出生日期").fill("2000-05-04")
    page.get_by_label("档案编号（可留空自动生成）").fill("WEB-1")
    page.get_by_role("button", name="建立档案").click()
    page.wait_for_url(re.compile(r".*/dossiers/WEB-1\?done=created"))
    assert page.get_by_role("status").inner_text() == "档案已建立。"
    assert _step(page, "s01_application").get_attribute("data-status") == "available"

    # record s01, then attach its material (the reviewer's sign-off checks the checklist)
    _step(page, "s01_application").get_by_role("link", name="记录此步骤").click()
    page.get_by_label("收到入党申请书日期").fill("2026-09-01")
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*/dossiers/WEB-1/next\?done=recorded"))  # the next step's form (issue 11)
    page.goto(base + "/dossiers/WEB-1")
    assert _step(page, "s01_application").get_attribute("data-status") == "waiting"
    page.get_by_label("材料类别").select_option("application_letter")
    page.get_by_label("签字人（多人用逗号分隔）").fill("刘浏览")
    page.locator("input[type=file]").set_input_files({"name": "申请书.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF})
    assert "已选择：申请书.pdf" in page.locator(".drop-status").inner_text()
    page.get_by_role("button", name="上传材料").click()
    page.wait_for_url(re.compile(r".*done=uploaded"))
    assert page.locator("[data-testid=material]").count() == 1

    # the reviewer sees it waiting, opens it, and signs it off
    reviewer = sessions("reviewer")
    rpage = reviewer.page
    item = rpage.locator("[data-testid=review-item]", has_text="刘浏览")
    assert item.count() == 1 and "递交入党申请书" in item.inner_text()
    item.get_by_role("link").click()
    assert "入党申请书" in rpage.locator("main").inner_text()
    assert rpage.get_by_role("link", name=re.compile("预览")).count() == 1
    rpage.get_by_role("button", name="审核通过").click()
    rpage.wait_for_url(re.compile(r".*done=reviewed"))
    assert _step(rpage, "s01_application").get_attribute("data-status") == "reviewed"
    assert "审核人 王组织员" in _step(rpage, "s01_application").inner_text()

    # s02 a month and a half later: the engine refuses, the reason sits next to the date, nothing saved
    page.goto(base + "/dossiers/WEB-1")
    before = _history(page)
    # a month after s01 has passed, so the plan already shows the talk as overdue, with the engine's words
    talk = _step(page, "s02_applicant_talk")
    assert talk.get_attribute("data-status") == "blocked"
    assert "晚于收到入党申请书后一个月的期限 2026-10-01" in talk.locator(".reasons").inner_text()
    _step(page, "s02_applicant_talk").get_by_role("link", name="记录此步骤").click()
    page.get_by_label("谈话日期").fill("2026-10-15")
    page.get_by_label("谈话人").fill("吴支书")
    page.get_by_role("button", name="保存记录").click()
    assert page.locator("#error-summary").is_visible()
    date_field = page.locator("[data-slot=date]")
    assert "晚于收到入党申请书后一个月的期限 2026-10-01" in date_field.inner_text()
    assert "第七条" in date_field.inner_text()
    assert page.get_by_label("谈话日期").input_value() == "2026-10-15"
    assert page.get_by_label("谈话人").input_value() == "吴支书"
    page.goto(base + "/dossiers/WEB-1")
    assert _step(page, "s02_applicant_talk").get_attribute("data-status") == "blocked"
    assert _history(page) == before

    # dated in time, it is saved
    _step(page, "s02_applicant_talk").get_by_role("link", name="记录此步骤").click()
    page.get_by_label("谈话日期").fill("2026-09-20")
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*done=recorded"))
    page.goto(base + "/dossiers/WEB-1")
    assert _step(page, "s02_applicant_talk").get_attribute("data-status") == "waiting"
    assert _history(page) == before + 1


def test_a_warning_step_asks_for_a_reason_before_saving(sessions, site):
    base, _ = site
    page = sessions("branch_organiser").page
    page.goto(base + "/dossiers/WARN-1")
    status = _step(page, "s15_admission_meeting").get_attribute("data-status")
    before = _history(page)
    _step(page, "s15_admission_meeting").get_by_role("link", name="记录此步骤").click()
    page.get_by_label("支部大会日期").fill("2022-05-06")
    for label, value in (("应到会有表决权的正式党员", "9"), ("实到会有表决权的正式党员", "8"), ("赞成（到会）", "8")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="保存记录").click()
    reason = page.get_by_label(re.compile("说明理由"))
    assert reason.is_visible()
    assert "突击发展" in page.locator("main").inner_text()
    assert page.get_by_label("实到会有表决权的正式党员").input_value() == "8"
    page.goto(base + "/dossiers/WARN-1")
    assert _step(page, "s15_admission_meeting").get_attribute("data-status") == status
    assert _history(page) == before

    page.go_back()
    page.get_by_label(re.compile("说明理由")).fill("本人提前毕业，经党委同意按期讨论")
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*done=recorded"))
    page.goto(base + "/dossiers/WARN-1")
    step = _step(page, "s15_admission_meeting")
    assert step.get_attribute("data-status") == "waiting"
    assert "本人提前毕业" in step.inner_text()


def test_a_user_of_another_branch_cannot_open_the_dossier(sessions, site):
    base, _ = site
    page = sessions("foreign_organiser").page
    assert page.locator("[data-testid=person]", has_text="孙警示").count() == 0
    answer = page.goto(base + "/dossiers/WARN-1")
    assert answer.status == 404
    assert "找不到该档案，或您无权查看" in page.get_by_role("alert").inner_text()
    assert "孙警示" not in page.content()


def test_keyboard_sign_in_and_labelled_fields(sessions, site):
    base, _ = site
    session = sessions()
    page = session.page
    page.goto(base + "/login")
    # the user-name field takes the focus by itself (autofocus is applied at the next rendering, which on
    # a loaded machine can come after `load`: wait for it rather than type into nothing)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("branch_organiser")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    for url in ("/", "/dossiers/WARN-1", "/dossiers/WARN-1/steps/s15_admission_meeting/record",
                "/dossiers/WARN-1/steps/0/correct", "/dossiers/new"):
        page.goto(base + url)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.name || e.id)""")
        assert unlabelled == [], f"{url}: fields without a label: {unlabelled}"


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_dashboard_and_dossier(sessions, site, artifacts, name, viewport):
    base, _ = site
    page = sessions("branch_organiser", viewport=viewport).page
    for label, url in (("dashboard", "/"), ("dossier", "/dossiers/WARN-1"),
                       ("step_form", "/dossiers/SHOT-1/steps/s15_admission_meeting/record")):
        page.goto(base + url)
        if label == "step_form":
            page.get_by_label("支部大会日期").fill("2022-05-06")
            page.get_by_label("应到会有表决权的正式党员", exact=True).fill("9")
            page.get_by_label("实到会有表决权的正式党员", exact=True).fill("4")
            page.get_by_label("赞成（到会）", exact=True).fill("4")
            page.get_by_role("button", name="保存记录").click()
            page.locator("#error-summary").wait_for()
            assert "到会" in page.locator("[data-slot=votes] .problems").inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{label} at {name} width scrolls sideways by {overflow}px"
        target = artifacts / f"web_{label}_{name}.png"
        page.screenshot(caret="initial", path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
