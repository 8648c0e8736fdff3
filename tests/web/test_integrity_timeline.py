"""Promise 1 of issue 9 on the web timeline: an imported paper sign-off is shown as such, apart from an
in-system one, and the reviewer's “审核通过” on it is its confirmation."""
from __future__ import annotations

import re

from webkit import TODAY, Page, example

from workflow.service_layer import dossiers
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork


def test_the_timeline_tells_paper_from_system_sign_offs(world):
    document = example("01_valid_2014_full_record")
    document.pop("materials", None)
    document.update(id="PAPER-1", steps=document["steps"][:2])
    document["person"] = {**document["person"], "id_number": None}
    with UnitOfWork(world.engine) as uow:
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((world.orgs["A"], "admin"),)), world.orgs["A1"],
                                document, today=TODAY)
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    page = organiser.get("/dossiers/PAPER-1").text
    notes = re.findall(r'data-testid="paper-review">([^<]+)', page)
    assert len(notes) == 2 and all("王组织员" in n and "导入员" in n and "尚待上级审核人确认" in n for n in notes)
    assert page.count('data-status="waiting"') == 2
    review = reviewer.get("/dossiers/PAPER-1/steps/0/review").text
    assert "导入的纸质审核记录" in review and "导入员" in review
    assert reviewer.post("/dossiers/PAPER-1/steps/0/review", {"action": "approve"}).status_code == 303
    page = organiser.get("/dossiers/PAPER-1").text
    notes = re.findall(r'data-testid="paper-review">([^<]+)', page)
    assert "王组织员 于 2026-11-21 在系统中确认" in notes[0] and "尚待" in notes[1]
    assert page.count('data-status="reviewed"') == 1


def test_a_reviewer_confirms_the_whole_import_from_the_dossier_page(world):
    document = example("01_valid_2014_full_record")
    document.pop("materials", None)
    document.update(id="PAPER-2", steps=document["steps"][:3])
    document["person"] = {**document["person"], "id_number": None, "name": "纸质二"}
    with UnitOfWork(world.engine) as uow:
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((world.orgs["A"], "admin"),)), world.orgs["A1"],
                                document, today=TODAY)
    organiser, reviewer = Page(world.app, "branch_organiser"), Page(world.app, "reviewer")
    assert 'data-testid="confirm-paper"' not in organiser.get("/dossiers/PAPER-2").text  # not a reviewer
    assert 'data-testid="confirm-paper"' in reviewer.get("/dossiers/PAPER-2").text
    refused = organiser.post("/dossiers/PAPER-2/paper-reviews/confirm")
    assert refused.status_code == 403
    done = reviewer.post("/dossiers/PAPER-2/paper-reviews/confirm")
    assert done.status_code == 303 and done.headers["location"].endswith("done=confirmed")
    page = reviewer.get("/dossiers/PAPER-2").text
    assert page.count('data-status="reviewed"') == 3 and 'data-testid="confirm-paper"' not in page
    assert "确认纸质审核记录" in page  # the history names the event
