"""Batches, the reviewer's queue and the inbox as pages (issue 11), without a browser: one meeting for
several candidates with each refusal beside its candidate and nothing half-written, the assessment
sheet, a reviewer's pass over a dossier, the inbox and its count in the header."""
from __future__ import annotations

import re

import pytest
from webkit import Page, import_case

MEETING = "/meetings/new"
COHORT = (("M-1", "甲一", "2001-02-11"), ("M-2", "甲二", "2001-03-12"), ("M-3", "甲三", "2001-04-13"))


@pytest.fixture(autouse=True)
def _fresh_inbox_cache():
    from workflow.service_layer import inbox

    inbox.clear_cache()


def _history(page: Page, dossier_id: str) -> list[str]:
    return re.findall(r'<li data-kind="([a-z_]+)">', page.get(f"/dossiers/{dossier_id}").text)


def _steps(world, dossier_id: str) -> list[dict]:
    from workflow.service_layer import dossiers
    from workflow.store.access import Actor
    from workflow.store.repository import UnitOfWork

    with UnitOfWork(world.engine) as uow:
        return dossiers.get_dossier(uow, Actor(None, "t", "测试", ((world.orgs["A"], "auditor"),)),
                                    dossier_id)["dossier"]["steps"]


def _cohort(world, upto=14):
    return [import_case(world.engine, world.orgs["A1"], i, upto, name=n, birth_date=b) for i, n, b in COHORT]


def _meeting_form(world, ids, votes, *, date="2022-05-06", expected="9", present="8", skip=()):
    form = {"org": str(world.orgs["A1"]), "step": "s15_admission_meeting", "rows": str(len(ids)), "date": date,
            "expected": expected, "present": present}
    for i, dossier_id in enumerate(ids):
        form[f"c-{i}-id"] = dossier_id
        if dossier_id not in skip:
            form[f"c-{i}-include"] = "on"
        for key, value in votes.get(dossier_id, {"yes": "8", "no": "0"}).items():
            form[f"c-{i}-{key}"] = value
    return form


def test_the_meeting_page_lists_the_branchs_candidates_for_that_meeting(world):
    ids = _cohort(world)
    import_case(world.engine, world.orgs["A1"], "EARLY-1", 11, name="乙早", birth_date="2001-05-14")
    page = Page(world.app, "branch_organiser")
    html = page.get(f"{MEETING}?org={world.orgs['A1']}&step=s15_admission_meeting").text
    assert re.findall(r'data-testid="candidate" data-dossier="([^"]+)"', html) == ids
    assert "乙早" not in html and "党支部党员大会讨论" in html and "应到会有表决权的党员（人）" in html
    assert "None" not in html
    assert Page(world.app, "branch_organiser").get("/meetings").status_code == 200
    foreign = Page(world.app, "foreign_organiser").get(f"{MEETING}?org={world.orgs['A1']}")
    assert foreign.status_code == 404 and "甲一" not in foreign.text


def test_one_refused_candidate_is_named_beside_them_and_nothing_is_saved(world):
    ids = _cohort(world)
    page = Page(world.app, "branch_organiser")
    before = {i: _history(page, i) for i in ids}
    answer = page.post(MEETING, _meeting_form(world, ids, {"M-2": {"yes": "3", "no": "5", "outcome": "passed"}}))
    assert answer.status_code == 422
    text = answer.text
    assert 'data-testid="meeting-errors"' in text and "3 项，其中 1 项未通过，全部未保存" in text
    refused = text.split('data-dossier="M-2"')[1].split("</fieldset>")[0]
    assert 'data-code="VOTE_NOT_PASSED"' in refused and "第二十一条" in refused
    for other in ("M-1", "M-3"):
        assert "data-code" not in text.split(f'data-dossier="{other}"')[1].split("</fieldset>")[0]
    assert 'name="c-1-yes" aria-label="甲二 赞成（到会）" inputmode="numeric" value="3"' in text
    assert 'value="2022-05-06"' in text and 'id="present" name="present" inputmode="numeric" value="8"' in text
    assert {i: _history(page, i) for i in ids} == before
    # corrected, the meeting is kept: one step per candidate, each waiting for its own review
    done = page.post(MEETING, _meeting_form(world, ids, {}))
    assert done.status_code == 303 and re.fullmatch(r"/meetings/\d+\?done=recorded", done.headers["location"])
    shown = page.get(done.headers["location"]).text
    assert shown.count('data-testid="meeting-candidate"') == 3 and shown.count("待审核") == 3
    assert "应到会有表决权的正式党员</dt><dd>9 人" in shown
    for dossier_id in ids:
        last = _steps(world, dossier_id)[-1]
        assert last["step"] == "s15_admission_meeting" and not last.get("reviewed_by")


def test_a_missing_quorum_is_said_once_beside_the_meetings_figures(world):
    ids = _cohort(world)
    page = Page(world.app, "branch_organiser")
    answer = page.post(MEETING, _meeting_form(world, ids, {i: {"yes": "4"} for i in ids}, present="4"))
    assert answer.status_code == 422
    present = answer.text.split('data-slot="present"')[1].split("</div>")[0]
    assert present.count('data-code="QUORUM_NOT_MET"') == 1 and "第二十条" in present
    bad = page.post(MEETING, _meeting_form(world, ids, {}, present="10"))
    assert bad.status_code == 422
    assert "实到人数 10 多于应到人数 9" in bad.text.split('data-slot="present"')[1].split("</div>")[0]
    unticked = page.post(MEETING, _meeting_form(world, ids, {}, skip=tuple(ids)))
    assert unticked.status_code == 422 and "请至少选择一名表决对象" in unticked.text
    assert all(len(_steps(world, i)) == 14 for i in ids)


def test_the_assessment_sheet_saves_all_rows_or_names_the_bad_one(world):
    ids = [import_case(world.engine, world.orgs["A1"], f"K-{n}", 5, name=f"考{n}", birth_date=f"2003-0{n}-01")
           for n in (1, 2)]
    page = Page(world.app, "branch_organiser")
    before = [_history(page, i) for i in ids]
    html = page.get(f"/assessments?org={world.orgs['A1']}").text
    assert re.findall(r'data-testid="assessment-row" data-dossier="([^"]+)"', html) == ids
    assert "入党积极分子考察" in html and "预备党员考察" in html and "None" not in html
    form = {"org": str(world.orgs["A1"]), "rows": "2", "a-0-id": ids[0], "a-0-date": "2022-08-01",
            "a-0-period": "activist", "a-0-result": "合格", "a-0-by": "赵六",
            "a-1-id": ids[1], "a-1-date": "2022-08-31x", "a-1-period": "activist"}
    refused = page.post("/assessments", form)
    assert refused.status_code == 422
    row = refused.text.split(f'data-dossier="{ids[1]}"')[1].split("</fieldset>")[0]
    assert 'data-code="DATE_INVALID"' in row and 'value="2022-08-31x"' in row
    assert 'data-code' not in refused.text.split(f'data-dossier="{ids[0]}"')[1].split("</fieldset>")[0]
    assert [_history(page, i) for i in ids] == before
    form["a-1-date"] = "2022-08-31"
    saved = page.post("/assessments", form)
    assert saved.status_code == 303 and "done=2" in saved.headers["location"]
    assert "已记录 2 条考察" in page.get(saved.headers["location"]).text
    assert [h.count("assessment_added") for h in (_history(page, i) for i in ids)] == [1, 1]


def _record(page: Page, dossier_id: str, step: str, data: dict):
    answer = page.post(f"/dossiers/{dossier_id}/steps/{step}/record", data)
    assert answer.status_code == 303, answer.text[:2000]


def _three_waiting(page: Page, dossier_id: str):
    _record(page, dossier_id, "s09_introducers_assigned", {"date": "2022-02-25", "people-0-name": "赵六",
                                                           "people-0-status": "full", "people-1-name": "钱七",
                                                           "people-1-status": "full"})
    _record(page, dossier_id, "s10_political_review", {"date": "2022-04-05", "conclusion": "qualified"})
    _record(page, dossier_id, "s11_training", {"date": "2022-03-16", "start": "2022-03-14", "days": "3", "hours": "24"})


def test_the_queue_signs_several_steps_of_a_dossier_and_moves_on(world):
    for i, n, b in COHORT[:2]:
        import_case(world.engine, world.orgs["A1"], i, 8, name=n, birth_date=b)
    organiser = Page(world.app, "branch_organiser")
    for dossier_id in ("M-1", "M-2"):
        _three_waiting(organiser, dossier_id)
    reviewer = Page(world.app, "reviewer")
    assert 'data-testid="inbox-count"' in reviewer.get("/").text
    first = reviewer.get("/queue").text
    assert 'data-dossier="M-1"' in first and first.count('data-testid="queue-step"') == 3
    assert "第 1 / 2 份" in first and "赵六（正式党员）" in first and "None" not in first
    done = reviewer.post("/queue/M-1/approve", {"index": ["8", "9", "10"]})
    assert done.status_code == 303 and done.headers["location"] == "/queue?after=M-1&done=approved&n=3"
    following = reviewer.get(done.headers["location"]).text
    assert "已审核通过 3 个步骤" in following and 'data-dossier="M-2"' in following
    assert [s.get("reviewed_by") for s in _steps(world, "M-1")[8:]] == ["王组织员"] * 3
    assert _history(reviewer, "M-1")[:3] == ["step_reviewed"] * 3  # each step signed separately (newest first)


def test_the_queue_refuses_a_step_the_reviewer_recorded_and_signs_nothing(world):
    import_case(world.engine, world.orgs["A1"], "M-1", 8, name="甲一", birth_date="2001-02-11")
    both = Page(world.app, "both")  # organiser of A1 and reviewer on A
    _three_waiting(both, "M-1")
    assert 'data-testid="queue-empty"' in both.get("/queue").text  # their own steps never wait for them
    forced = both.post("/queue/M-1/approve", {"index": ["8", "9"]})
    assert forced.status_code == 422
    assert forced.text.count("不能审核通过") >= 2 and 'data-testid="queue-errors"' in forced.text
    assert not any(s.get("reviewed_by") for s in _steps(world, "M-1")[8:])


def test_a_step_sent_back_from_the_queue_lands_in_its_recorders_inbox(world):
    import_case(world.engine, world.orgs["A1"], "M-1", 8, name="甲一", birth_date="2001-02-11")
    organiser = Page(world.app, "branch_organiser")
    _three_waiting(organiser, "M-1")
    reviewer = Page(world.app, "reviewer")
    empty = reviewer.post("/queue/M-1/return", {"index": "9"})
    assert empty.status_code == 422 and "退回必须写明意见" in empty.text
    sent = reviewer.post("/queue/M-1/return", {"index": "9", "comment": "政审结论请附函调材料"})
    assert sent.status_code == 303
    box = organiser.get("/inbox").text
    returned = box.split('data-testid="inbox-returned"')[1].split("</li>")[0]
    assert "甲一" in returned and "进行政治审查" in returned and "政审结论请附函调材料" in returned
    assert "/dossiers/M-1/steps/9/correct" in returned
    count = re.search(r'data-testid="inbox-count"[^>]*>(\d+)<', organiser.get("/").text)
    assert count and int(count.group(1)) >= 1
    after = reviewer.get("/queue").text  # the returned step is still unreviewed, so still in the queue
    assert 'data-dossier="M-1"' in after


def test_the_shared_meeting_shows_in_the_queue(world):
    ids = _cohort(world)
    page = Page(world.app, "branch_organiser")
    assert page.post(MEETING, _meeting_form(world, ids, {})).status_code == 303
    queue = Page(world.app, "reviewer").get("/queue/M-2").text
    shared = queue.split('data-testid="shared-meeting"')[1].split("</p>")[0]
    assert "2022-05-06" in shared and "共 3 人逐个表决" in shared


def test_the_digest_address_page(world):
    page = Page(world.app, "branch_organiser")
    assert "尚未配置发信服务器" in page.get("/inbox/mail").text
    bad = page.post("/inbox/mail", {"address": "not-an-address", "action": "save"})
    assert bad.status_code == 422 and "电子邮件地址格式不正确" in bad.text
    good = page.post("/inbox/mail", {"address": "wu@example.org", "action": "save"})
    assert good.status_code == 303
    assert "wu@example.org（接收中）" in page.get("/inbox/mail").text
    assert page.post("/inbox/mail", {"action": "off"}).status_code == 303
    assert "wu@example.org（已停止）" in page.get("/inbox/mail").text
