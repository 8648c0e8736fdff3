"""Issue 11 in the workspace without a browser: a step's materials on its own form and the reviewer's
page, several files in one post, 缺材料 badges; case events and fact corrections proposed by one person
and signed off by another; fact dates checked; unprintable names refused at entry; closed cases off the
live board and still findable; and no raw code or "None" on any page of a whole case."""
from __future__ import annotations

import re

import pytest
from pagewalk import read, visible_text
from webkit import PASSWORD, Page, import_case  # noqa: F401

from documents.completeness import missing_required_materials
from workflow.service_layer import dossiers
from workflow.store import printable
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _create(page: Page, world, dossier_id="M-1", name="张材料", track="on"):
    answer = page.post("/dossiers/new", {"organisation_id": str(world.orgs["A1"]), "name": name,
                                         "birth_date": "2000-01-02", "dossier_id": dossier_id,
                                         "track_materials": track})
    assert answer.status_code == 303, answer.text
    return dossier_id


def _post_files(page: Page, url: str, data: dict, files: list[tuple[str, tuple]]):
    return page.client.post(url, data={"csrf_token": page.csrf, **data}, files=files)


def _document(world, dossier_id: str) -> dict:
    with UnitOfWork(world.engine) as uow:
        return dossiers.get_dossier(uow, Actor(None, "t", "t", ((world.orgs["A"], "admin"),)), dossier_id)["dossier"]


def _lines(html: str) -> dict[str, str]:
    """material id → the state its line on the page shows (missing, present or neither)."""
    return {m: c.strip() for c, m in re.findall(r'<li class="material-line([^"]*)" data-material="([a-z_]+)"', html)}


# ---------------------------------------------------------------- materials where the step is

def test_the_step_form_takes_its_materials_several_files_at_once(world):
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    _create(organiser, world)
    form = organiser.get("/dossiers/M-1/steps/s01_application/record").text
    assert 'enctype="multipart/form-data"' in form and 'name="files-application_letter" type="file" multiple' in form
    assert 'name="signed_by-application_letter" maxlength="300" value="张材料"' in form  # 申请人 = the person
    assert _lines(form) == {"application_letter": "missing"}
    # a bad file refuses the whole form: the step is not recorded, the problem sits at its material
    bad = _post_files(organiser, "/dossiers/M-1/steps/s01_application/record", {"date": "2026-09-01"},
                      [("files-application_letter", ("申请书.pdf", PDF, "application/pdf")),
                       ("files-application_letter", ("照片.gif", b"GIF89a....", "image/gif"))])
    assert bad.status_code == 415
    beside = bad.text.split('id="e-material-application_letter"')[1][:400]
    assert "照片.gif" in beside and 'data-code="MATERIAL_TYPE"' in beside
    assert 'value="2026-09-01"' in bad.text and _document(world, "M-1")["steps"] == []
    saved = _post_files(organiser, "/dossiers/M-1/steps/s01_application/record",
                        {"date": "2026-09-01", "signed_by-application_letter": "张材料"},
                        [("files-application_letter", ("申请书第1页.pdf", PDF, "application/pdf")),
                         ("files-application_letter", ("申请书第2页.pdf", PDF + b"2", "application/pdf"))])
    assert saved.status_code == 303 and saved.headers["location"] == "/dossiers/M-1/next?done=recorded"
    document = _document(world, "M-1")
    assert [(m["id"], m["file"], m["signed_by"], m["date"]) for m in document["materials"]] == [
        ("application_letter", "申请书第1页.pdf", ["张材料"], "2026-09-01"),
        ("application_letter", "申请书第2页.pdf", ["张材料"], "2026-09-01")]
    # the page the organiser lands on is the next step's form, saying it waits for the review
    landed = organiser.get(saved.headers["location"]).text
    assert "下一步：第2步" in landed and "步骤已记录，等待审核" in landed and 'data-testid="next-blocked"' in landed
    review = reviewer.get("/dossiers/M-1/review").text  # the reviewer's next item
    assert "审核：第1步" in review and _lines(review) == {"application_letter": "present"}
    assert "申请书第2页.pdf" in review and 'name="files-' not in review
    done = reviewer.post("/dossiers/M-1/steps/0/review", {"action": "approve"})
    assert done.headers["location"] == "/dossiers/M-1/review?done=reviewed"
    assert "本档案没有等待您审核的事项" in reviewer.get(done.headers["location"]).text


def test_missing_materials_show_where_the_step_is_and_as_a_badge(world):
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    _create(organiser, world)
    organiser.post("/dossiers/M-1/steps/s01_application/record", {"date": "2026-09-01"})
    dossier_page = organiser.get("/dossiers/M-1").text
    with UnitOfWork(world.engine) as uow:
        dossier = dossiers.load_dossier(uow, Actor(None, "t", "t", ((world.orgs["A"], "admin"),)), "M-1")
    assert len(missing_required_materials(dossier)) == 1
    assert 'data-testid="missing-materials">缺材料 1<' in dossier_page
    assert 'data-testid="missing-materials">缺材料 1<' in organiser.get("/").text
    review = reviewer.get("/dossiers/M-1/steps/0/review").text
    assert _lines(review) == {"application_letter": "missing"} and 'data-testid="review-missing"' in review
    refused = reviewer.post("/dossiers/M-1/steps/0/review", {"action": "approve"})
    assert refused.status_code == 422 and "缺少材料：入党申请书" in refused.text
    # the step's own materials page takes the file; the badge goes
    page = organiser.get("/dossiers/M-1/steps/0/materials").text
    assert _lines(page) == {"application_letter": "missing"}
    up = _post_files(organiser, "/dossiers/M-1/steps/0/materials", {"signed_by-application_letter": "张材料"},
                     [("files-application_letter", ("申请书.pdf", PDF, "application/pdf"))])
    assert up.status_code == 303
    assert "缺材料" not in visible_text(organiser.get("/dossiers/M-1").text)
    assert 'data-testid="missing-materials"' not in organiser.get("/").text
    empty = _post_files(organiser, "/dossiers/M-1/steps/0/materials", {}, [])
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.text


def test_an_untracked_dossier_has_no_badge_and_the_list_says_so(world):
    organiser = Page(world.app, "branch_organiser")
    _create(organiser, world, track="")
    organiser.post("/dossiers/M-1/steps/s01_application/record", {"date": "2026-09-01"})
    assert "缺材料" not in visible_text(organiser.get("/dossiers/M-1").text)
    assert "未按材料清单跟踪材料" in organiser.get("/dossiers/M-1/steps/0/materials").text


# ---------------------------------------------------------------- case events, reviewed

def test_withdrawal_proposed_by_one_signed_off_by_another_then_off_the_board(world):
    import_case(world.engine, world.orgs["A1"], "C-1", 6, name="钱撤回", birth_date="2001-02-11")
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    page = organiser.get("/dossiers/C-1").text
    assert "/dossiers/C-1/case-events/new?kind=withdraw" in page
    form = organiser.get("/dossiers/C-1/case-events/new?kind=withdraw").text
    assert '<option value="withdraw" selected>本人撤回</option>' in form
    future = organiser.post("/dossiers/C-1/case-events", {"kind": "withdraw", "date": "2027-01-01", "reason": "x"})
    beside = future.text.split('id="e-date"')[1][:300]
    assert future.status_code == 422 and "晚于今天" in beside and 'data-code="DATE_IN_FUTURE"' in beside
    no_reason = organiser.post("/dossiers/C-1/case-events", {"kind": "withdraw", "date": "2024-03-01"})
    assert no_reason.status_code == 422 and "请写明理由" in no_reason.text.split('id="e-reason"')[1][:300]
    proposed = organiser.post("/dossiers/C-1/case-events", {"kind": "withdraw", "date": "2024-03-01",
                                                            "reason": "本人书面申请撤回"})
    assert proposed.status_code == 303
    page = organiser.get("/dossiers/C-1").text
    assert "本人撤回 · 2024-03-01 · 理由：本人书面申请撤回" in page and "待审核" in page
    assert 'data-testid="state">入党积极分子' in page  # nothing moved yet
    change_id = re.search(r'href="/changes/(\d+)"', reviewer.get("/").text).group(1)
    assert organiser.get(f"/changes/{change_id}").status_code == 200
    assert 'name="action" value="approve"' not in organiser.get(f"/changes/{change_id}").text
    refused = organiser.post(f"/changes/{change_id}", {"action": "approve"})
    assert refused.status_code == 403
    # the reviewer lands on it from the dossier's review page, and signs it off
    assert "审核事项：钱撤回" in reviewer.get("/dossiers/C-1/review").text
    done = reviewer.post(f"/changes/{change_id}", {"action": "approve"})
    assert done.status_code == 303 and done.headers["location"] == "/dossiers/C-1/review?done=change_approved"
    page = organiser.get("/dossiers/C-1").text
    assert 'data-testid="state">本人撤回' in page and 'data-testid="closed"' in page
    board = organiser.get("/").text
    live = board.split('id="closed"')[0]
    assert "钱撤回" not in live  # off the live board
    closed = organiser.get("/?closed=1").text.split('id="closed"')[1]
    assert "钱撤回" in closed and "本人撤回" in closed
    assert "/case-events/new" not in organiser.get("/dossiers/C-1").text  # a closed case takes no event


def test_transfer_out_and_in_through_the_pages(world):
    import_case(world.engine, world.orgs["A1"], "C-2", 6, name="孙转接", birth_date="2001-02-11")
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    form = organiser.get("/dossiers/C-2/case-events/new?kind=transfer_out").text
    assert f'<option value="{world.orgs["X1"]}"' in form and "乙大学党委 · 乙学院支部" in form
    missing = organiser.post("/dossiers/C-2/case-events", {"kind": "transfer_out", "date": "2024-03-01",
                                                           "reason": "转学"})
    assert missing.status_code == 422 and "请选择转入的党组织" in missing.text.split('id="e-to_organisation_id"')[1][:300]
    assert organiser.post("/dossiers/C-2/case-events", {"kind": "transfer_out", "date": "2024-03-01", "reason": "转学",
                                                        "to_organisation_id": str(world.orgs["X1"])}).status_code == 303
    change = re.search(r'href="/changes/(\d+)"', reviewer.get("/dossiers/C-2").text).group(1)
    assert reviewer.post(f"/changes/{change}", {"action": "approve"}).status_code == 303
    assert "孙转接" in organiser.get("/").text.split('id="closed"')[1]
    # the receiving branch sees it waiting, proposes the transfer in; its own committee's reviewer decides
    receiving = Page(world.app, "foreign_organiser")
    board = receiving.get("/?closed=1").text.split('id="closed"')[1]
    assert "孙转接" in board and "待转入本组织" in board
    assert "/dossiers/C-2/case-events/new?kind=transfer_in" in receiving.get("/dossiers/C-2").text
    assert receiving.post("/dossiers/C-2/case-events", {"kind": "transfer_in", "date": "2024-03-10",
                                                        "reason": "接收转入"}).status_code == 303
    other = Page(world.app, "foreign_reviewer")
    change = re.search(r'href="/changes/(\d+)"', other.get("/").text).group(1)
    assert "审核事项：孙转接" in other.get(f"/changes/{change}").text
    assert reviewer.post(f"/changes/{change}", {"action": "approve"}).status_code in (403, 404)
    assert other.post(f"/changes/{change}", {"action": "approve"}).status_code == 303
    page = receiving.get("/dossiers/C-2").text
    assert 'data-testid="state">入党积极分子' in page and "乙学院支部" in page
    assert "孙转接" in receiving.get("/").text.split('id="closed"')[0]  # live again, in its new branch
    assert organiser.get("/dossiers/C-2").status_code == 404


def test_a_returned_proposal_says_why_and_can_be_made_again(world):
    import_case(world.engine, world.orgs["A1"], "C-3", 6, name="周退回", birth_date="2001-02-11")
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    organiser.post("/dossiers/C-3/case-events", {"kind": "not_admitted", "date": "2024-03-01", "reason": "表现不合格"})
    change = re.search(r'href="/changes/(\d+)"', reviewer.get("/dossiers/C-3").text).group(1)
    empty = reviewer.post(f"/changes/{change}", {"action": "return", "comment": " "})
    assert empty.status_code == 422 and "退回必须写明意见" in empty.text
    assert reviewer.post(f"/changes/{change}", {"action": "return", "comment": "请附支部委员会会议记录"}).status_code == 303
    page = organiser.get("/dossiers/C-3").text
    assert "已退回" in page and "请附支部委员会会议记录" in page and 'data-testid="state">入党积极分子' in page
    assert organiser.post("/dossiers/C-3/case-events", {"kind": "not_admitted", "date": "2024-03-01",
                                                        "reason": "表现不合格，已附会议记录"}).status_code == 303


def test_probation_extension_and_cancellation_are_the_meetings_result(world):
    import_case(world.engine, world.orgs["A1"], "C-4", 22, name="吴延长", birth_date="2001-02-11")
    organiser = Page(world.app, "branch_organiser")
    page = organiser.get("/dossiers/C-4").text
    assert "/steps/s23_conversion_meeting/record?outcome=extend" in page
    form = organiser.get("/dossiers/C-4/steps/s23_conversion_meeting/record?outcome=extend").text
    assert '<option value="extend" selected>' in form and "延长预备期月数（6 至 12）" in form


# ---------------------------------------------------------------- side facts: dates checked, corrections reviewed

def test_fact_dates_are_checked_and_a_fact_is_corrected_after_review(world):
    import_case(world.engine, world.orgs["A1"], "F-1", 6, name="郑考察", birth_date="2001-02-11")
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    future = organiser.post("/dossiers/F-1/facts", {"kind": "assessment", "date": "2027-01-05", "period": "activist"})
    assert future.status_code == 422 and "晚于今天" in future.text
    early = organiser.post("/dossiers/F-1/facts", {"kind": "assessment", "date": "2019-01-05", "period": "activist"})
    assert early.status_code == 422 and "早于递交入党申请书的日期" in early.text
    page = organiser.get("/dossiers/F-1").text
    assert "2021-08-06 · 入党积极分子培养教育考察 · 考察人 赵六 · 结果 合格" in page
    form = organiser.get("/dossiers/F-1/facts/assessments/0/correct").text
    assert 'value="2021-08-06"' in form
    no_reason = organiser.post("/dossiers/F-1/facts/assessments/0/correct", {"action": "correct", "date": "2021-08-07",
                                                                              "by": "赵六", "result": "合格"})
    assert no_reason.status_code == 422 and "请写明理由" in no_reason.text
    assert organiser.post("/dossiers/F-1/facts/assessments/0/correct",
                          {"action": "correct", "date": "2021-08-07", "by": "赵六", "result": "合格",
                           "reason": "考察表落款为8月7日"}).status_code == 303
    assert _document(world, "F-1")["assessments"][0]["date"] == "2021-08-06"  # not before the review
    change = re.search(r'href="/changes/(\d+)"', reviewer.get("/dossiers/F-1").text).group(1)
    assert "更正考察：2021-08-06" in reviewer.get(f"/changes/{change}").text
    assert reviewer.post(f"/changes/{change}", {"action": "approve"}).status_code == 303
    assert _document(world, "F-1")["assessments"][0]["date"] == "2021-08-07"
    assert "更正考察" in organiser.get("/dossiers/F-1").text


# ---------------------------------------------------------------- names the forms cannot print

def test_an_unprintable_name_is_refused_at_its_field(world):
    if printable.printable_characters() is None:
        pytest.skip("the print font is not installed here")
    organiser = Page(world.app, "branch_organiser")
    answer = organiser.post("/dossiers/new", {"organisation_id": str(world.orgs["A1"]), "name": "李😀",
                                              "birth_date": "2000-01-02"})
    assert answer.status_code == 422
    assert "无法在表格中打印" in answer.text.split('id="e-name"')[1][:400] and "U+1F600" in answer.text


# ---------------------------------------------------------------- no raw codes, no None

RAW = re.compile(r"\bNone\b|\bnull\b|\bs\d\d_[a-z]|\b[A-Z]{2,}_[A-Z_]{2,}\b|\b(?:qualified|not_qualified|passed|"
                 r"rejected|convert|extend|cancel|activist|candidate|probation|admission|conversion|withdraw|"
                 r"not_admitted|transfer_out|transfer_in|party_members|league)\b")


def _raw(html: str) -> list[str]:
    return sorted({m.group(0) for m in RAW.finditer(visible_text(html))})


def test_no_raw_code_or_none_on_the_pages_of_a_whole_case(world):
    import_case(world.engine, world.orgs["A1"], "Z-1", 25, name="王全程", birth_date="2001-02-11")
    import_case(world.engine, world.orgs["A1"], "Z-2", 10, name="李进行", birth_date="2002-03-04")
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    organiser.post("/dossiers/Z-2/case-events", {"kind": "transfer_out", "date": "2024-03-01", "reason": "转学",
                                                 "to_organisation_id": str(world.orgs["A2"])})
    organiser.post("/dossiers/Z-2/facts/assessments/0/correct", {"action": "withdraw", "reason": "重复录入"})
    organiser.post("/dossiers/Z-2/steps/s11_training/record", {"date": "2022-03-16", "start": "2022-03-14",
                                                               "days": "3", "hours": "24"})
    changes = re.findall(r'href="(/changes/\d+)"', reviewer.get("/dossiers/Z-2").text)
    assert len(changes) == 2
    pages = {"/", "/?closed=1", "/dossiers/Z-1", "/dossiers/Z-2", "/dossiers/Z-2/case-events/new",
             "/dossiers/Z-2/facts/assessments/0/correct", "/dossiers/Z-2/next", *changes}
    document = _document(world, "Z-1")
    for index, entry in enumerate(document["steps"]):
        pages |= {f"/dossiers/Z-1/steps/{index}/review", f"/dossiers/Z-1/steps/{index}/correct",
                  f"/dossiers/Z-1/steps/{index}/materials"}
    for step in ("s15_admission_meeting", "s23_conversion_meeting", "s24_conversion_approved", "s10_political_review"):
        pages.add(f"/dossiers/Z-2/steps/{step}/record")
    checked = 0
    for who in (organiser, reviewer):
        for url in sorted(pages):
            answer = who.get(url)
            assert answer.status_code < 500, url
            if answer.status_code == 200:
                checked += 1
                assert _raw(answer.text) == [], (url, _raw(answer.text))
    assert checked >= 2 * 75 + 10, checked  # every page of the case, seen by each of the two
    assert _raw("<p>s07_candidate_determined · VOTE_NOT_PASSED · None · <b>convert</b></p>") == [
        "None", "VOTE_NOT_PASSED", "convert", "s07_c"]
    # the review page of a recorded step lists its fields in words
    review = reviewer.get("/dossiers/Z-1/steps/9/review").text
    assert "政治审查结论" in review and "合格" in review
    assert "按期转为正式党员" in reviewer.get("/dossiers/Z-1/steps/22/review").text
    assert read(review).forms  # the page still carries its form
