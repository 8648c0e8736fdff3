"""The cultivation pages beyond the score sheet (issue 12): the annual plan, 推优, pairing, score
corrections with a second review, the leaving-date cohorts and the ranking notice. Each page is read
in Chinese with labels (never a code or "None"), and each form's refusal is shown beside its field
with its stable code; a user of another tree sees none of it."""
from __future__ import annotations

import re

import pytest
from test_cultivation_pages import PEOPLE, _class, _sheet, _url
from webkit import TODAY, Page

from workflow.service_layer import dossiers, reviews, steps as step_cases
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

RAW = ("None", "Traceback", "FORBIDDEN", "PAIRING_", "LEAGUE_", "full_member", "activist\"", "s03_")


def _refusal(html: str, field: str) -> tuple[str, list[str]]:
    """The text and the codes of the refusal list printed for one field."""
    found = re.search(rf'<ul class="problems"[^>]*data-field="{re.escape(field)}">(.*?)</ul>', html, re.DOTALL)
    assert found, f"a refusal beside {field}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip(), re.findall(r'data-code="([^"]+)"', found.group(1))


def _readable(html: str) -> None:
    text = re.sub(r"<[^>]+>", " ", html)
    for raw in RAW:
        assert raw not in text, raw


def _case(world, dossier_id: str, name: str, leave: str | None = None, upto: int = 3) -> None:
    """An applicant (upto 2) or activist (upto 3) of branch A1 in 2026, imported by an administrator."""
    steps = [{"step": "s01_application", "date": "2026-03-01"}, {"step": "s02_applicant_talk", "date": "2026-03-20"},
             {"step": "s03_activist_determined", "date": "2026-06-01", "nomination": ["party_members"]}][:upto]
    person = {"name": name, "birth_date": "2005-03-01", **({"expected_leave_date": leave} if leave else {})}
    steps = [{**s, "recorded_by": "组织员", "reviewed_by": "审核人", "reviewed_on": s["date"]} for s in steps]
    a1, root = world.orgs["A1"], world.orgs["A"]
    with UnitOfWork(world.engine) as uow:
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((root, "admin"),)), a1,
                                {"format": "dossier/1", "id": dossier_id, "person": person, "steps": steps},
                                today=TODAY)
    with UnitOfWork(world.engine) as uow:  # the paper sign-offs confirmed by a second person (一步一审)
        reviews.confirm_paper_reviews(uow, Actor(None, "seed-reviewer", "核验员", ((root, "reviewer"),)),
                                      dossier_id, today=TODAY)


def _members(world) -> dict[str, int]:
    actor = Actor(world.users["branch_organiser"], "branch_organiser", "吴支书", ((world.orgs["A1"], "organiser"),))
    ids = {}
    for name, status in (("党员甲", "full"), ("党员乙", "full"), ("党员丙", "full"), ("党员戊", "probationary")):
        with UnitOfWork(world.engine) as uow:
            ids[name] = admin.create_member(uow, actor, organisation_id=world.orgs["A1"], name=name,
                                            status=status)["id"]
    return ids


# ---------------------------------------------------------------- the annual plan

def test_a_committee_sets_a_branch_plan_the_branch_sees_its_quota_and_refusals_sit_by_their_fields(world):
    a, a1 = world.orgs["A"], world.orgs["A1"]
    committee = Page(world.app, "organiser")
    page = committee.get(f"/cultivation/plan?org={a}")
    assert page.status_code == 200 and "下达年度发展计划" in page.text and "尚未下达发展计划" in page.text
    for label in ("女性", "35岁及以下", "生产工作一线", "大专及以上学历"):
        assert label in page.text
    form = {"organisation_id": str(a1), "year": "2026", "total": "3", "women": "5"}
    refused = committee.post(f"/cultivation/plan?org={a}", form)
    assert refused.status_code == 422
    text, codes = _refusal(refused.text, "women")
    assert "女性指标 5 大于计划总数 3" in text and codes == ["VALUE_INVALID"]
    assert 'value="5"' in refused.text  # what was typed stays
    refused = committee.post(f"/cultivation/plan?org={a}", {**form, "women": "", "total": "三"})
    assert refused.status_code == 422 and "应为非负整数" in _refusal(refused.text, "total")[0]
    done = committee.post(f"/cultivation/plan?org={a}", {**form, "women": "2"})
    assert done.status_code == 303 and "done=set" in done.headers["location"]
    again = committee.post(f"/cultivation/plan?org={a}", {**form, "women": "2"})
    assert again.status_code == 409 and _refusal(again.text, "year")[1] == ["PLAN_EXISTS"]

    branch = Page(world.app, "branch_organiser")
    seen = branch.get(f"/cultivation/plan?org={a1}&year=2026")
    assert seen.status_code == 200 and "下达计划" not in seen.text  # a branch does not set a plan
    quota = re.search(r'data-testid="quota">(.*?)</div>', seen.text, re.DOTALL).group(1)
    assert "发展总数 <strong>3</strong> 人" in quota and "女性 2 人" in quota
    assert 'data-testid="remaining">3<' in quota
    assert re.search(r"<td>0 / 3</td>", seen.text)  # progress: none admitted yet of 3
    _readable(seen.text)
    # a branch that posts anyway is refused beside the organisation, by the store
    refused = branch.post(f"/cultivation/plan?org={a1}", {**form, "year": "2027", "women": ""})
    assert refused.status_code == 403 and _refusal(refused.text, "organisation_id")[1] == ["FORBIDDEN"]
    assert "党委下达" in refused.text
    assert Page(world.app, "foreign_organiser").get(f"/cultivation/plan?org={a1}").status_code == 404
    assert committee.get(f"/cultivation/plan?org={a}&year=9999").status_code == 422


# ---------------------------------------------------------------- 推优

def test_a_league_vote_is_recorded_under_the_policy_and_backs_s03_on_the_dossier(world):
    a1 = world.orgs["A1"]
    _case(world, "P1", "团员甲", upto=2)
    _case(world, "P2", "团员乙", upto=2)
    page = Page(world.app, "branch_organiser")
    board = page.get(f"/cultivation/league?org={a1}")
    assert board.status_code == 200 and "到会人数不少于应到会团员的 2/3" in board.text and "推优有效期 24个月" in board.text
    form = {"dossier_id": "P1", "league_branch": "2025级1班团支部", "league_members": "10", "meeting_on": "2026-10-10",
            "expected": "10", "present": "6", "yes": "6"}
    refused = page.post(f"/cultivation/league?org={a1}", form)
    assert refused.status_code == 422
    text, codes = _refusal(refused.text, "present")
    assert codes == ["LEAGUE_QUORUM_NOT_MET"] and "应到 10 人，实到 6 人" in text
    refused = page.post(f"/cultivation/league?org={a1}", {**form, "expected": "十"})
    assert refused.status_code == 422 and "“应到会人数”应为非负整数" in _refusal(refused.text, "expected")[0]
    refused = page.post(f"/cultivation/league?org={a1}", {**form, "present": "9", "yes": "11"})
    assert refused.status_code == 422 and _refusal(refused.text, "votes")[1] == ["VOTES_INCONSISTENT"]
    done = page.post(f"/cultivation/league?org={a1}", {**form, "present": "9", "yes": "8"})
    assert done.status_code == 303
    board = page.get(done.headers["location"])
    assert "推优记录已保存" in board.text and "团员 10 人，至多推优 2 人，已推优 <strong>1</strong> 人" in board.text
    record_id = int(re.search(r'data-record="(\d+)"', board.text).group(1))
    # the share of the League branch: 20 % of 10 is 2
    assert page.post(f"/cultivation/league?org={a1}", {**form, "dossier_id": "P2", "present": "9",
                                                        "yes": "8"}).status_code == 303
    refused = page.post(f"/cultivation/league?org={a1}", {**form, "present": "9", "yes": "8"})
    assert _refusal(refused.text, "league_members")[1] == ["LEAGUE_QUOTA_EXCEEDED"]

    # s03 recorded on the 推优: the record's page and the dossier's step point at each other
    with UnitOfWork(world.engine) as uow:
        actor = Actor(world.users["branch_organiser"], "branch_organiser", "吴支书", ((a1, "organiser"),))
        step_cases.record_step(uow, actor, "P1", {"step": "s03_activist_determined", "date": "2026-11-20",
                                                  "league_recommendation_id": record_id}, today=TODAY)
    record = page.get(f"/cultivation/league/records/{record_id}")
    assert record.status_code == 200 and "确定入党积极分子" in record.text and "2026-11-20" in record.text
    _readable(record.text)
    dossier = page.get("/dossiers/P1")
    assert f'href="/cultivation/league/records/{record_id}"' in dossier.text and "团组织推优" in dossier.text
    assert Page(world.app, "foreign_organiser").get(f"/cultivation/league/records/{record_id}").status_code == 404
    assert page.get("/cultivation/league/records/abc").status_code == 404


# ---------------------------------------------------------------- pairing

def test_pairing_is_suggested_within_the_load_limit_assigned_replaced_with_history_and_activity_dated(world):
    a1 = world.orgs["A1"]
    for i in range(3):
        _case(world, f"A{i + 1}", f"积极分子{i + 1}")
    ids = _members(world)
    page = Page(world.app, "branch_organiser")
    board = page.get(f"/cultivation/pairing?org={a1}")
    assert board.status_code == 200 and "每名积极分子由 2 名正式党员联系，每名党员至多联系 3 名积极分子" in board.text
    _readable(board.text)
    ticked = re.findall(r'name="pair" value="([^"]+)" checked', board.text)
    assert len(ticked) == 6 and not any(f"|{ids['党员戊']}" in t for t in ticked)  # never the probationary member
    # a probationary member by hand: refused beside the member field, with the rule's words
    refused = page.post(f"/cultivation/pairing/assign?org={a1}", {"which": "manual", "dossier_id": "A1",
                                                                  "member_id": str(ids["党员戊"]),
                                                                  "start": "2026-09-01"})
    assert refused.status_code == 422
    text, codes = _refusal(refused.text, "member_id")
    assert "PAIRING_NOT_FULL" in codes and "不是正式党员" in text
    # a start in the future is refused by the store, in words
    refused = page.post(f"/cultivation/pairing/assign?org={a1}", {"which": "suggested", "pair": ticked,
                                                                  "start": "2026-12-01"})
    assert refused.status_code == 422 and "开始日期 2026-12-01 晚于今天" in _refusal(refused.text, "start")[0]
    done = page.post(f"/cultivation/pairing/assign?org={a1}", {"which": "suggested", "pair": ticked,
                                                               "start": "2026-09-01"})
    assert done.status_code == 303
    board = page.get(f"/cultivation/pairing?org={a1}")
    loads = dict(re.findall(r'<tr data-member="(\d+)">.*?<td>(\d) / 3', board.text, re.DOTALL))
    assert sorted(loads.values()) == ["0", "2", "2", "2"]  # 6 pairs over three full members, none over 3
    assert "目前没有需要安排的结对" in board.text

    person = page.get("/cultivation/pairing/people/A1")
    assert person.status_code == 200
    pairing_id = re.search(r'<select id="r-pairing" name="pairing_id"[^>]*>\s*<option value="(\d+)"', person.text).group(1)
    first = re.search(rf'<option value="{pairing_id}"[^>]*>([^（]+)', person.text).group(1)
    spare = next(i for n, i in ids.items() if n not in person.text.split("联系人记录")[1].split("结对活动")[0]
                 and n != "党员戊")
    refused = page.post("/cultivation/pairing/people/A1/replace", {"pairing_id": pairing_id, "member_id": str(spare),
                                                                   "date": "2026-10-01", "reason": ""})
    assert refused.status_code == 422 and _refusal(refused.text, "reason")[1] == ["PAIRING_REASON_MISSING"]
    refused = page.post("/cultivation/pairing/people/A1/activities", {"pairing_id": pairing_id, "kind": "谈心谈话",
                                                                      "date": "2026-08-01"})
    assert refused.status_code == 422 and _refusal(refused.text, "date")[1] == ["PAIRING_DATE_INVALID"]
    assert page.post("/cultivation/pairing/people/A1/activities", {"pairing_id": pairing_id, "kind": "谈心谈话",
                                                                   "date": "2026-09-15", "note": "谈学习"}
                     ).status_code == 303
    assert page.post("/cultivation/pairing/people/A1/replace", {"pairing_id": pairing_id, "member_id": str(spare),
                                                                "date": "2026-10-01", "reason": "调离本支部"}
                     ).status_code == 303
    person = page.get("/cultivation/pairing/people/A1?done=replaced")
    history = re.search(r'data-testid="pairing-history">(.*?)</ol>', person.text, re.DOTALL).group(1)
    assert f"{first.strip()}</strong> <span class=\"when\">2026-09-01 至 2026-10-01" in history
    assert "已更换：调离本支部" in history and history.count("现任") == 2
    assert "2026-09-15</span> 谈心谈话" in person.text and "谈学习" in person.text
    _readable(person.text)
    assert Page(world.app, "foreign_organiser").get("/cultivation/pairing/people/A1").status_code == 404
    assert Page(world.app, "foreign_organiser").get(f"/cultivation/pairing?org={a1}").status_code == 404


# ---------------------------------------------------------------- corrections and the second review

def test_a_reviewed_score_is_corrected_with_a_reason_and_reviewed_again_by_a_second_person(world):
    _class(world)
    secretary = Page(world.app, "branch_organiser")
    form = {"date": "2026-11-20", "note": "量化考核表"}
    for i, (person, _) in enumerate(PEOPLE[:3], start=1):
        form.update(_sheet(i, person))
    assert secretary.post(_url(world, "scores"), form).status_code == 303
    reviewer = Page(world.app, "reviewer")
    listing = reviewer.get(_url(world, "corrections"))
    assert listing.status_code == 200 and listing.text.count("待审核") == 3
    score_ids = re.findall(r'data-score="(\d+)"', listing.text)
    for sid in score_ids:
        assert reviewer.post(f"/cultivation/scores/{sid}/review?{_url(world, 'x').split('?')[1]}").status_code == 303
    assert "待审核" not in reviewer.get(_url(world, "corrections")).text

    query = _url(world, "corrections/person").split("?")[1] + "&person=C02"
    entries = secretary.get(f"/cultivation/corrections/person?{query}")
    assert entries.status_code == 200 and "学业成绩排名" in entries.text and "第 2 名 / 共 10 人" in entries.text
    entry_id = re.search(r'action="/cultivation/entries/(\d+)/correct\?[^"]*"[^>]*>\s*<input type="hidden" name="csrf_token"'
                         r'[^>]*><input type="hidden" name="indicator" value="course_rank"', entries.text).group(1)
    target = f"/cultivation/entries/{entry_id}/correct?{query}"
    fix = {"indicator": "course_rank", "v.C02.course_rank.rank": "4", "v.C02.course_rank.of": "10",
           "date": "2026-11-20", "reason": ""}
    refused = secretary.post(target, fix)
    assert refused.status_code == 422
    assert _refusal(refused.text, f"{entry_id}.reason")[1] == ["CORRECTION_REASON_MISSING"]
    refused = secretary.post(target, {**fix, "reason": "成绩单复核", "v.C02.course_rank.rank": "14"})
    assert refused.status_code == 422 and "名次 14 大于总人数 10" in _refusal(refused.text, f"{entry_id}.value")[0]
    refused = secretary.post(target, {**fix, "reason": "成绩单复核", "date": "2026-08-31"})
    assert _refusal(refused.text, f"{entry_id}.date")[1] == ["CORRECTION_PERIOD"]
    done = secretary.post(target, {**fix, "reason": "成绩单复核"})
    assert done.status_code == 303
    entries = secretary.get(done.headers["location"])
    assert "更正原因：成绩单复核" in entries.text and "已更正" in entries.text and "第 4 名 / 共 10 人" in entries.text
    versions = re.search(r'data-testid="score-versions">(.*?)</ol>', entries.text, re.DOTALL).group(1)
    assert "王组织员 于 2026-11-21 审核" in versions and "待审核" in versions  # the old review kept, the new waits
    _readable(entries.text)

    # the corrected score waits for a reviewer: the organiser is not one
    listing = reviewer.get(_url(world, "corrections"))
    corrected = re.search(r'data-person="C02" data-score="(\d+)"', listing.text).group(1)
    assert corrected not in score_ids
    refused = secretary.post(f"/cultivation/scores/{corrected}/review?{_url(world, 'x').split('?')[1]}")
    assert refused.status_code == 403 and _refusal(refused.text, corrected)[1] == ["FORBIDDEN"]
    assert reviewer.post(f"/cultivation/scores/{corrected}/review?{_url(world, 'x').split('?')[1]}").status_code == 303
    assert "待审核" not in reviewer.get(_url(world, "corrections")).text


def test_the_one_who_corrects_a_score_cannot_review_it(world):
    _class(world)
    both = Page(world.app, "both")  # organiser of A1 and reviewer of A
    form = {"date": "2026-11-20", "note": "量化考核表", **_sheet(1, "C01")}
    assert Page(world.app, "branch_organiser").post(_url(world, "scores"), form).status_code == 303
    query = _url(world, "corrections/person").split("?")[1] + "&person=C01"
    entries = both.get(f"/cultivation/corrections/person?{query}")
    entry_id = re.search(r'/cultivation/entries/(\d+)/correct\?[^"]*"[^>]*>\s*<input[^>]*><input type="hidden" '
                         r'name="indicator" value="cet"', entries.text).group(1)
    done = both.post(f"/cultivation/entries/{entry_id}/correct?{query}",
                     {"indicator": "cet", "v.C01.cet": "四级", "date": "2026-11-20", "reason": "证书核对为四级"})
    assert done.status_code == 303
    listing = both.get(_url(world, "corrections"))
    score = re.search(r'data-person="C01" data-score="(\d+)"', listing.text).group(1)
    refused = both.post(f"/cultivation/scores/{score}/review?{_url(world, 'x').split('?')[1]}")
    assert refused.status_code == 403
    text, codes = _refusal(refused.text, score)
    assert codes == ["SELF_REVIEW"] and "一步一审" in text


# ---------------------------------------------------------------- the cohorts

def test_the_cohort_view_flags_who_cannot_be_admitted_before_leaving_and_the_rushed_risk(world):
    a1 = world.orgs["A1"]
    _case(world, "L1", "早离校", "2027-05-31")
    _case(world, "L2", "赶时间", "2027-06-30")
    _case(world, "L3", "时间够", "2028-06-30")
    page = Page(world.app, "branch_organiser")
    view = page.get(f"/cultivation/cohort?org={a1}")
    assert view.status_code == 200 and "2027届（2 人）" in view.text and "2028届（1 人）" in view.text
    early = re.search(r'data-person="L1">(.*?)</li>', view.text, re.DOTALL).group(1)
    assert 'data-flag="cannot_admit"' in early and "离校前无法接收" in early
    rushed = re.search(r'data-person="L2">(.*?)</li>', view.text, re.DOTALL).group(1)
    assert 'data-flag="rushed"' in rushed and "突击发展风险（第十八条）" in rushed and "最早 <strong>2027-06-" in rushed
    assert "离校前无法接收 1 人" in view.text
    _readable(view.text)
    later = page.get(f"/cultivation/cohort?org={a1}&cohort=2028届")
    fine = re.search(r'data-person="L3">(.*?)</li>', later.text, re.DOTALL).group(1)
    assert "data-flag" not in fine
    missing = page.get(f"/cultivation/cohort?org={a1}&cohort=2031届")
    assert missing.status_code == 404 and "本组织没有“2031届”的人员" in missing.text
    assert Page(world.app, "foreign_organiser").get(f"/cultivation/cohort?org={a1}").status_code == 404


# ---------------------------------------------------------------- the notice

def test_the_published_ranking_has_its_notice_page_and_pdf_with_the_proposals(world):
    _class(world)
    form = {"date": "2026-11-20", "note": "量化考核表"}
    for i, (person, _) in enumerate(PEOPLE, start=1):
        form.update(_sheet(i, person))
    secretary = Page(world.app, "branch_organiser")
    assert secretary.post(_url(world, "scores"), form).status_code == 303
    assert Page(world.app, "both").post(_url(world, "ranking/publish"), {"group_size": "10"}).status_code == 303
    ranking = secretary.get(_url(world, "ranking"))
    link = re.search(r'href="(/cultivation/rankings/(\d+)/notice)"', ranking.text)
    assert link, "the ranking page links to its notice"
    rid = link.group(2)
    assert secretary.post(f"/cultivation/rankings/{rid}/propose", {"person": "C01"}).status_code == 303
    notice = secretary.get(link.group(1))
    assert notice.status_code == 200 and "量化考核结果公示" in notice.text and "陈一（第 1 名" in notice.text
    assert "本次发展名额 2 人" in notice.text
    _readable(notice.text)
    pdf = secretary.get(f"/cultivation/rankings/{rid}/notice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert Page(world.app, "foreign_organiser").get(link.group(1)).status_code == 404
    assert Page(world.app, "foreign_organiser").get(f"/cultivation/rankings/{rid}/notice.pdf").status_code == 404
    assert secretary.get("/cultivation/rankings/x/notice").status_code == 404


@pytest.mark.parametrize("url", ["/cultivation/plan?org=abc", "/cultivation/league?org=", "/cultivation/pairing",
                                 "/cultivation/cohort?org=999999"])
def test_an_unknown_organisation_is_the_not_found_page(world, url):
    answer = Page(world.app, "organiser").get(url)
    assert answer.status_code == 404 and "找不到该组织" in answer.text
