"""The cultivation pages (issue 12): a branch secretary enters a semester's scores for a class, a second
person reviews them and publishes the ranking (一步一审), and the secretary proposes the best within the
quota; a proposal beyond the quota is refused with the store's reason. TestClient checks the sheet's
refusals and who may see a class; one browser run follows the acceptance item end to end."""
from __future__ import annotations

import re

import pytest
import test_browser
from webkit import Page

from workflow.service_layer import dossiers
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

PEOPLE = [("C01", "陈一"), ("C02", "陈二"), ("C03", "陈三"), ("C04", "陈四"), ("C05", "陈五"), ("C06", "陈六")]
PERIOD = "2026-2027-1"  # TODAY is 2026-11-21, in the autumn semester
PHONE = test_browser.PHONE
# the live server, its Chromium and the signed-in browser contexts of the browser tests
site, browser, sessions = test_browser.site, test_browser.browser, test_browser.sessions


def _class(world) -> None:
    """Six activists in branch A1, created by its organiser."""
    a1 = world.orgs["A1"]
    actor = Actor(world.users["branch_organiser"], "branch_organiser", "吴支书", ((a1, "organiser"),))
    for person, name in PEOPLE:
        with UnitOfWork(world.engine) as uow:
            dossiers.create_dossier(uow, actor, a1, {"name": name, "birth_date": "2005-03-01"}, dossier_id=person)


def _sheet(i: int, person: str) -> dict:
    """Person i (1 best): rank i of 10, full handbook, class approval falling with i; totals all differ."""
    base = f"v.{person}"
    return {f"{base}.course_rank.rank": str(i), f"{base}.course_rank.of": "10", f"{base}.cet": "六级",
            f"{base}.study_notes": "5", f"{base}.study_reports": "2", f"{base}.volunteer_hours": "20",
            f"{base}.peer_help": "4", f"{base}.class_vote.expected": "10", f"{base}.class_vote.present": "10",
            f"{base}.class_vote.opt0": str(11 - i), f"{base}.class_vote.opt2": str(i - 1)}


def _url(world, page: str) -> str:
    return f"/cultivation/{page}?org={world.orgs['A1']}&scheme=seed000&period={PERIOD}"


@pytest.fixture
def klass(world):
    _class(world)
    return world


def test_the_sheet_loads_with_the_schemes_chinese_labels_and_the_class(klass):
    page = Page(klass.app, "branch_organiser")
    home = page.get("/")
    assert 'href="/cultivation"' in home.text
    assert page.get("/cultivation").status_code == 200
    sheet = page.get(_url(klass, "scores"))
    assert sheet.status_code == 200
    for label in ("学业成绩排名", "四六级成绩", "班级民主评议投票", "《入党积极分子成长手册》完成情况", "陈一", "陈六"):
        assert label in sheet.text
    assert 'lang="zh-CN"' in sheet.text and 'name="csrf_token"' in sheet.text
    for url, status, words in (("/cultivation/scores?org=abc&scheme=seed000", 404, "找不到该组织"),
                               (f"/cultivation/scores?org={klass.orgs['A1']}&scheme=nope", 404, "没有考核方案"),
                               (f"/cultivation/ranking?org={klass.orgs['A1']}&scheme=seed000&period=2026", 422,
                                "考核期“2026”不符合方案")):
        answer = page.get(url)
        assert answer.status_code == status and words in answer.text


def test_a_bad_score_is_refused_beside_its_cell_keeping_what_was_typed_and_storing_nothing(klass):
    page = Page(klass.app, "branch_organiser")
    form = {"date": "2026-11-20", "note": "本学期量化考核表", **_sheet(1, "C01"), **_sheet(2, "C02")}
    form["v.C02.course_rank.rank"] = "第二"
    answer = page.post(_url(klass, "scores"), form)
    assert answer.status_code == 422
    cell = re.search(r'<td class="has-error" data-cell="C02.course_rank">(.*?)</td>', answer.text, re.DOTALL)
    assert cell and "“学业成绩排名（名次）”应填写数字，实为“第二”" in cell.group(1)
    assert 'value="第二"' in answer.text and 'value="本学期量化考核表"' in answer.text
    # the store's own refusal (rank above the class size) also lands in its cell
    form["v.C02.course_rank.rank"] = "12"
    answer = page.post(_url(klass, "scores"), form)
    assert answer.status_code == 422
    cell = re.search(r'<td class="has-error" data-cell="C02.course_rank">(.*?)</td>', answer.text, re.DOTALL)
    assert cell and "名次 12 大于总人数 10" in cell.group(1)
    # a date outside the period and a missing evidence note are named beside their fields
    answer = page.post(_url(klass, "scores"), {**form, "v.C02.course_rank.rank": "2", "date": "2026-08-01",
                                               "note": ""})
    assert answer.status_code == 422 and "不在考核期 2026-2027-1" in answer.text and "每条记分须有依据" in answer.text
    assert "待审核" not in page.get(_url(klass, "ranking")).text  # nothing was stored


def test_a_member_of_another_tree_cannot_see_the_class(klass):
    page = Page(klass.app, "foreign_organiser")
    for url in (_url(klass, "scores"), _url(klass, "ranking")):
        answer = page.get(url)
        assert answer.status_code == 404 and "陈一" not in answer.text
    answer = page.post(_url(klass, "scores"), {"date": "2026-11-20", "note": "x", **_sheet(1, "C01")})
    assert answer.status_code == 404


def test_the_one_who_entered_the_scores_cannot_publish_them(klass):
    both = Page(klass.app, "both")  # organiser of A1 and reviewer of A: may do either, not both on one score
    form = {"date": "2026-11-20", "note": "考核表", **_sheet(1, "C01")}
    assert both.post(_url(klass, "scores"), form).status_code == 303
    answer = both.post(_url(klass, "ranking/publish"), {"group_size": "10"})
    assert answer.status_code == 403 and "一步一审" in answer.text
    assert both.post(_url(klass, "scores"), form).status_code == 422  # the row is closed once entered


# ---------------------------------------------------------------- the acceptance item in Chromium

def _fill_row(page, i: int, person: str, name: str) -> None:
    for field, value in _sheet(i, person).items():
        target = page.locator(f"[name='{field}']")
        if field.endswith(".cet"):
            target.select_option(value)
        else:
            target.fill(value)
    assert page.get_by_label(f"{name} 学业成绩排名 名次", exact=True).input_value() == str(i)


@pytest.mark.browser
def test_secretary_scores_a_class_second_user_publishes_and_beyond_the_quota_is_refused(sessions, site, artifacts):
    base, world = site
    _class(world)
    secretary = sessions("branch_organiser")
    page = secretary.page
    page.get_by_role("link", name="培养考核").click()
    page.get_by_label("组织").select_option(label="甲学院第一支部")
    page.get_by_label("考核期（如 2025-2026-1）").fill(PERIOD)
    page.get_by_role("button", name="录入记分").click()
    page.wait_for_url(re.compile(r".*/cultivation/scores\?"))
    page.get_by_label("依据").fill("2026-2027学年第一学期量化考核表")
    for i, (person, name) in enumerate(PEOPLE, start=1):
        _fill_row(page, i, person, name)
    page.locator(".table-scroll").evaluate("box => { box.scrollLeft = 0; }")
    page.screenshot(caret="initial", path=str(artifacts / "cultivation-sheet-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)  # at phone width only the table scrolls, sideways inside its box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(caret="initial", path=str(artifacts / "cultivation-sheet-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="保存记分并计算").click()
    page.wait_for_url(re.compile(r".*/cultivation/ranking\?.*done=scored"))
    assert page.locator("[data-testid=scores] tbody tr").count() == 6
    assert page.locator("[data-testid=scores]").inner_text().count("待审核") == 6

    # a second person (organiser of the branch and reviewer above it) reviews and publishes
    reviewer = sessions("both")
    rpage = reviewer.page
    rpage.goto(base + page.url[len(base):].replace("&done=scored", ""))
    rpage.get_by_label("班级人数（计算推荐名额）").fill("10")
    rpage.get_by_role("button", name="审核并公布排名").click()
    rpage.wait_for_url(re.compile(r".*done=published"))
    assert "推荐名额 2 人（10 人的 20% 为 2 人）" in rpage.locator("main").inner_text()
    assert "卫双岗" in rpage.locator("main").inner_text()

    # the secretary proposes the best two, then one more: refused with the reason
    page.reload()
    rows = page.locator("[data-testid=ranking] tbody tr")
    assert rows.count() == 6 and rows.first.get_attribute("data-person") == "C01"
    assert [rows.nth(k).locator("td").nth(1).inner_text() for k in range(6)] == ["1", "2", "3", "4", "5", "6"]
    page.get_by_label("推荐 陈一").check()
    page.get_by_label("推荐 陈二").check()
    page.get_by_role("button", name="推荐为发展对象").click()
    page.wait_for_url(re.compile(r".*done=proposed"))
    assert page.locator("[data-testid=ranking]").inner_text().count("已推荐") == 2
    page.set_viewport_size(PHONE)
    page.get_by_label("推荐 陈三").check()
    page.get_by_role("button", name="推荐为发展对象").click()
    refusal = page.get_by_test_id("ranking-errors")
    assert "推荐 3 人，超过名额 2 人（10 人的 20% 为 2 人）" in refusal.inner_text()
    assert page.get_by_label("推荐 陈三").is_checked()  # the tick is kept
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # only the table scrolls
    page.screenshot(caret="initial", path=str(artifacts / "cultivation-quota-refused-phone.png"), full_page=True)
