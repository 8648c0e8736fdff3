"""The roster (党员名册) in the store: a member's standing as dates, read by the engine's people rules as
of the step's date; who may see and edit which roster; the spreadsheet import, all rows or none."""
from __future__ import annotations

import copy
import datetime as dt
import logging

import pytest
from openpyxl import Workbook
from tests_support import load_case

from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.service_layer import dossiers, reviews, steps
from workflow.store import admin, roster
from workflow.store.access import Actor
from workflow.store.errors import Forbidden, NotFound
from workflow.store.tables import Member

TODAY = dt.date(2026, 11, 21)
ID_NUMBER = "11010519491231002X"  # a well-formed number (GB 11643 check digit), nobody's


def _world(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="信息学院党委", level="committee", parent_id=None)["id"]
        cli = Actor(None, "cli", "管理员", ((root, "admin"),))
        one = admin.create_organisation(u, cli, name="第一支部", level="branch", parent_id=root)["id"]
        two = admin.create_organisation(u, cli, name="第二支部", level="branch", parent_id=root)["id"]
        other = admin.create_organisation(u, None, name="外校党委", level="committee", parent_id=None)["id"]
    return {"root": root, "one": one, "two": two, "other": other,
            "organiser": Actor(None, "o", "吴支书", ((one, "organiser"),)),
            "sibling": Actor(None, "s", "郑支书", ((two, "organiser"),)),
            "auditor": Actor(None, "a", "陈审计", ((root, "auditor"),)),
            "reviewer": Actor(None, "r", "王组织员", ((root, "reviewer"),)),
            "foreign": Actor(None, "f", "冯支书", ((other, "organiser"),)),
            "admin": cli}


def _add(uow, world, org="one", who="organiser", **values):
    with uow() as u:
        return roster.save_member(u, world[who], values, today=TODAY, organisation_id=world[org])


# ---------------------------------------------------------------- standing on a day

def test_standing_follows_the_dates():
    member = Member(id=1, organisation_id=1, name="钱七", status="full", joined_on=dt.date(2021, 3, 1),
                    full_since=dt.date(2022, 3, 1), discipline="严重警告", discipline_from=dt.date(2023, 1, 10),
                    discipline_until=dt.date(2024, 1, 9))
    assert roster.person_on(member, dt.date(2022, 2, 28))["status"] == "probationary"
    assert roster.person_on(member, dt.date(2022, 3, 1))["status"] == "full"
    assert roster.person_on(member, dt.date(2022, 6, 1))["discipline"] is None  # not yet imposed
    on = roster.person_on(member, dt.date(2023, 6, 1))
    assert (on["discipline"], on["discipline_until"]) == ("严重警告", "2024-01-09")
    assert roster.person_on(member, dt.date(2024, 1, 10))["discipline"] is None  # influence period over
    with pytest.raises(InputError) as caught:
        roster.person_on(member, dt.date(2021, 2, 1))
    assert caught.value.code == "MEMBER_NOT_YET" and caught.value.field == "people"
    assert roster.standing_words(member, TODAY) == "正式党员（2022-03-01 转正）"


def test_values_are_checked_every_problem_at_once():
    with pytest.raises(InputError) as caught:
        roster.check_values({"name": "", "status": "probationary", "joined_on": "2023-02-30",
                             "full_since": "2022-01-01", "discipline": "批评", "discipline_until": "2024-01-01",
                             "id_number": "110105194912310021"}, TODAY)
    fields = {d["field"]: d["code"] for d in caught.value.details}
    assert fields == {"name": "FIELD_REQUIRED", "joined_on": "DATE_INVALID", "full_since": "VALUE_INVALID",
                      "discipline": "VALUE_INVALID", "id_number": "ID_NUMBER_INVALID"}
    with pytest.raises(InputError) as caught:
        roster.check_values({"name": "=HYPERLINK(1)", "status": "full", "full_since": "2030-01-01",
                             "discipline_until": "2024-01-01"}, TODAY)
    assert {d["field"] for d in caught.value.details} == {"name", "full_since", "discipline_until"}
    assert "110105194912310021" not in str(caught.value.details)


def test_a_member_name_the_forms_cannot_print_is_refused():
    """Members are named on step forms (联系人、介绍人): an emoji is refused at entry, not at print."""
    with pytest.raises(InputError) as caught:
        roster.check_values({"name": "张\U0001F600", "status": "full"}, TODAY)
    assert caught.value.code == "NAME_UNPRINTABLE" and caught.value.field == "name"
    assert roster.check_values({"name": "张䶮", "status": "full"}, TODAY).name == "张䶮"


def test_discipline_kinds_cover_every_discipline_a_rule_names():
    from checklists.disciplines import discipline_kinds
    from checklists.loader import default_catalogue

    named = set()
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            named |= set(getattr(rule.params, "forbidden_discipline", None) or [])
            named |= set(getattr(rule.params, "disciplines", None) or [])
    assert named and named <= set(discipline_kinds())


# ---------------------------------------------------------------- who sees and edits which roster

def test_an_organiser_edits_their_branch_roster_only(uow):
    world = _world(uow)
    added = _add(uow, world, name="赵六", status="full", joined_on="2014-06-01", full_since="2015-06-01",
                 id_number=ID_NUMBER)
    assert added["id_number"] == "1101**********002X"
    assert added["standing"] == "正式党员（2015-06-01 转正）"
    with pytest.raises(NotFound):  # another branch's roster is not even visible
        with uow() as u:
            roster.roster(u, world["sibling"], world["one"], TODAY)
    with pytest.raises(NotFound):
        with uow() as u:
            roster.save_member(u, world["sibling"], {"name": "赵六", "status": "probationary"}, today=TODAY,
                               member_id=added["id"])
    with pytest.raises(NotFound):
        _add(uow, world, org="one", who="sibling", name="钱七", status="full")
    with pytest.raises(NotFound):
        _add(uow, world, org="one", who="foreign", name="钱七", status="full")
    with uow() as u:  # an auditor above reads it but may not change it
        seen = roster.roster(u, world["auditor"], world["root"], TODAY)
        assert [m["name"] for m in seen["members"]] == ["赵六"] and not seen["may_edit"]
        with pytest.raises(Forbidden):
            roster.save_member(u, world["auditor"], {"name": "赵六", "status": "full"}, today=TODAY,
                               member_id=added["id"])
    with uow() as u:
        mine = roster.roster(u, world["organiser"], world["one"], TODAY)
        assert mine["may_edit"] and mine["counts"] == {"full": 1, "probationary": 0}
        changed = roster.save_member(u, world["organiser"], {"name": "赵六", "status": "full",
                                                             "joined_on": "2014-06-01", "full_since": "2015-06-01",
                                                             "discipline": "警告", "discipline_from": "2026-03-01",
                                                             "discipline_until": "2026-12-31"},
                                     today=TODAY, member_id=added["id"])
    assert changed["discipline_in_force"] and changed["id_number"] == "1101**********002X"  # empty keeps it
    with pytest.raises(InputError) as caught:
        _add(uow, world, name="赵六", status="full")
    assert caught.value.code == "MEMBER_EXISTS" and caught.value.field == "name"
    with pytest.raises(InputError) as caught:
        _add(uow, world, name="赵六六", status="full", id_number=ID_NUMBER)
    assert caught.value.field == "id_number"


# ---------------------------------------------------------------- the people rules read the roster

def _import(uow, world, example: str, upto: int, dossier_id: str) -> None:
    document = copy.deepcopy(load_case(example)["dossier"])
    document.pop("materials", None)
    document["id"] = dossier_id
    document["steps"] = document["steps"][:upto]
    with uow() as u:
        dossiers.import_dossier(u, world["admin"], world["one"], document, today=TODAY)
    with uow() as u:
        reviews.confirm_paper_reviews(u, world["reviewer"], dossier_id, today=TODAY)


def _introducers(uow, world, dossier_id, date, *ids, reason=None):
    with uow() as u:
        return steps.record_step(u, world["organiser"], dossier_id,
                                 {"step": "s09_introducers_assigned", "date": date,
                                  "people": [{"member_id": i} for i in ids]}, today=TODAY, reason=reason)


def test_introducers_are_judged_by_the_roster_on_the_step_date(uow):
    world = _world(uow)
    _import(uow, world, "01_valid_2014_full_record", 8, "R-2014")  # s09 would be on 2022-02-25
    zhao = _add(uow, world, name="赵六", status="full", joined_on="2014-06-01", full_since="2015-06-01")["id"]
    late = _add(uow, world, name="钱七", status="full", joined_on="2021-03-01", full_since="2022-03-01")["id"]
    probation = _add(uow, world, name="孙八", status="full", discipline="留党察看", discipline_from="2021-06-01",
                     discipline_until="2023-06-01")["id"]
    served = _add(uow, world, name="周九", status="full", full_since="2010-07-01", discipline="留党察看",
                  discipline_from="2019-01-01", discipline_until="2021-12-31")["id"]
    newcomer = _add(uow, world, name="吴十", status="probationary", joined_on="2023-07-01")["id"]
    elsewhere = _add(uow, world, org="other", who="foreign", name="郑十一", status="full")["id"]
    for other, code in ((late, "INTRODUCERS_INVALID"), (probation, "INTRODUCERS_INVALID")):
        with pytest.raises(StepRefused) as refused:
            _introducers(uow, world, "R-2014", "2022-02-25", zhao, other)
        assert [d["code"] for d in refused.value.details] == [code]
    with pytest.raises(InputError) as caught:
        _introducers(uow, world, "R-2014", "2022-02-25", zhao, newcomer)
    assert caught.value.code == "MEMBER_NOT_YET"
    with pytest.raises(NotFound):  # a member of another tree cannot be named
        _introducers(uow, world, "R-2014", "2022-02-25", zhao, elsewhere)
    _introducers(uow, world, "R-2014", "2022-02-25", zhao, served)  # 留党察看 ended before the step
    with uow() as u:
        people = dossiers.get_dossier(u, world["organiser"], "R-2014")["dossier"]["steps"][8]["people"]
    assert [(p["name"], p["status"], p["discipline"], p["member_id"]) for p in people] == [
        ("赵六", "full", None, zhao), ("周九", "full", None, served)]


def test_a_2026_introducer_in_an_influence_period_needs_a_reason(uow):
    world = _world(uow)
    _import(uow, world, "02_valid_2026_to_oath", 8, "R-2026")  # s09 on 2026-06-10, rules of 2026.05
    zhao = _add(uow, world, name="赵六", status="full", full_since="2015-06-01")["id"]
    warned = _add(uow, world, name="钱七", status="full", full_since="2016-06-01", discipline="严重警告",
                  discipline_from="2026-01-05", discipline_until="2027-01-04")["id"]
    with pytest.raises(ReasonRequired) as caught:
        _introducers(uow, world, "R-2026", "2026-06-10", zhao, warned)
    assert [d["code"] for d in caught.value.details] == ["INTRODUCER_DISCIPLINED"]
    assert "2027-01-04" in caught.value.details[0]["message"]
    _introducers(uow, world, "R-2026", "2026-06-10", zhao, warned, reason="上级党委同意")


# ---------------------------------------------------------------- the spreadsheet import

def _sheet(tmp_path, rows, name="roster.xlsx"):
    book = Workbook()
    ws = book.active
    ws.title = "党员名册"
    ws.append(["某支部党员名册"])  # a title row above the header, as hand-kept rosters have
    ws.append(["姓名", "党员身份", "入党日期", "转正日期", "处分种类", "处分日期", "处分影响期至", "身份证号码"])
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    book.save(path)
    return str(path)


def test_a_roster_import_is_all_or_nothing(uow, tmp_path, caplog):
    world = _world(uow)
    _add(uow, world, name="赵六", status="probationary", joined_on="2025-06-01")
    good = [["赵六", "正式党员", "2025-06-01", "2026-06-01", None, None, None, None],
            ["钱七", "预备党员", "2026/3/1", None, None, None, None, ID_NUMBER],
            ["孙八", "正式党员", None, "2010年7月1日", "警告", "2026-02-01", "2026-08-01", None]]
    bad = good + [["周九", "党员", "2026-13-01", None, None, None, None, None],
                  ["钱七", "正式党员", None, None, None, None, None, "110105194912310021"],
                  ["吴十", "预备党员", None, "2025-01-01", None, None, None, None]]
    caplog.set_level(logging.DEBUG)
    with uow() as u:
        report = roster.import_roster(u, world["organiser"], world["one"], _sheet(tmp_path, bad), today=TODAY)
    assert not report.ok
    where = {(e["row"], e["column"], e["code"]) for e in report.errors}
    assert where == {(6, "党员身份", "VALUE_INVALID"), (6, "入党日期", "DATE_INVALID"),
                     (7, "身份证号", "ID_NUMBER_INVALID"), (8, "转正日期", "VALUE_INVALID")}
    assert all(e["message"] and e["sheet"] == "党员名册" for e in report.errors)
    assert "110105194912310021" not in str(report.errors) + caplog.text
    with uow() as u:  # nothing written: 赵六 still probationary, nobody added
        names = {m["name"]: m["status"] for m in roster.roster(u, world["organiser"], world["one"], TODAY)["members"]}
    assert names == {"赵六": "probationary"}

    with uow() as u:
        report = roster.import_roster(u, world["organiser"], world["one"], _sheet(tmp_path, good), today=TODAY)
    assert report.ok and (report.created, report.updated, report.unchanged) == (2, 1, 0)
    with uow() as u:
        members = {m["name"]: m for m in roster.roster(u, world["organiser"], world["one"], TODAY)["members"]}
    assert members["赵六"]["standing"] == "正式党员（2026-06-01 转正）"
    assert members["钱七"]["id_number"] == "1101**********002X" and members["钱七"]["joined_on"] == "2026-03-01"
    assert members["孙八"]["full_since"] == "2010-07-01" and not members["孙八"]["discipline_in_force"]
    with uow() as u:  # the same file again changes nothing
        again = roster.import_roster(u, world["organiser"], world["one"], _sheet(tmp_path, good), today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert ID_NUMBER not in caplog.text


def test_a_roster_import_refuses_duplicates_rights_and_hostile_files(uow, tmp_path):
    world = _world(uow)
    dup = [["赵六", "正式党员"], ["赵六", "预备党员"]]
    with uow() as u:
        report = roster.import_roster(u, world["organiser"], world["one"], _sheet(tmp_path, dup), today=TODAY)
    assert [(e["row"], e["code"]) for e in report.errors] == [(4, "MEMBER_DUPLICATE")]
    with pytest.raises(NotFound):
        with uow() as u:
            roster.import_roster(u, world["sibling"], world["one"], _sheet(tmp_path, dup), today=TODAY)
    with pytest.raises(Forbidden):
        with uow() as u:
            roster.import_roster(u, world["auditor"], world["one"], _sheet(tmp_path, dup), today=TODAY)
    noheader = tmp_path / "plain.csv"
    noheader.write_text("名字,年龄\n张三,30\n", encoding="utf-8")
    with uow() as u:
        report = roster.import_roster(u, world["organiser"], world["one"], str(noheader), today=TODAY)
    assert [e["code"] for e in report.errors] == ["SHEET_HEADER_MISSING"]
    huge = tmp_path / "huge.xlsx"  # a workbook claiming a cell beyond the limits is refused before openpyxl
    book = Workbook()
    book.active.append(["姓名", "党员身份"])
    book.active["A30000"] = "x"
    book.save(huge)
    with uow() as u:
        report = roster.import_roster(u, world["organiser"], world["one"], str(huge), today=TODAY)
    assert [e["code"] for e in report.errors] == ["SHEET_TOO_LARGE"]
    with uow() as u:
        assert roster.roster(u, world["organiser"], world["one"], TODAY)["members"] == []


def test_the_roster_template_reads_back_empty(tmp_path):
    from workflow.spreadsheet.roster import read_roster, write_roster_template

    path = tmp_path / "template.xlsx"
    write_roster_template(path)
    read = read_roster(path)
    assert read.sheet == "党员名册" and read.rows == [] and read.errors == []
