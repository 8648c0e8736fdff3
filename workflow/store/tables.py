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
    approval_type: str | None = Field(default=None, max_length=30)
    """What kind of body this is when it approves at s17/s24 (2026 第二十二条): `committee`,
    `subordinate_committee` (under a 乡镇（街道）党委), `temporary`, `party_group`; None: from `level`."""


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100, unique=True)
    password_hash: str = Field(max_length=200)
    active: bool = True
    system_admin: bool = False  # may edit national data (the working-day calendar)
    credentials_version: int = 0  # moves on password change and deactivation: revokes calendar-feed links
    must_change_password: bool = False  # a temporary password set by an administrator (0009)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per login name (`login:…`) and per client address (`address:…`), in the database
    so every worker process counts the same failures and honours the same lock."""

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    window_start: int = 0  # seconds since the epoch (UTC)
    locked_until: int = 0


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
    discipline_until: dt.date | None = None  # the end of the discipline's influence period (影响期)
    discipline_from: dt.date | None = None  # when the discipline was imposed (0009: the roster as data)
    joined_on: dt.date | None = None  # 入党日期: the probation begins (0009)
    full_since: dt.date | None = None  # 转正日期: a full member from this day (0009)
    id_number: str | None = Field(default=None, max_length=18)  # from the roster spreadsheet; shown masked (0009)
    roles: str | None = Field(default=None, max_length=200)  # role tags, comma-separated (teacher, student; 0010)


class Dossier(SQLModel, table=True):
    """一人一档 within an organisation tree: the same ID number, or name and birth date, is refused there.
    Not across trees: a refusal would tell a user of one tree that the person has a dossier in another."""

    __table_args__ = (UniqueConstraint("root_organisation_id", "person_name", "birth_date",
                                       name="uq_dossier_person_in_tree"),
                      UniqueConstraint("root_organisation_id", "id_number", name="uq_dossier_id_number_in_tree"))
    id: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    root_organisation_id: int = Field(foreign_key="organisation.id")
    pending_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    person_name: str = Field(max_length=100)
    birth_date: dt.date
    id_number: str | None = Field(default=None, max_length=18)
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
    key_id: str | None = Field(default=None, max_length=16)  # the key that sealed it; None: unkeyed (before 0002)


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
    source: str = Field(default="system", max_length=10)  # "paper": confirms an imported paper sign-off


class LedgerEntry(SQLModel, table=True):
    """One line per dossier ever created, in creation order, sealed (workflow/store/ledger.py).

    No foreign key: the line must outlive its dossier, so that a deleted dossier is named."""

    __tablename__ = "ledger_entry"
    dossier_id: str = Field(primary_key=True, max_length=64)
    number: int = Field(unique=True)
    prev_dossier_id: str | None = Field(default=None, max_length=64)
    last_seq: int
    head_hash: str = Field(max_length=64)
    key_id: str = Field(max_length=16)
    mac: str = Field(max_length=64)


class LedgerSeal(SQLModel, table=True):
    """The one sealed row saying how many dossiers the ledger holds and which was created last."""

    __tablename__ = "ledger_seal"
    id: int = Field(default=1, primary_key=True)
    count: int = 0
    last_dossier_id: str | None = Field(default=None, max_length=64)
    key_id: str | None = Field(default=None, max_length=16)
    mac: str = Field(default="", max_length=64)


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
    """The official working-day calendar of a year: one the calendar package does not know yet, or,
    with an explicit override and the notice's number, a correction of one it does."""

    year: int = Field(primary_key=True)
    notice: str = Field(max_length=200)
    holidays: str = Field(sa_column=Column(Text, nullable=False))
    workdays: str = Field(sa_column=Column(Text, nullable=False))
    entered_by: str = Field(max_length=100)
    overrides_package: bool = False
    entered_at: str = Field(default_factory=_now, max_length=40)


class CalendarChange(SQLModel, table=True):
    """Every write to the calendar table, append-only: who, when, which notice, whether it replaced
    the package's year. The largest id is the calendar's version, which each process compares with
    the one it loaded before answering a request."""

    id: int | None = Field(default=None, primary_key=True)
    year: int
    notice: str = Field(max_length=200)
    overrides_package: bool = False
    entered_by: str = Field(max_length=100)
    entered_at: str = Field(default_factory=_now, max_length=40)


class CacheVersion(SQLModel, table=True):
    """One counter that database triggers move with every change to what server processes cache
    (organisations, role grants, users, revoked tokens, the calendar; migration 0011). A request
    compares it with the number its process's caches were filled at: one indexed read instead of
    loading tokens and the organisation tree again, and a change made anywhere counts at once."""

    __tablename__ = "cache_version"
    id: int = Field(default=1, primary_key=True)
    version: int = 0


from workflow.store import cultivation_tables  # noqa: E402,F401  (registers issue 12's tables; migration 0006)
from workflow.store import batch_tables  # noqa: E402,F401  (issue 11's meetings and inbox mail; migration 0008)
from workflow.store import change_tables  # noqa: E402,F401  (issue 11's reviewed case events; migration 0007)
