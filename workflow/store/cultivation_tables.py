"""The tables of cultivation quality (issue 12): score entries, reviewed final scores, published
rankings and the proposals made from them, the annual development plan, 推优 records, pairings (结对)
and their activities.

All are insert-only except the review columns of a score and the end of a pairing (each set once): a
corrected entry is a new row naming the one it replaces, a republished ranking is refused, a proposal
is never edited.
Registered on SQLModel.metadata by workflow/store/tables.py; created by migration 0006.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class CultivationScoreEntry(SQLModel, table=True):
    """One scored item of one person (a 成长手册 entry, a rank, a vote count) with its evidence;
    `scored_by` is the signed-in user who entered it and `scored_on` the server's day."""

    __tablename__ = "cultivation_score_entry"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    scheme: str = Field(max_length=100)
    period: str = Field(max_length=20)
    person: str = Field(max_length=64, index=True)
    person_name: str | None = Field(default=None, max_length=100)
    indicator: str = Field(max_length=64)
    happened_on: dt.date
    value: str = Field(sa_column=Column(Text, nullable=False))  # the entry's value as JSON
    evidence_material: str | None = Field(default=None, max_length=300)
    evidence_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    scored_by_user_id: int = Field(foreign_key="app_user.id")
    scored_by: str = Field(max_length=100)
    scored_on: dt.date
    replaces_id: int | None = Field(default=None, foreign_key="cultivation_score_entry.id")
    withdrawn: bool = False
    created_at: str = Field(default_factory=_now, max_length=40)


class CultivationScore(SQLModel, table=True):
    """A person's final score for a period, computed from exactly the entries whose digest it carries;
    it counts once a second person has reviewed it (一步一审)."""

    __tablename__ = "cultivation_score"
    __table_args__ = (UniqueConstraint("organisation_id", "scheme", "period", "person", "entries_digest",
                                       name="uq_cultivation_score_inputs"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    scheme: str = Field(max_length=100)
    period: str = Field(max_length=20)
    person: str = Field(max_length=64)
    person_name: str | None = Field(default=None, max_length=100)
    entries_digest: str = Field(max_length=64)
    total: str | None = Field(default=None, max_length=30)
    grade: str | None = Field(default=None, max_length=30)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    computed_by_user_id: int = Field(foreign_key="app_user.id")
    computed_by: str = Field(max_length=100)
    computed_on: dt.date
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_by: str | None = Field(default=None, max_length=100)
    reviewed_on: dt.date | None = None


class DevelopmentPlan(SQLModel, table=True):
    """The year's development plan a committee sets for an organisation (total and structure targets)."""

    __tablename__ = "development_plan"
    __table_args__ = (UniqueConstraint("organisation_id", "year", name="uq_development_plan_year"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    total: int
    women: int | None = None
    young: int | None = None
    front_line: int | None = None
    higher_education: int | None = None
    set_by_organisation_id: int = Field(foreign_key="organisation.id")
    set_by_user_id: int = Field(foreign_key="app_user.id")
    set_on: dt.date


class CultivationRanking(SQLModel, table=True):
    """A published ranking (一学年一公开): the `ranking/1` document as published, and its SHA-256."""

    __tablename__ = "cultivation_ranking"
    __table_args__ = (UniqueConstraint("organisation_id", "scheme", "period", name="uq_cultivation_ranking_period"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    scheme: str = Field(max_length=100)
    period: str = Field(max_length=20)
    group_size: int
    quota_limit: int
    plan_id: int | None = Field(default=None, foreign_key="development_plan.id")
    document: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    published_by_user_id: int = Field(foreign_key="app_user.id")
    published_by: str = Field(max_length=100)
    published_on: dt.date


class CultivationProposal(SQLModel, table=True):
    """Who was proposed from which published ranking, at which position: traceable to the ranking."""

    __tablename__ = "cultivation_proposal"
    __table_args__ = (UniqueConstraint("ranking_id", "person", name="uq_cultivation_proposal_person"),)
    id: int | None = Field(default=None, primary_key=True)
    ranking_id: int = Field(foreign_key="cultivation_ranking.id", index=True)
    person: str = Field(max_length=64)
    position: int
    proposed_by_user_id: int = Field(foreign_key="app_user.id")
    proposed_by: str = Field(max_length=100)
    proposed_on: dt.date


class LeagueNomination(SQLModel, table=True):
    """A 推优 record: the League branch meeting's vote on one person, judged under the policy named."""

    __tablename__ = "league_nomination"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    league_branch: str = Field(max_length=200)
    league_members: int
    meeting_on: dt.date
    expected: int
    present: int
    yes: int
    no: int = 0
    abstain: int = 0
    policy: str = Field(max_length=100)
    policy_words: str | None = Field(default=None, max_length=500)  # the rules it was judged by (migration 0010)
    valid_until: dt.date
    recorded_by_user_id: int = Field(foreign_key="app_user.id")
    recorded_by: str = Field(max_length=100)
    created_at: str = Field(default_factory=_now, max_length=40)


class CultivationPairing(SQLModel, table=True):
    """One 培养联系人's time with one activist (结对, 细则第九条): from `start` until `end`.

    Closed once, never deleted: a replaced contact keeps the row with the day and the reason, and
    the new pairing names the one it replaces, so every earlier half-year still shows its contact."""

    __tablename__ = "cultivation_pairing"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    dossier_id: str = Field(foreign_key="dossier.id", index=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    start: dt.date
    end: dt.date | None = None
    end_reason: str | None = Field(default=None, max_length=500)
    replaces_id: int | None = Field(default=None, foreign_key="cultivation_pairing.id")
    policy: str = Field(max_length=100)
    assigned_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")  # None: the command line
    assigned_by: str = Field(max_length=100)
    ended_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: str = Field(default_factory=_now, max_length=40)


class CultivationPairingActivity(SQLModel, table=True):
    """A dated piece of pairing work (谈心谈话 or 帮扶) within a pairing's time, with a note."""

    __tablename__ = "cultivation_pairing_activity"
    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="cultivation_pairing.id", index=True)
    kind: str = Field(max_length=20)
    happened_on: dt.date
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_by: str = Field(max_length=100)
    created_at: str = Field(default_factory=_now, max_length=40)
