"""The roster, administration, audit and search pages over TestClient: each refusal beside its field
with its code, 403/404 pages (never a 500) for what a user may not open, the roster's people on the
step form, temporary passwords, deactivation ending a session at once, the report's own CSP."""
from __future__ import annotations

import base64
import hashlib
import io
import re
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from webkit import PASSWORD, Page, csrf_of, import_case

from workflow.service_layer import dossiers
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _roster_file(rows) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["姓名", "党员身份", "入党日期", "转正日期", "处分种类", "处分日期", "处分影响期至", "身份证号"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(page: Page, url: str, data: bytes, name="名册.xlsx", **fields):
    return page.client.post(url, data={"csrf_token": page.csrf, **fields}, files={"file": (name, data, XLSX)})


def _codes(html: str) -> set[str]:
    return set(re.findall(r'data-code="([A-Z_]+)"', html))


# ---------------------------------------------------------------- the roster

def test_the_roster_is_edited_by_its_organiser_only(world):
    a1 = world.orgs["A1"]
    page = Page(world.app, "branch_organiser")
    assert page.get(f"/roster/{a1}").status_code == 200
    refused = page.post(f"/roster/{a1}/members/new", {"name": "", "status": "probationary",
                                                      "full_since": "2020-01-01", "discipline": "批评"})
    assert refused.status_code == 422
    assert {"FIELD_REQUIRED", "VALUE_INVALID"} <= _codes(refused.text)
    assert 'id="e-name"' in refused.text and 'id="e-full_since"' in refused.text
    added = page.post(f"/roster/{a1}/members/new", {"name": "赵六", "status": "full", "joined_on": "2014-06-01",
                                                    "full_since": "2015-06-01", "discipline": "警告",
                                                    "discipline_from": "2026-03-01", "discipline_until": "2026-12-31"})
    assert added.status_code == 303
    shown = page.get(f"/roster/{a1}").text
    assert "赵六" in shown and "正式党员（2015-06-01 转正）" in shown and "影响期至 2026-12-31" in shown
    member_id = re.search(r'href="/roster/members/(\d+)"', shown).group(1)

    sibling = Page(world.app, "sibling_organiser")  # another branch's roster: absent, never a 500
    assert sibling.get(f"/roster/{a1}").status_code == 404
    assert sibling.get(f"/roster/members/{member_id}").status_code == 404
    assert sibling.post(f"/roster/{a1}/members/new", {"name": "钱七", "status": "full"}).status_code == 404
    assert sibling.post(f"/roster/members/{member_id}", {"name": "改", "status": "full"}).status_code == 404
    auditor = Page(world.app, "auditor")
    assert "赵六" in auditor.get(f"/roster/{a1}").text
    assert auditor.get(f"/roster/{a1}/members/new").status_code == 403
    assert auditor.post(f"/roster/members/{member_id}", {"name": "改", "status": "full"}).status_code == 403
    assert "赵六" in page.get(f"/roster/{a1}").text


def test_the_roster_import_lists_every_problem_or_imports_everything(world):
    a1 = world.orgs["A1"]
    page = Page(world.app, "branch_organiser")
    bad = _roster_file([["赵六", "正式党员", "2014-06-01", "2015-06-01"], ["钱七", "党员"],
                        ["孙八", "预备党员", None, None, None, None, None, "110105194912310021"]])
    answer = _upload(page, f"/roster/{a1}/import", bad)
    assert answer.status_code == 422
    assert _codes(answer.text) == {"VALUE_INVALID", "ID_NUMBER_INVALID"}
    assert "110105194912310021" not in answer.text and "第" not in answer.text.split("import-errors")[0][-10:]
    assert "赵六" not in page.get(f"/roster/{a1}").text  # all or nothing
    assert _upload(page, f"/roster/{a1}/import", b"not a workbook").status_code == 422
    assert _upload(page, f"/roster/{a1}/import", b"x", name="名册.pdf").status_code == 422
    good = _roster_file([["赵六", "正式党员", "2014-06-01", "2015-06-01"], ["钱七", "预备党员", "2026-03-01"]])
    done = _upload(page, f"/roster/{a1}/import", good)
    assert done.status_code == 303
    after = page.get(done.headers["location"]).text
    assert "新增 2 人" in after and "钱七" in after
    assert _upload(Page(world.app, "sibling_organiser"), f"/roster/{a1}/import", good).status_code == 404
    template = page.get("/roster/template.xlsx")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.content)).sheetnames[0] == "党员名册"


def test_the_step_form_chooses_introducers_from_the_roster(world):
    a1 = world.orgs["A1"]
    import_case(world.engine, a1, "R-1", 8, name="任名册", birth_date="2001-02-11")  # s09 next, 2022-02-25
    page = Page(world.app, "branch_organiser")
    empty = page.get("/dossiers/R-1/steps/s09_introducers_assigned/record").text
    assert "党员名册中还没有党员" in empty and f'href="/roster/{a1}"' in empty
    for values in ({"name": "赵六", "status": "full", "full_since": "2015-06-01"},
                   {"name": "钱七", "status": "full", "joined_on": "2021-03-01", "full_since": "2022-03-01"},
                   {"name": "李八", "status": "full", "full_since": "2010-01-01"}):
        assert page.post(f"/roster/{a1}/members/new", values).status_code == 303
    form = page.get("/dossiers/R-1/steps/s09_introducers_assigned/record").text
    ids = dict((name, i) for i, name in re.findall(r'<option value="(\d+)" >(\S+) ·', form))
    assert set(ids) == {"赵六", "钱七", "李八"} and "正式党员（2022-03-01 转正）" in form
    refused = page.post("/dossiers/R-1/steps/s09_introducers_assigned/record",
                        {"date": "2022-02-25", "people-0-member": ids["赵六"], "people-1-member": ids["钱七"]})
    assert refused.status_code == 422
    people = refused.text.split('data-slot="people"')[1].split("</fieldset>")[0]
    assert "钱七在2022-02-25是预备党员" in people and 'data-code="INTRODUCERS_INVALID"' in people
    assert re.search(rf'<option value="{ids["钱七"]}" selected>', refused.text)  # the choice is kept
    saved = page.post("/dossiers/R-1/steps/s09_introducers_assigned/record",
                      {"date": "2022-02-25", "people-0-member": ids["赵六"], "people-1-member": ids["李八"]})
    assert saved.status_code == 303
    with UnitOfWork(world.engine) as u:
        document = dossiers.export_dossier(u, Actor(None, "t", "核对", ((world.orgs["A"], "auditor"),)), "R-1")
    people = document["steps"][8]["people"]
    assert [(p["name"], p["status"], p["member_id"]) for p in people] == [("赵六", "full", int(ids["赵六"])),
                                                                           ("李八", "full", int(ids["李八"]))]
    other = Page(world.app, "foreign_organiser")  # a member id of another tree is refused, never a 500
    assert other.post("/dossiers/R-1/steps/s09_introducers_assigned/record",
                      {"date": "2022-02-25", "people-0-member": ids["赵六"]}).status_code == 404


# ---------------------------------------------------------------- administration

@pytest.mark.parametrize("who", ["branch_organiser", "reviewer", "auditor", "archivist", "organiser"])
def test_a_non_administrator_gets_403_pages(world, who):
    page = Page(world.app, who)
    for url in ("/admin", "/admin/organisations", "/admin/users", "/admin/calendar", "/admin/users/1"):
        answer = page.get(url)
        assert answer.status_code in (403, 404), url
        assert "无法完成" in answer.text and "Traceback" not in answer.text
    assert page.post("/admin/organisations", {"name": "x", "level": "branch",
                                              "parent_id": str(world.orgs["A"])}).status_code == 403
    assert page.post("/admin/calendar/years", {"year": "2031", "notice": "x"}).status_code == 403
    assert 'href="/admin"' not in page.get("/").text


def test_an_administrator_builds_the_tree_and_a_branch_needs_a_parent(world):
    page = Page(world.app, "admin")
    assert page.get("/admin").status_code == 200 and page.get("/admin/calendar").status_code == 403
    tree = page.get("/admin/organisations").text
    assert "甲学院第一支部" in tree and "乙大学党委" not in tree
    orphan = page.post("/admin/organisations", {"name": "孤立支部", "level": "branch", "parent_id": ""})
    assert orphan.status_code == 422 and 'data-code="PARENT_REQUIRED"' in orphan.text
    assert 'id="e-parent_id"' in orphan.text
    made = page.post("/admin/organisations", {"name": "甲学院第三支部", "level": "branch",
                                              "parent_id": str(world.orgs["AG"])})
    assert made.status_code == 303 and "甲学院第三支部" in page.get("/admin/organisations").text
    foreign = page.post(f"/admin/organisations/{world.orgs['X']}/rename", {"name": "改名"})
    assert foreign.status_code == 404


def _sign_in(world, login: str, password: str) -> Page:
    page = Page(world.app, None)
    login_page = page.client.get("/login")
    answer = page.client.post("/login", data={"username": login, "password": password,
                                              "login_csrf": csrf_of(login_page.text), "next": "/"})
    assert answer.status_code == 303, answer.text
    return page


def test_a_new_user_and_a_reset_password_must_be_changed_and_deactivation_is_immediate(world):
    page = Page(world.app, "admin")
    created = page.post("/admin/users", {"login": "xinren", "display_name": "辛仁", "role": "organiser",
                                         "organisation_id": str(world.orgs["A2"])})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<', created.text).group(1)
    newcomer = _sign_in(world, "xinren", temporary)
    forced = newcomer.client.get("/")
    assert forced.status_code == 303 and forced.headers["location"] == "/account/password?required=1"
    change = newcomer.client.get("/account/password")
    assert "临时密码" in change.text
    changed = newcomer.client.post("/account/password", data={
        "csrf_token": csrf_of(change.text), "old_password": temporary, "new_password": "my-own-passphrase-7",
        "new_password_again": "my-own-passphrase-7"})
    assert changed.status_code == 303
    assert _sign_in(world, "xinren", "my-own-passphrase-7").client.get("/").status_code == 200

    user_id = world.users["branch_organiser"]
    victim = Page(world.app, "branch_organiser")
    assert victim.get("/").status_code == 200
    reset = page.post(f"/admin/users/{user_id}/password")
    assert reset.status_code == 200
    assert victim.get("/").status_code == 303  # the old session ended at once
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<', reset.text).group(1)
    assert world.client().post("/api/auth/login", data={"username": "branch_organiser", "password": PASSWORD}) \
        .status_code == 401
    token = world.client().post("/api/auth/login", data={"username": "branch_organiser",
                                                         "password": temporary}).json()["access_token"]
    api = world.client()
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.get("/api/dossiers").json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    assert api.get("/api/me").status_code == 200

    sibling = Page(world.app, "sibling_organiser")
    assert sibling.get("/").status_code == 200
    off = page.post(f"/admin/users/{world.users['sibling_organiser']}/active", {"action": "deactivate"})
    assert off.status_code == 303
    assert sibling.get("/").status_code == 303 and "/login" in sibling.get("/").headers["location"]
    detail = page.get(f"/admin/users/{world.users['sibling_organiser']}").text
    assert "已停用" in detail
    own = page.post(f"/admin/users/{world.users['admin']}/password")
    assert own.status_code == 422 and "修改密码" in own.text


def test_roles_are_granted_and_revoked_in_the_browser(world):
    page = Page(world.app, "admin")
    user_id = world.users["sibling_organiser"]
    granted = page.post(f"/admin/users/{user_id}/roles", {"organisation_id": str(world.orgs["A1"]),
                                                          "role": "reviewer"})
    assert granted.status_code == 303
    detail = page.get(f"/admin/users/{user_id}").text
    assert "审核人 · 甲学院第一支部" in detail
    again = page.post(f"/admin/users/{user_id}/roles", {"organisation_id": str(world.orgs["A1"]), "role": "reviewer"})
    assert again.status_code == 409 and 'data-code="ROLE_EXISTS"' in again.text
    outside = page.post(f"/admin/users/{user_id}/roles", {"organisation_id": str(world.orgs["X"]), "role": "admin"})
    assert outside.status_code == 422
    grant_id = re.search(rf'/admin/users/{user_id}/roles/(\d+)/revoke', detail).group(1)
    assert page.post(f"/admin/users/{user_id}/roles/{grant_id}/revoke").status_code == 303
    assert Page(world.app, "foreign_organiser").get(f"/admin/users/{user_id}").status_code == 403


def test_the_system_administrator_keeps_the_calendar(world):
    with UnitOfWork(world.engine) as u:
        admin.create_user(u, None, login="sysadmin", display_name="系统管理员", password=PASSWORD, grants=[],
                          system_admin=True)
    page = Page(world.app, "sysadmin")
    assert 'href="/admin"' in page.get("/").text
    assert page.get("/admin/users").status_code == 403  # no organisation to administer
    view = page.get("/admin/calendar").text
    assert "2026 年" in view
    wrong = page.post("/admin/calendar/years", {"year": "2031", "notice": "国办发明电〔2030〕1号",
                                                "holidays": "2031-01-01\n2031-02-30", "workdays": ""})
    assert wrong.status_code == 422 and 'id="e-holidays"' in wrong.text and "2031-02-30" in wrong.text
    assert page.post("/admin/calendar/years", {"year": "2031", "notice": "国办发明电〔2030〕1号",
                                               "holidays": "2031-01-01", "workdays": ""}).status_code == 303
    assert page.post("/admin/calendar/days", {"year": "2031", "day": "2031-10-01", "kind": "holidays",
                                              "action": "add"}).status_code == 303
    shown = page.get("/admin/calendar").text
    assert "2031-10-01" in shown and "系统管理员" in shown
    assert page.post("/admin/calendar/days", {"year": "2031", "day": "2031-10-01", "kind": "holidays",
                                              "action": "remove"}).status_code == 303
    known = page.post("/admin/calendar/years", {"year": "2024", "notice": "说明", "holidays": "", "workdays": ""})
    assert known.status_code == 409 and 'data-code="CALENDAR_YEAR_KNOWN"' in known.text


# ---------------------------------------------------------------- the auditor and finding things

def test_the_auditor_reads_findings_the_report_and_checks_a_spreadsheet(world):
    import_case(world.engine, world.orgs["A1"], "AU-1", 14, name="审计甲", birth_date="2001-02-11")
    import_case(world.engine, world.orgs["X1"], "AU-X", 14, name="外校乙", birth_date="2001-02-11")
    page = Page(world.app, "auditor")
    findings = page.get("/audit")
    assert findings.status_code == 200 and "甲学院第一支部" in findings.text and "外校乙" not in findings.text
    assert page.get(f"/audit?org={world.orgs['X1']}").status_code == 404
    report = page.get(f"/audit/report.html?org={world.orgs['A1']}")
    assert report.status_code == 200 and "审计甲" in report.text
    policy = report.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    style = re.search(r"<style>(.*?)</style>", report.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert "attachment" in page.get("/audit/report.html?download=1").headers["content-disposition"]
    bad = "姓名,出生日期\n某人,2001-02-30\n".encode()
    checked = page.client.post("/audit/import", data={"csrf_token": page.csrf, "mode": "check",
                                                      "organisation_id": str(world.orgs["A1"])},
                               files={"file": ("纪实表.csv", bad, "text/csv")})
    assert checked.status_code == 422 and 'data-code="DATE_INVALID"' in checked.text and "出生日期" in checked.text
    imported = page.client.post("/audit/import", data={"csrf_token": page.csrf, "mode": "import",
                                                       "organisation_id": str(world.orgs["A1"])},
                                files={"file": ("纪实表.csv", bad, "text/csv")})
    assert imported.status_code == 403 and 'data-code="FORBIDDEN"' in imported.text


def test_search_sorts_exports_and_keeps_closed_cases_apart(world):
    import_case(world.engine, world.orgs["A1"], "F-1", 3, name="张查找", birth_date="2001-02-11")
    import_case(world.engine, world.orgs["A1"], "F-2", 9, name="张查找二", birth_date="2002-02-11")
    import_case(world.engine, world.orgs["A1"], "F-3", 25, name="张已结", birth_date="2000-02-11")
    page = Page(world.app, "branch_organiser")
    live = page.get("/search?name=张")
    assert live.status_code == 200
    rows = re.findall(r'href="/dossiers/(F-\d)"', live.text)
    assert rows == ["F-1", "F-2"]
    assert re.findall(r'href="/dossiers/(F-\d)"', page.get("/search?name=张&sort=step&order=desc").text) == \
        ["F-2", "F-1"]
    closed = page.get("/search?name=张&closed=1").text
    assert re.findall(r'href="/dossiers/(F-\d)"', closed) == ["F-3"] and "正式党员" in closed
    wrong = page.get("/search?id_tail=12")
    assert wrong.status_code == 422 and 'id="e-id_tail"' in wrong.text
    exported = page.get("/search/export.xlsx?name=张")
    assert exported.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content))["查找结果"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["F-1", "F-2"]
    assert Page(world.app, "sibling_organiser").get("/search?name=张").text.count('href="/dossiers/F-') == 0


WEIRD = ["", " ", "0", "-1", "abc", "9" * 30, "<b>x</b>", "\u0000", "💥" * 300, "1e999"]


@pytest.mark.parametrize("who", ["branch_organiser", "admin", None])
def test_no_input_tried_on_these_pages_gives_a_server_error(world, who):
    page = Page(world.app, who)
    for raw in WEIRD:
        value = quote(raw, safe="")
        for url in (f"/roster/{value}", f"/roster/members/{value}", f"/admin/users/{value}", f"/roster/{value}/import",
                    f"/search?name={value}&id_tail={value}&state={value}&step={value}&org={value}&sort={value}",
                    f"/audit?org={value}&as_of={value}&severity={value}", f"/audit/report.html?org={value}",
                    f"/search/export.xlsx?org={value}"):
            assert page.get(url).status_code < 500, url
        posts = {f"/roster/{world.orgs['A1']}/members/new": {"name": raw, "status": raw, "joined_on": raw,
                                                            "discipline": raw, "id_number": raw},
                 "/admin/organisations": {"name": raw, "level": raw, "parent_id": raw},
                 f"/admin/organisations/{value}/rename": {"name": raw},
                 "/admin/users": {"login": raw, "display_name": raw, "organisation_id": raw, "role": raw},
                 f"/admin/users/{world.users['sibling_organiser']}/roles": {"organisation_id": raw, "role": raw},
                 f"/admin/users/{value}/roles/{value}/revoke": {},
                 "/admin/calendar/years": {"year": raw, "notice": raw, "holidays": raw},
                 "/admin/calendar/days": {"year": raw, "day": raw, "kind": raw},
                 "/audit/import": {"organisation_id": raw, "mode": raw}}
        for url, data in posts.items():
            assert page.post(url, data).status_code < 500, (url, value)
