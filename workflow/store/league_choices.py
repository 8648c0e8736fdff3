"""The 推优 records the s03 form (确定入党积极分子) may offer as the step's backing.

Whether a record backs the step is judged when the step is recorded or corrected
(`cultivation.fill_league_nomination`: this person's, of this tree, its League branch meeting held on or
before the step's day and not expired then). The form cannot know the day the user will type, so this
lists the candidates that could fit some day from `since` (the previous step's date) to `until` (today):
a record that expired before the case could reach s03, or one of another tree, is never offered.
"""
from __future__ import annotations

import datetime as dt

from sqlmodel import select

from workflow.store.access import READ_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import LeagueNomination
from workflow.store.errors import NotFound
from workflow.store.repository import UnitOfWork

MAX_CHOICES = 50  # one person has a handful of 推优 records at most; the form stays short


def s03_choices(uow: UnitOfWork, actor: Actor, dossier_id: str, *, since: dt.date | None,
                until: dt.date) -> list[dict]:
    """This person's 推优 records valid on some day in [since, until], newest meeting first, each with
    whether it is valid on `until` (today)."""
    tree = OrgTree.load(uow.session)
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    query = select(LeagueNomination).where(LeagueNomination.dossier_id == row.id, LeagueNomination.meeting_on <= until)
    if since is not None:
        query = query.where(LeagueNomination.valid_until >= since)
    records = uow.session.exec(query.order_by(LeagueNomination.meeting_on.desc(), LeagueNomination.id.desc())
                               .limit(MAX_CHOICES)).all()
    return [{"id": r.id, "league_branch": r.league_branch, "meeting_on": r.meeting_on, "valid_until": r.valid_until,
             "valid_today": r.meeting_on <= until <= r.valid_until}
            for r in records
            if r.organisation_id in tree.orgs and tree.root(r.organisation_id) == row.root_organisation_id]
