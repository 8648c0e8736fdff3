"""The tables of batch work and the inbox (issue 11): a shared branch meeting with its candidates, and
each user's opt-in address for the e-mail digest.

A meeting row is written in the same transaction as the step records it produced (one per candidate,
each an ordinary `step_recorded` event of its dossier, gated and reviewed on its own); the row and its
candidate lines are insert-only and only say which events came from the one meeting, so a form or
the audit can show the shared date, E and P. The votes themselves live in each dossier's event.
Registered on SQLModel.metadata by workflow/store/tables.py; created by migration 0008.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class BranchMeeting(SQLModel, table=True):
    """One 党支部党员大会 that discussed several candidates (逐个表决): its date, E and P, said once."""

    __tablename__ = "branch_meeting"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    step: str = Field(max_length=40)
    date: dt.date
    expected: int
    present: int
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_by: str = Field(max_length=100)
    recorded_at: str = Field(default_factory=_now, max_length=40)


class BranchMeetingCandidate(SQLModel, table=True):
    """A candidate voted on at a meeting: the dossier, and the event and step entry the vote became."""

    __tablename__ = "branch_meeting_candidate"
    __table_args__ = (UniqueConstraint("meeting_id", "dossier_id", name="uq_meeting_candidate"),
                      UniqueConstraint("dossier_id", "event_seq", name="uq_meeting_candidate_event"))
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="branch_meeting.id", index=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    event_seq: int
    step_index: int
    position: int  # the order in which the meeting voted (逐个表决)


class InboxMail(SQLModel, table=True):
    """A user's address for the inbox digest; absent or `enabled = false`: no mail (opt-in)."""

    __tablename__ = "inbox_mail"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    address: str = Field(max_length=254)
    enabled: bool = True
    last_sent_on: dt.date | None = None
