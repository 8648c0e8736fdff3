"""Issue 11's acceptance in Debian's Chromium: one person withdrawn, one transferred out and in, each
event proposed by one person and signed off by a reviewer; a step's materials dropped onto its form;
and the dashboard, dossier, step form, review and event pages at 390 px without sideways scrolling.

Screenshots (desktop and phone) are left in test-artifacts/case_*.png for a person to look at.
"""
from __future__ import annotations

import re
import shutil
import tempfile

import pytest
from tests_support import CHROMIUM, playwright_or_skip
from tests_support import CHROMIUM_ARGS as ARGS
from webkit import PASSWORD, TODAY, import_case, make_world, served

from workflow.service_layer import steps
from workflow.store.access import Actor
from workflow.store.db import make_engine, migrate
from workflow.store.repository import UnitOfWork

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site():

    folder = tempfile.mkdtemp(prefix="fazhan-case-")
    url = f"sqlite:///{folder}/web.db"
    migrate(url)
    engine = make_engine(url)
    world = make_world(engine)
    import_case(engine, world.orgs["A1"], "CW-1", 6, name="钱撤回", birth_date="2001-02-11")
    import_case(engine, world.orgs["A1"], "CT-1", 6, name="孙转接", birth_date="2001-03-12")
    import_case(engine, world.orgs["A1"], "CS-1", 14, name="周页面", birth_date="2001-04-13")
    organiser = Actor(world.users["branch_organiser"], "branch_organiser", "吴支书", ((world.orgs["A1"], "organiser"),))
    with UnitOfWork(engine) as uow:  # a step waiting for review, for the review page
        steps.record_step(uow, organiser, "CS-1", {"step": "s15_admission_meeting", "date": "2022-05-06",
                                                   "votes": {"expected": 9, "present": 8, "yes": 8}}, today=TODAY)
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
    """One user's context: only the test server is reachable; script errors are collected."""

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
        page.get_by_label("用户名").fill(login)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(self.base + "/")
        return page

    def shot(self, artifacts, name: str) -> None:
        target = artifacts / name
        self.page.screenshot(caret="initial", path=str(target), full_page=True)
        assert target.stat().st_size > 10_000

    def scroll_width(self) -> int:
        return self.page.evaluate("document.scrollingElement.scrollWidth")


@pytest.fixture
def sessions(browser, site):
    opened: list[Session] = []

    def open_(login: str, viewport=DESKTOP) -> Session:
        session = Session(browser, site[0], viewport)
        opened.append(session)
        session.sign_in(login)
        return session

    yield open_
    for session in opened:
        assert session.errors == [], f"script errors in the page: {session.errors}"
        session.context.close()


def _approve_from_dashboard(session: Session, person: str) -> None:
    page = session.page
    page.goto(session.base + "/")
    item = page.locator("[data-testid=change-item]", has_text=person)
    assert item.count() == 1
    item.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/changes/\d+$"))
    assert person in page.get_by_test_id("change").inner_text() or person in page.locator("h1").inner_text()


def test_a_withdrawal_proposed_in_the_browser_and_signed_off_by_a_reviewer(sessions, site, artifacts):
    base, _ = site
    organiser = sessions("branch_organiser")
    page = organiser.page
    page.goto(base + "/dossiers/CW-1")
    page.get_by_role("link", name="本人撤回").click()
    page.get_by_label("日期").fill("2024-03-01")
    page.get_by_role("button", name="提交审核").click()
    assert "请写明理由" in page.locator("#e-reason").inner_text()  # refused beside its field
    page.get_by_label("理由").fill("本人书面申请撤回入党申请")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r".*/dossiers/CW-1\?done=proposed#case"))
    assert page.get_by_test_id("state").inner_text() == "入党积极分子"  # nothing moves before the review
    assert "待审核" in page.get_by_test_id("change").first.inner_text()
    organiser.shot(artifacts, "case_withdraw_proposed_desktop.png")

    reviewer = sessions("reviewer")
    _approve_from_dashboard(reviewer, "钱撤回")
    reviewer.shot(artifacts, "case_withdraw_review_desktop.png")
    reviewer.page.get_by_role("button", name="审核通过").click()
    reviewer.page.wait_for_url(re.compile(r".*/dossiers/CW-1/review\?done=change_approved"))
    assert reviewer.page.get_by_test_id("state").inner_text() == "本人撤回"
    assert "本人撤回 · 2024-03-01" in reviewer.page.get_by_test_id("case-event").inner_text()

    page.goto(base + "/")
    assert page.locator("[data-testid=person]", has_text="钱撤回").count() == 0  # off the live board
    page.locator("#closed summary").click()
    closed = page.locator("[data-testid=closed-person]", has_text="钱撤回")
    assert closed.is_visible() and "本人撤回" in closed.inner_text()
    organiser.shot(artifacts, "case_withdraw_closed_list_desktop.png")


def test_a_transfer_out_and_in_each_reviewed_on_its_side(sessions, site, artifacts):
    base, _ = site
    organiser = sessions("branch_organiser")
    page = organiser.page
    page.goto(base + "/dossiers/CT-1")
    page.get_by_role("link", name=re.compile("组织关系转出")).click()
    page.get_by_label("日期").fill("2024-03-01")
    page.get_by_label("转入的党组织（仅转出时填写）").select_option(label="乙大学党委 · 乙学院支部")
    page.get_by_label("理由").fill("转学至乙大学")
    organiser.shot(artifacts, "case_transfer_out_form_desktop.png")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r".*done=proposed"))

    reviewer = sessions("reviewer")
    _approve_from_dashboard(reviewer, "孙转接")
    reviewer.page.get_by_role("button", name="审核通过").click()
    reviewer.page.wait_for_url(re.compile(r".*done=change_approved"))
    assert reviewer.page.get_by_test_id("state").inner_text() == "组织关系转出"

    receiving = sessions("foreign_organiser", PHONE)
    rpage = receiving.page
    rpage.goto(base + "/?closed=1")
    incoming = rpage.locator("[data-testid=closed-person]", has_text="孙转接")
    assert "待转入本组织" in incoming.inner_text()
    incoming.get_by_role("link").click()
    rpage.get_by_role("link", name="组织关系转入").click()
    rpage.get_by_label("日期").fill("2024-03-10")
    rpage.get_by_label("理由").fill("接收转入，培养教育时间连续计算")
    rpage.get_by_role("button", name="提交审核").click()
    rpage.wait_for_url(re.compile(r".*done=proposed"))
    assert receiving.scroll_width() <= PHONE["width"]
    receiving.shot(artifacts, "case_transfer_in_proposed_phone.png")

    other = sessions("foreign_reviewer", PHONE)
    _approve_from_dashboard(other, "孙转接")
    assert other.scroll_width() <= PHONE["width"]
    other.shot(artifacts, "case_transfer_in_review_phone.png")
    other.page.get_by_role("button", name="审核通过").click()
    other.page.wait_for_url(re.compile(r".*done=change_approved"))
    assert other.page.get_by_test_id("state").inner_text() == "入党积极分子"  # the cultivation goes on
    assert "乙学院支部" in other.page.locator(".page-head .meta").first.inner_text()
    events = other.page.get_by_test_id("case-event").all_inner_texts()
    assert [e.split(" · ")[0] for e in events] == ["组织关系转出（培养教育时间连续计算）", "组织关系转入"]
    other.shot(artifacts, "case_transfer_in_done_phone.png")
    assert page.goto(base + "/dossiers/CT-1").status == 404  # no longer the sending branch's


def test_materials_dropped_on_the_step_form(sessions, site, artifacts):
    base, _ = site
    organiser = sessions("branch_organiser")
    page = organiser.page
    page.goto(base + "/dossiers/new")
    page.get_by_label("所在党组织").select_option(label="甲学院第一支部")
    page.get_by_label("姓名").fill("吴材料")
    page.get_by_label("出生日期").fill("2000-05-04")
    page.get_by_label("档案编号（可留空自动生成）").fill("CM-1")
    page.get_by_role("button", name="建立档案").click()
    page.wait_for_url(re.compile(r".*/dossiers/CM-1\?done=created"))
    page.goto(base + "/dossiers/CM-1/steps/s01_application/record")
    line = page.locator("[data-material=application_letter]")
    assert "需上传" in line.inner_text()
    assert page.get_by_label("签字人（多人用逗号分隔）").input_value() == "吴材料"
    with page.expect_response(re.compile(r".*/record\?date=2026-09-01")):  # the day's list of materials
        page.get_by_label("收到入党申请书日期").fill("2026-09-01")
    page.wait_for_load_state("networkidle")
    page.get_by_label(re.compile("选择“入党申请书”的文件")).set_input_files([
        {"name": "申请书第1页.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% p1\n%%EOF\n"},
        {"name": "申请书第2页.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% p2\n%%EOF\n"}])
    assert "已选择 2 个文件" in line.locator(".drop-status").inner_text()
    dropped = page.evaluate_handle("""() => { const d = new DataTransfer();
        d.items.add(new File(['%PDF-1.4\\n% p3\\n%%EOF\\n'], '申请书第3页.pdf', {type: 'application/pdf'})); return d; }""")
    line.dispatch_event("drop", {"dataTransfer": dropped})
    assert "已选择 3 个文件" in line.locator(".drop-status").inner_text()
    with page.expect_response(re.compile(r".*/record\?date=2026-09-02")):  # the files stay when the date moves
        page.get_by_label("收到入党申请书日期").fill("2026-09-02")
    from playwright.sync_api import expect
    expect(line.locator(".drop-status")).to_contain_text("已选择 3 个文件")  # waits for htmx's swap to settle
    assert page.evaluate("document.querySelector('#files-application_letter').files.length") == 3
    organiser.shot(artifacts, "case_materials_dropped_desktop.png")
    page.get_by_role("button", name="保存记录").click()
    page.wait_for_url(re.compile(r".*/dossiers/CM-1/next\?done=recorded"))
    assert "下一步：第2步" in page.locator("h1").inner_text()
    page.goto(base + "/dossiers/CM-1/steps/0/materials")
    assert page.locator("[data-material=application_letter] a", has_text="申请书第").count() == 3


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_pages_fit_a_phone(sessions, site, artifacts, name, viewport):
    base, _ = site
    organiser = sessions("branch_organiser", viewport)
    reviewer = sessions("reviewer", viewport)
    urls = {"dashboard": (organiser, "/"), "dossier": (organiser, "/dossiers/CS-1"),
            "step_form": (organiser, "/dossiers/CS-1/steps/s16_committee_talk/record"),
            "materials": (organiser, "/dossiers/CS-1/steps/14/materials"),
            "case_event": (organiser, "/dossiers/CS-1/case-events/new?kind=transfer_out"),
            "review": (reviewer, "/dossiers/CS-1/review")}
    for label, (who, url) in urls.items():
        who.page.goto(base + url)
        width = who.scroll_width()
        assert width <= viewport["width"], f"{label} at {name}: scrollWidth {width}"
        who.shot(artifacts, f"case_{label}_{name}.png")
    assert "审核：第15步" in reviewer.page.locator("h1").inner_text()
