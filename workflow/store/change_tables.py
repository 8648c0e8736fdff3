"""The table of changes that wait for a second person (issue 11): case events (本人撤回, 不予发展,
组织关系转出/转入) and corrections or withdrawals of an assessment, a publicity notice or a thought report.

A step is written into the dossier when it is recorded and counts once a reviewer signs it off. A case
event moves the case itself (it leaves the live boards, changes organisation), so it is written into the
dossier only when a reviewer approves it: until then it is a row here, with the `change_proposed` event
of the dossier's chain that says who proposed what. The row says who proposed it, who decided it, and
which dossier event applied it; the dossier's own history stays the truth (verify replays its events).
Registered on SQLModel.metadata by workflow/store/tables.py; created by migration 0007.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

KINDS = ("case_event", "fact_correction")
STATUSES = ("pending", "approved", "returned", "withdrawn")


class PendingChange(SQLModel, table=True):
    """One proposed change: `payload` is its JSON (the case event, or the fact's list, index, old and new
    item); `organisation_id` is where its reviewers are looked for (the receiving one for a transfer in)."""

    __tablename__ = "pending_change"
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    kind: str = Field(max_length=20)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="pending", max_length=20, index=True)
    proposed_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    proposed_by: str = Field(max_length=100)
    proposed_on: dt.date
    proposed_event_seq: int
    decided_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_by: str | None = Field(default=None, max_length=100)
    decided_on: dt.date | None = None
    comment: str | None = Field(default=None, max_length=1000)
    applied_event_seq: int | None = None
