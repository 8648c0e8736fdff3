"""s03 (确定入党积极分子) recorded in the browser on a 推优 record: the form offers the person's 推优 records
that could back it (only when there are any), the recorded step points at the chosen record and counts
团组织推优 as its nomination, and a record that is expired or not this person's is refused beside the
nomination with its stable code, nothing saved."""
from __future__ import annotations

import datetime as dt
import re

from webkit import TODAY, Page

from workflow.service_layer import dossiers, reviews
from workflow.store import cultivation
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

S03 = "s03_activist_determined"


def _applicant(world, dossier_id: str, name: str, org: str = "A1") -> None:
    """s01 and s02 reviewed (imported as paper history, confirmed by a second person)."""
    steps = [{"step": "s01_application", "date": "2026-03-01"}, {"step": "s02_applicant_talk", "date": "2026-03-20"}]
    steps = [{**s, "recorded_by": "组织员", "reviewed_by": "审核人", "reviewed_on": s["date"]} for s in steps]
    root = world.orgs["A" if org == "A1" else "X"]
    with UnitOfWork(world.engine) as uow:
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((root, "admin"),)), world.orgs[org],
                                {"format": "dossier/1", "id": dossier_id,
                                 "person": {"name": name, "birth_date": "2005-03-01"}, "steps": steps}, today=TODAY)
    with UnitOfWork(world.engine) as uow:
        reviews.confirm_paper_reviews(uow, Actor(None, "seed-reviewer", "核验员", ((root, "reviewer"),)),
                                      dossier_id, today=TODAY)


def _league(world, dossier_id: str, meeting_on: str, branch: str, org: str = "A1") -> int:
    """A passed League branch vote on the person (10 members, 9 present, 8 yes)."""
    who = ("branch_organiser", "吴支书") if org == "A1" else ("foreign_organiser", "冯支书")
    actor = Actor(world.users[who[0]], who[0], who[1], ((world.orgs[org], "organiser"),))
    with UnitOfWork(world.engine) as uow:
        return cultivation.record_league_nomination(
            uow, actor, world.orgs[org], dossier_id, league_branch=branch, league_members=10,
            meeting_on=dt.date.fromisoformat(meeting_on), votes={"expected": 10, "present": 9, "yes": 8},
            today=TODAY)["id"]


def _options(html: str) -> list[str]:
    select = re.search(r'<select id="league_recommendation_id".*?</select>', html, re.DOTALL)
    return re.findall(r'<option value="(\d+)"', select.group(0)) if select else []


def _nomination_problems(html: str) -> tuple[str, list[str]]:
    found = re.search(r'<ul class="problems" id="e-nomination"[^>]*>(.*?)</ul>', html, re.DOTALL)
    assert found, "a refusal beside the nomination"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip(), re.findall(r'data-code="([^"]+)"', found.group(1))


def test_s03_is_recorded_on_a_chosen_league_record(world):
    _applicant(world, "L-1", "团员甲")
    _applicant(world, "L-0", "团员零")
    record = _league(world, "L-1", "2026-10-10", "2025级1班团支部")
    page = Page(world.app, "branch_organiser")
    url = f"/dossiers/L-1/steps/{S03}/record"
    form = page.get(url)
    assert form.status_code == 200 and _options(form.text) == [str(record)]
    assert "团支部大会 2026-10-10" in form.text and "2025级1班团支部" in form.text
    plain = page.get(f"/dossiers/L-0/steps/{S03}/record").text  # no 推优 record: no choice at all
    assert 'data-testid="league-choice"' not in plain and 'name="nomination"' in plain

    done = page.post(url, {"date": "2026-11-20", "league_recommendation_id": str(record)})
    assert done.status_code == 303, done.text
    with UnitOfWork(world.engine) as uow:
        steps = dossiers.export_dossier(uow, Actor(None, "t", "t", ((world.orgs["A"], "admin"),)), "L-1")["steps"]
    s03 = next(s for s in steps if s["step"] == S03)
    assert s03["league_recommendation_id"] == record and s03["nomination"] == ["league"]
    dossier = page.get("/dossiers/L-1").text
    assert f'href="/cultivation/league/records/{record}"' in dossier
    backed = page.get(f"/cultivation/league/records/{record}").text
    assert "确定入党积极分子" in backed and "2026-11-20" in backed


def test_an_expired_or_foreign_league_record_is_refused_beside_the_nomination(world):
    _applicant(world, "L-2", "团员乙")
    _applicant(world, "L-3", "团员丙")
    _applicant(world, "LX-1", "乙团员", org="X1")
    expired = _league(world, "L-2", "2023-09-01", "2022级2班团支部")  # 24 months: expired 2025-09-01
    others = _league(world, "L-3", "2026-10-10", "2025级3班团支部")
    foreign = _league(world, "LX-1", "2026-10-10", "乙团支部", org="X1")
    page = Page(world.app, "branch_organiser")
    url = f"/dossiers/L-2/steps/{S03}/record"
    assert _options(page.get(url).text) == []  # neither offered: expired before s02, another person's

    cases = [(expired, "LEAGUE_NOMINATION_EXPIRED", "已于 2025-09-01 过期"),
             (others, "LEAGUE_NOMINATION_FOREIGN", "不是本档案人员的推优记录"),
             (foreign, "LEAGUE_NOMINATION_NOT_FOUND", "找不到推优记录")]
    for record, code, words in cases:
        refused = page.post(url, {"date": "2026-11-20", "league_recommendation_id": str(record),
                                  "nomination": "party_members"})
        assert refused.status_code in (404, 422), (code, refused.status_code)
        text, codes = _nomination_problems(refused.text)
        assert codes == [code] and words in text, (code, text)
        assert 'name="date"' in refused.text and 'value="2026-11-20"' in refused.text  # the form keeps what was typed
    with UnitOfWork(world.engine) as uow:
        steps = dossiers.export_dossier(uow, Actor(None, "t", "t", ((world.orgs["A"], "admin"),)), "L-2")["steps"]
    assert [s["step"] for s in steps] == ["s01_application", "s02_applicant_talk"]  # nothing saved
