"""The SQLModel tables. Events are the truth; every other dossier table is an insert-only index.

`dossier.snapshot` is the `dossier/1` projection of the events and `dossier.version` the sequence
number of its last event; a write succeeds only if the version it read is still current, and the
unique (dossier_id, seq) pair on `event` makes a lost race impossible to commit twice.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

ROLES = ("organiser", "reviewer", "auditor", "archivist", "admin")
LEVELS = ("committee", "general_branch", "branch")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Organisation(SQLModel, table=True):
    """基层党委 → 党总支 → 党支部; `rule_set`/`overlay` pin what dossiers created here use."""

    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_organisation_parent_name"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    level: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    root_id: int | None = Field(default=None, index=True)
    rule_set: str | None = Field(default=None, max_length=20)
    overlay: str | None = Field(default=None, max_length=100)


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100, unique=True)
    password_hash: str = Field(max_length=200)
    active: bool = True


class RoleGrant(SQLModel, table=True):
    """A role on an organisation and everything below it."""

    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role", name="uq_role_grant"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    role: str = Field(max_length=20)


class ApiToken(SQLModel, table=True):
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    expires_at: int  # seconds since the epoch (UTC)


class Member(SQLModel, table=True):
    """A Party member who can serve as 培养联系人 or 入党介绍人."""

    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_member_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    status: str = Field(max_length=20)
    discipline: str | None = Field(default=None, max_length=50)


class Dossier(SQLModel, table=True):
    """一人一档: one row per person; the same ID number, or name and birth date in a tree, is refused."""

    __table_args__ = (UniqueConstraint("root_organisation_id", "person_name", "birth_date",
                                       name="uq_dossier_person_in_tree"),)
    id: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    root_organisation_id: int = Field(foreign_key="organisation.id")
    pending_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    person_name: str = Field(max_length=100)
    birth_date: dt.date
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    state: str = Field(max_length=30)
    version: int = 0
    head_hash: str = Field(max_length=64)
    snapshot: str = Field(sa_column=Column(Text, nullable=False))
    created_at: str = Field(default_factory=_now, max_length=40)


class Event(SQLModel, table=True):
    """One entry of a dossier's append-only history; `hash` covers every column and `prev_hash`."""

    __table_args__ = (UniqueConstraint("dossier_id", "seq", name="uq_event_dossier_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    seq: int
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=100)
    at: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class StepRecord(SQLModel, table=True):
    """Index of recorded and corrected steps (insert-only); the event holds the data."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    event_seq: int
    step_index: int
    step: str = Field(max_length=40)
    date: dt.date
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    corrects_event_seq: int | None = None


class Review(SQLModel, table=True):
    """Index of review sign-offs (insert-only)."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    event_seq: int
    step_index: int
    step: str = Field(max_length=40)
    reviewer_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_on: dt.date


class Blob(SQLModel, table=True):
    """File content addressed by its SHA-256; stored once however many materials point at it."""

    sha256: str = Field(primary_key=True, max_length=64)
    media_type: str = Field(max_length=50)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Material(SQLModel, table=True):
    """Index of attached materials (insert-only)."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    event_seq: int
    material_id: str = Field(max_length=60)
    step: str = Field(max_length=40)
    sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    filename: str | None = Field(default=None, max_length=200)


class CalendarOverride(SQLModel, table=True):
    """The official working-day calendar of a year the calendar package does not know yet."""

    year: int = Field(primary_key=True)
    notice: str = Field(max_length=200)
    holidays: str = Field(sa_column=Column(Text, nullable=False))
    workdays: str = Field(sa_column=Column(Text, nullable=False))
    entered_by: str = Field(max_length=100)
