"""The web pages without a browser: sessions, CSRF, refusals that keep the form, uploads, the feed, no 500s."""
from __future__ import annotations

import re

import pytest
from webkit import MAX_UPLOAD, PASSWORD, Page, csrf_of, import_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _create(page: Page, world, dossier_id="W-1", name="张三", track="on"):
    answer = page.post("/dossiers/new", {"organisation_id": str(world.orgs["A1"]), "name": name,
                                         "birth_date": "2000-01-02", "dossier_id": dossier_id,
                                         "track_materials": track})
    assert answer.status_code == 303, answer.text
    return dossier_id


def _history(page: Page, dossier_id: str) -> list[str]:
    return re.findall(r'<li data-kind="([a-z_]+)">', page.get(f"/dossiers/{dossier_id}").text)


def test_pages_need_a_session_and_sign_in_keeps_the_user_name(world):
    anonymous = Page(world.app, None)
    answer = anonymous.get("/dossiers/X?done=1")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/dossiers/X%3Fdone%3D1"
    login = anonymous.get("/login")
    assert "httponly" in login.headers["set-cookie"].lower()
    wrong = anonymous.client.post("/login", data={"username": "organiser", "password": "nope",
                                                  "login_csrf": csrf_of(login.text)})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    assert 'value="organiser"' in wrong.text and "nope" not in wrong.text
    offsite = anonymous.client.post("/login", data={"username": "organiser", "password": PASSWORD,
                                                    "login_csrf": csrf_of(wrong.text), "next": "//evil.example/"})
    assert offsite.status_code == 303 and offsite.headers["location"] == "/"
    cookie = offsite.headers["set-cookie"].lower()
    assert "fazhan_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_login_without_its_csrf_cookie_is_refused(world):
    client = Page(world.app, None).client
    answer = client.post("/login", data={"username": "organiser", "password": PASSWORD, "login_csrf": "x"})
    assert answer.status_code == 403 and "fazhan_session" not in answer.headers.get("set-cookie", "")


def test_header_shows_user_role_and_organisation(world):
    page = Page(world.app, "both")
    html = page.get("/").text
    assert "卫双岗" in html and "组织员 · 甲学院第一支部" in html and "审核人 · 甲大学党委" in html


def test_a_post_without_the_csrf_token_changes_nothing(world):
    page = Page(world.app, "branch_organiser")
    _create(page, world)
    forged = page.client.post("/dossiers/W-1/steps/s01_application/record", data={"date": "2026-09-01"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    other = page.client.post("/dossiers/W-1/steps/s01_application/record",
                             data={"date": "2026-09-01", "csrf_token": "0" * 64})
    assert other.status_code == 403
    assert _history(page, "W-1") == ["created"]


def test_a_refused_step_keeps_every_typed_value_and_names_each_reason(world):
    import_case(world.engine, world.orgs["A1"], "Q-1", 14, name="钱会议", birth_date="2001-02-11")
    page = Page(world.app, "branch_organiser")
    before = _history(page, "Q-1")
    answer = page.post("/dossiers/Q-1/steps/s15_admission_meeting/record",
                       {"date": "2022-05-06", "votes.expected": "9", "votes.present": "4", "votes.yes": "4",
                        "votes.no": "0", "outcome": "passed"})
    assert answer.status_code == 422
    votes = answer.text.split('data-slot="votes"')[1].split("</fieldset>")[0]
    assert 'data-code="QUORUM_NOT_MET"' in votes and 'data-code="VOTE_NOT_PASSED"' in votes
    assert "第二十条" in votes and "第二十一条" in votes
    for name, value in (("votes.expected", "9"), ("votes.present", "4"), ("votes.yes", "4"), ("votes.no", "0")):
        assert f'name="{name}" inputmode="numeric" value="{value}"' in answer.text
    assert 'value="passed" selected' in answer.text and 'value="2022-05-06"' in answer.text
    assert _history(page, "Q-1") == before


def test_malformed_numbers_are_shown_at_their_field(world):
    import_case(world.engine, world.orgs["A1"], "Q-2", 14, name="钱格式", birth_date="2001-02-11")
    page = Page(world.app, "branch_organiser")
    answer = page.post("/dossiers/Q-2/steps/s15_admission_meeting/record",
                       {"date": "2022-02-30", "votes.expected": "九", "votes.present": "-1", "votes.yes": "3"})
    assert answer.status_code == 422
    assert "应为整数" in answer.text.split('data-slot="votes"')[1]
    assert "2022-02-30" in answer.text.split('data-slot="date"')[1].split("</div>")[0] or \
        'value="2022-02-30"' in answer.text


def test_warning_needs_a_reason_then_saves_it(world):
    import_case(world.engine, world.orgs["A1"], "R-1", 14, name="孙理由", birth_date="2001-02-11",
                expected_leave_date="2022-07-01")
    page = Page(world.app, "branch_organiser")
    form = {"date": "2022-05-06", "votes.expected": "9", "votes.present": "8", "votes.yes": "8"}
    first = page.post("/dossiers/R-1/steps/s15_admission_meeting/record", form)
    assert first.status_code == 422 and 'data-code="RUSHED_ADMISSION"' in first.text
    assert '<textarea id="reason" name="reason"' in first.text and "required" in first.text.split('id="reason"')[1][:80]
    saved = page.post("/dossiers/R-1/steps/s15_admission_meeting/record", {**form, "reason": "按计划毕业前讨论"})
    assert saved.status_code == 303
    assert "按计划毕业前讨论" in page.get("/dossiers/R-1").text


def test_review_send_back_and_correction(world):
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    _create(organiser, world, track="")
    assert organiser.post("/dossiers/W-1/steps/s01_application/record", {"date": "2026-09-01"}).status_code == 303
    assert "审核" not in re.findall(r'<a class="button primary"[^>]*>([^<]+)', organiser.get("/dossiers/W-1").text)
    empty = reviewer.post("/dossiers/W-1/steps/0/review", {"action": "return", "comment": "  "})
    assert empty.status_code == 422 and "退回必须写明意见" in empty.text
    back = reviewer.post("/dossiers/W-1/steps/0/review", {"action": "return", "comment": "日期与申请书落款不符"})
    assert back.status_code == 303
    page = organiser.get("/dossiers/W-1").text
    assert "退回：日期与申请书落款不符" in page
    corrected = organiser.post("/dossiers/W-1/steps/0/correct", {"date": "2026-09-02",
                                                                 "correction_reason": "按申请书落款更正"})
    assert corrected.status_code == 303
    page = organiser.get("/dossiers/W-1").text
    assert "更正第 2 号记录，理由：按申请书落款更正" in page and "退回：日期与申请书落款不符" not in page
    assert reviewer.post("/dossiers/W-1/steps/0/review", {"action": "approve"}).status_code == 303
    assert _history(organiser, "W-1") == ["step_reviewed", "step_corrected", "step_returned", "step_recorded",
                                          "created"]


def test_roles_are_the_services_own(world):
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    _create(organiser, world, track="")
    refused = reviewer.post("/dossiers/W-1/steps/s01_application/record", {"date": "2026-09-01"})
    assert refused.status_code == 403 and "您的角色不能记录该步骤" in refused.text
    organiser.post("/dossiers/W-1/steps/s01_application/record", {"date": "2026-09-01"})
    self_review = Page(world.app, "both")
    assert self_review.post("/dossiers/W-1/steps/0/review", {"action": "approve"}).status_code == 303
    sibling = Page(world.app, "sibling_organiser")
    assert sibling.get("/dossiers/W-1").status_code == 404
    assert sibling.post("/dossiers/W-1/steps/s02_applicant_talk/record", {"date": "2026-09-05"}).status_code == 404
    assert "W-1" not in sibling.get("/").text


def test_uploads_check_type_and_size_and_preview(world):
    page = Page(world.app, "branch_organiser")
    _create(page, world)
    def upload(name, data, media):
        return page.client.post("/dossiers/W-1/materials", data={"csrf_token": page.csrf, "material_id":
                                "application_letter", "signed_by": "张三，李四"}, files={"file": (name, data, media)})
    assert upload("a.exe", b"MZ\x90\x00" * 10, "application/pdf").status_code == 415
    assert upload("big.pdf", PDF + b"0" * MAX_UPLOAD, "application/pdf").status_code == 413
    answer = upload("a.pdf", b"", "application/pdf")
    assert answer.status_code == 422 and 'value="张三，李四"' in answer.text
    assert upload("申请书.pdf", PDF, "application/pdf").status_code == 303
    html = page.get("/dossiers/W-1").text
    sha = re.search(r"/materials/([0-9a-f]{64})", html).group(1)
    preview = page.get(f"/dossiers/W-1/materials/{sha}")
    assert preview.status_code == 200 and preview.content == PDF
    assert preview.headers["content-type"] == "application/pdf" and preview.headers["x-content-type-options"] == "nosniff"
    assert Page(world.app, "foreign_organiser").get(f"/dossiers/W-1/materials/{sha}").status_code == 404


def test_calendar_feed_lists_deadlines_with_their_rule(world):
    page = Page(world.app, "branch_organiser")
    _create(page, world, track="")
    page.post("/dossiers/W-1/steps/s01_application/record", {"date": "2026-11-10"})
    Page(world.app, "reviewer").post("/dossiers/W-1/steps/0/review", {"action": "approve"})
    url = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', page.get("/").text).group(1)
    feed = Page(world.app, None).get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    text = feed.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20261210" in unfolded and "张三：党组织派人谈话截止" in unfolded
    assert "谈话超期（2026.05 第七条）" in unfolded  # the rule set in force on the deadline
    assert Page(world.app, None).get("/calendar/1-" + "0" * 40 + ".ics").status_code == 404
    assert Page(world.app, None).get("/calendar/nonsense.ics").status_code == 404


def test_text_is_escaped(world):
    page = Page(world.app, "branch_organiser")
    _create(page, world, name="<script>alert(1)</script>")
    html = page.get("/dossiers/W-1").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_creating_a_dossier_keeps_the_form_on_refusal(world):
    page = Page(world.app, "branch_organiser")
    answer = page.post("/dossiers/new", {"organisation_id": str(world.orgs["A1"]), "name": "王五",
                                         "birth_date": "2000-13-01", "education": "本科", "dossier_id": "bad id!"})
    assert answer.status_code == 422 and 'value="王五"' in answer.text and 'value="本科"' in answer.text
    assert 'value="bad id!"' in answer.text
    foreign = page.post("/dossiers/new", {"organisation_id": str(world.orgs["X1"]), "name": "王五",
                                          "birth_date": "2000-01-01"})
    assert foreign.status_code == 404 and "找不到该组织" in foreign.text


WEIRD = ["", " ", "0", "-1", "abc", "9" * 30, "2026-02-30", "<b>x</b>", "\u0000", "💥" * 300, "NaN", "1e999"]


@pytest.mark.parametrize("who", ["branch_organiser", "reviewer", None])
def test_no_input_tried_gives_a_server_error(world, who):
    import_case(world.engine, world.orgs["A1"], "F-1", 14, name="付模糊", birth_date="2001-02-11")
    page = Page(world.app, who)
    urls = ["/", "/?stage=abc&org=-1", "/?stage=9&org=99999999999999999999", f"/?org={world.orgs['X1']}",
            "/dossiers/new", "/dossiers/%00", "/dossiers/F-1", "/dossiers/F-1/steps/nope/record",
            "/dossiers/F-1/steps/abc/review", "/dossiers/F-1/steps/99999999999/correct", "/dossiers/F-1/steps/-1/review",
            "/dossiers/F-1/materials/zz", "/dossiers/F-1/materials/" + "a" * 64, "/calendar/" + "9" * 200 + ".ics",
            "/static/../pyproject.toml", "/nowhere"]
    for url in urls:
        assert page.get(url).status_code < 500, url
    for value in WEIRD:
        posts = {
            "/dossiers/F-1/steps/s15_admission_meeting/record": {"date": value, "votes.expected": value,
                                                                 "votes.present": value, "outcome": value,
                                                                 "reason": value},
            "/dossiers/F-1/steps/s03_activist_determined/record": {"date": value, "nomination": value},
            "/dossiers/F-1/steps/s09_introducers_assigned/record": {"date": "2022-02-25", "people-0-name": value,
                                                                    "people-0-status": value},
            "/dossiers/F-1/steps/s11_training/record": {"date": "2022-03-16", "start": value, "days": value,
                                                        "hours": value},
            "/dossiers/F-1/steps/0/correct": {"date": value, "correction_reason": value},
            "/dossiers/F-1/steps/0/review": {"action": value, "comment": value},
            "/dossiers/F-1/facts": {"kind": "assessment", "date": value, "period": value},
            "/dossiers/F-1/materials": {"material_id": value, "date": value},
            "/dossiers/new": {"organisation_id": value, "name": value, "birth_date": value, "dossier_id": value},
            "/login": {"username": value, "password": value},
        }
        for url, data in posts.items():
            assert page.post(url, data).status_code < 500, (url, value)
    assert page.client.post("/dossiers/F-1/materials", content=b"--x\r\n\r\n",
                            headers={"content-type": "multipart/form-data; boundary=x"}).status_code < 500


@pytest.mark.pdf
def test_forms_and_bundle_download_with_the_session(world):
    import_case(world.engine, world.orgs["A1"], "P-1", 14, name="文书", birth_date="2001-02-11")
    page = Page(world.app, "branch_organiser")
    assert "/dossiers/P-1/forms/full_record.pdf" in page.get("/dossiers/P-1").text
    form = page.get("/dossiers/P-1/forms/full_record.pdf")
    assert form.status_code == 200 and form.content.startswith(b"%PDF")
    bundle = page.get("/dossiers/P-1/bundle.zip")
    assert bundle.status_code == 200 and bundle.content.startswith(b"PK")
    assert Page(world.app, "reviewer").get("/dossiers/P-1/bundle.zip").status_code == 403
    assert Page(world.app, None).get("/dossiers/P-1/bundle.zip").status_code == 303


def _offered_organisations(html: str) -> set[str]:
    select = html[html.index('name="organisation_id"'):]
    select = select[:select.index("</select>")]
    return set(re.findall(r"<option[^>]*>([^<]+)</option>", select)) - {"请选择"}


def test_new_dossier_offers_only_organisations_the_user_may_write_in(world):
    """Issue 14's permission bug: a user who is organiser of one branch and reviewer of the committee was
    offered every organisation of the tree. Only the branch where they record may be offered."""
    mixed = _offered_organisations(Page(world.app, "both").get("/dossiers/new").text)
    assert "甲学院第一支部" in mixed
    assert not mixed & {"甲大学党委", "甲学院党总支", "甲学院第二支部", "乙学院支部"}, mixed
    whole_tree = _offered_organisations(Page(world.app, "organiser").get("/dossiers/new").text)
    assert {"甲大学党委", "甲学院党总支", "甲学院第一支部", "甲学院第二支部"} <= whole_tree
    assert not _offered_organisations(Page(world.app, "reviewer").get("/dossiers/new").text)
