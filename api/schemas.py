"""What the API answers with: one pydantic model per response body, declared on the routes as
`response_model=` so the OpenAPI schema (and every client generated from it) knows each body's fields.

The models describe the use cases' answers as they are, field for field and in the same order, so the
JSON does not change: routes declare `response_model_exclude_unset=True` (a key the use case leaves
out stays out; a None it gives stays null) and every model keeps keys it does not declare (`extra=
"allow"`: a key a use case adds later reaches the client rather than vanishing; tests/api/
test_response_models.py fails until it is declared here).

A dossier is the `dossier/1` format's own model (`workflow.dossier.Dossier`, with its `StepEntry`), not a
copy. Routes answering with a whole dossier (read, export) and the two write routes clients call all day
(record, review: `api.deps.in_one_thread`) return their JSON already built and declare the model for the
schema only: a dossier was validated as it entered, and validating it again on the way out would cost a
full parse per read (its dates are strict, taken only as JSON text), and the write path is benchmarked
(bench/api_load.py). tests/api/test_response_models.py validates those answers against their models.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from checklists.step_fields import step_schema
from workflow.dossier import Dossier

__all__ = ["Dossier"]  # re-exported: the body of GET /dossiers/{id}/export


class Out(BaseModel):
    """A response body: its declared fields, and any key the use case adds (kept, never dropped)."""

    model_config = ConfigDict(extra="allow")


TYPED = {"response_model_exclude_unset": True}  # spread into a route's decorator with its `response_model`


# ---------------------------------------------------------------- findings (audit/1, and warnings of a write)

class Finding(Out):
    """One finding of the rules (workflow/findings.py): a violation refuses a step, a warning needs a reason."""

    code: str
    severity: Literal["violation", "warning", "info"]
    step: str | None
    rule_set: str
    article: str
    provisional: bool
    message: str
    overlay: str | None = None
    subject: str | None = None


# ---------------------------------------------------------------- dossiers

class DossierSummary(Out):
    """A listing line (and the answer to opening or importing a dossier): never the full ID number."""

    id: str
    name: str
    birth_date: dt.date
    id_number: str | None  # masked: 3301**********1234
    organisation_id: int
    pending_organisation_id: int | None  # a transfer in waiting for this organisation's review
    state: str
    version: int


class DossierRead(Out):
    """One dossier as a reader sees it: the `dossier/1` document (ID number masked) and where it is kept."""

    dossier: Dossier
    organisation_id: int
    pending_organisation_id: int | None
    state: str
    version: int


class DossierEvent(Out):
    """One entry of a dossier's history: what happened, by whom, when (patches with personal data stay inside)."""

    seq: int
    kind: str
    actor: str
    at: str
    info: dict[str, Any]
    hash: str
    prev_hash: str | None


class FactAdded(Out):
    state: str
    version: int
    index: int  # the new item's place in its list (assessments, publicity, thought_reports)


class MaterialStored(Out):
    sha256: str
    media_type: str
    size: int
    version: int


# ---------------------------------------------------------------- steps

class StepReviewed(Out):
    index: int  # the step's place in the dossier's `steps`
    step: str
    state: str  # the dossier's state after the write
    version: int  # the dossier's version after the write


class StepRecorded(StepReviewed):
    warnings: list[Finding]  # passed with the recorded reason


class StepCorrected(StepReviewed):
    corrects_event: int | None  # the event that recorded the step being replaced
    warnings: list[Finding]


class PaperReviewsConfirmed(Out):
    confirmed: list[int]  # indices of the steps whose paper sign-off now counts
    state: str
    version: int


# ---------------------------------------------------------------- reviewed changes (一事一审)

class Change(Out):
    """A proposed case event or fact correction, waiting for (or decided by) a second person."""

    id: int
    dossier_id: str
    kind: str
    payload: dict[str, Any]
    organisation_id: int
    status: Literal["pending", "approved", "returned"]
    proposed_by: str
    proposed_on: dt.date
    decided_by: str | None
    decided_on: dt.date | None
    comment: str | None
    proposed_by_user_id: int | None


class WaitingChange(Change):
    person_name: str


class ChangeWhere(Out):
    organisation: str
    state: str
    pending_organisation: str
    change_organisation: str


class ChangeView(Change):
    person_name: str
    where: ChangeWhere
    may_decide: bool


class ChangeApplied(Out):
    """The dossier after an approved change was written into it."""

    state: str
    version: int
    organisation_id: int | None = None  # a transfer moves the dossier
    pending_organisation_id: int | None = None


class ChangeApproved(Change):
    result: ChangeApplied


# ---------------------------------------------------------------- organisations, members, users

class Organisation(Out):
    id: int
    name: str
    level: str  # committee, general_branch or branch
    parent_id: int | None
    rule_set: str | None
    overlay: str | None
    approval_type: str | None


class Member(Out):
    id: int
    organisation_id: int
    name: str
    status: str  # full or probationary
    discipline: str | None
    discipline_until: dt.date | None
    roles: list[str]
    joined_on: dt.date | None
    full_since: dt.date | None
    discipline_from: dt.date | None


class Grant(Out):
    organisation_id: int
    role: str


class UserCreated(Out):
    id: int
    login: str
    display_name: str
    system_admin: bool
    roles: list[Grant]


class UserState(Out):
    id: int
    login: str
    display_name: str
    active: bool


class Me(Out):
    id: int | None
    login: str
    display_name: str
    roles: list[Grant]
    system_admin: bool


# ---------------------------------------------------------------- audit/1 and plan/1

class DossierAudit(Out):
    id: str
    state: str
    findings: list[Finding]


class AuditSummary(Out):
    dossiers: int
    with_violations: int
    by_code: dict[str, int]


class AuditDocument(Out):
    """`audit/1`: every finding of each dossier on `as_of`, and counts by code."""

    format: Literal["audit/1"]
    as_of: dt.date
    dossiers: list[DossierAudit]
    summary: AuditSummary


class NextStep(Out):
    step: str
    earliest: dt.date
    deadline: dt.date | None
    blocked_by: list[str]  # codes of the findings that would refuse it today
    provisional: bool  # a date depends on a working-day calendar not yet published


class Overdue(Out):
    step: str
    deadline: dt.date
    code: str | None


class LeavingBlocked(Out):
    step: str
    codes: list[str]


class Leaving(Out):
    """The forecast for a person with an expected leaving date (workflow/cultivation/forecast.py)."""

    leave_date: dt.date | None
    earliest_admission: dt.date | None
    admission_recorded: bool
    earliest_conversion: dt.date | None
    conversion_after_leaving: bool
    admit_by: dt.date | None
    flags: list[str]
    blocked: LeavingBlocked | None
    provisional: bool


class DossierPlan(Out):
    id: str
    state: str
    next: list[NextStep]
    overdue: list[Overdue]
    leaving: Leaving | None = None  # only for a person with an expected leaving date


class PlanDocument(Out):
    """`plan/1`: what each dossier may do next, from when, until when."""

    format: Literal["plan/1"]
    as_of: dt.date
    dossiers: list[DossierPlan]


# ---------------------------------------------------------------- importing a file (good dossiers in, bad ones listed)

class ImportedDossier(DossierSummary):
    outcome: Literal[step_schema().table("import_outcome").values]  # checklists/data/step_fields.toml


class Problem(Out):
    """One refusal, as every error body carries it (`FazhanError.to_dict()`)."""

    code: str
    message: str
    file: str | None = None
    path: str | None = None
    field: str | None = None
    details: list[dict[str, Any]] | None = None


class ImportReport(Out):
    """Each dossier of the file committed on its own: those taken in, and every problem of the others."""

    imported: list[ImportedDossier]
    errors: list[Problem]


# ---------------------------------------------------------------- the working-day calendar

class CalendarYear(Out):
    """One year's official calendar as an administrator entered it (a 国务院办公厅 notice)."""

    year: int
    notice: str
    holidays: list[dt.date]
    workdays: list[dt.date]  # weekend days worked (调休上班)
    entered_by: str
    entered_at: str  # ISO 8601 time, as stored
    overrides_package: bool  # the year replaces the one the chinesecalendar package knows


# ---------------------------------------------------------------- cultivation: pairing (结对)

class SuggestedPair(Out):
    dossier_id: str
    name: str
    member_id: int
    member: str


class Unserved(Out):
    dossier_id: str
    name: str
    reason: str


class PairingSuggestion(Out):
    """What the branch's pairing policy would assign (nothing stored), and who it cannot serve, with why."""

    policy: str
    policy_words: str
    pairs: list[SuggestedPair]
    unserved: list[Unserved]


class Pairing(Out):
    """One contact of one person over a time (`end` set once replaced, with the reason)."""

    id: int
    dossier_id: str
    member_id: int
    member: str
    start: dt.date
    end: dt.date | None
    end_reason: str | None
    replaces_id: int | None
    policy: str
    assigned_by: str


class PairReplaced(Out):
    closed: Pairing
    opened: Pairing


class PairingActivity(Out):
    """A 谈心谈话 or 帮扶 recorded on a pairing."""

    id: int
    pairing_id: int
    kind: str
    date: dt.date
    note: str | None
    recorded_by: str


class HistoryActivity(Out):
    id: int
    pairing_id: int
    member: str
    kind: str
    date: dt.date
    note: str | None


class ActivityCount(Out):
    talks: int
    help: int


class PairingHistory(Out):
    """A person's contacts over time and the work done; `summary` only when a window (from–to) was asked."""

    dossier_id: str
    pairings: list[Pairing]
    activities: list[HistoryActivity]
    summary: ActivityCount | None = None


class CitedActivity(Out):
    date: dt.date
    kind: str
    member: str


class PairingCitation(Out):
    """The pairing work an assessment cites: who was a contact in the window, counts, the dated items."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    contacts: list[str]
    talks: int
    help: int
    activities: list[CitedActivity]
    not_listed: int  # items past the ones listed (the counts cover them all)


class CitedScore(Out):
    score_id: int
    scheme: str
    period: str
    total: str | None
    grade: str | None
    reviewed_by: str | None


class AssessmentCited(FactAdded):
    pairing: PairingCitation | None  # None when the period has not begun (no pairing time to cite)
    score: CitedScore | None = None  # an activist's reviewed period score, when one was cited


class PersonPairing(Out):
    dossier_id: str
    name: str
    state: str
    period: Literal["activist", "probation"]
    contacts: list[str]
    since: dt.date
    talks: int
    help: int
    last_activity: dt.date | None


class PairingOverview(Out):
    """The dashboard: everyone of the subtree with a pairing, the contacts now and the work since the last
    assessment."""

    organisation_id: int
    as_of: dt.date
    people: list[PersonPairing]


# ---------------------------------------------------------------- cultivation: the annual plan and the return

class PlanSet(Out):
    id: int
    organisation_id: int
    year: int
    total: int
    women: int | None
    young: int | None
    front_line: int | None
    higher_education: int | None


class PlanProgress(Out):
    """The plan's targets against admissions approved in the year (党内统计), proposals and what is left."""

    organisation_id: int
    year: int
    targets: dict[str, int | None]  # total and each structure target
    developed: dict[str, int]  # the same keys, as counted
    converted: int
    proposed: int
    remaining: int


class AnnualReturn(Out):
    """党内统计 of the subtree: each measure (`measures`, with its words) by each dimension (`columns`)."""

    organisation_id: int
    as_of: dt.date
    year: int
    measures: dict[str, str]
    columns: dict[str, str]
    rows: dict[str, dict[str, int]]  # measure → column → count


# ---------------------------------------------------------------- cultivation: the published ranking

class Proposal(Out):
    person: str
    position: int
    proposed_by: str
    proposed_on: dt.date


class Ranking(Out):
    """A ranking as published: the `ranking/1` document itself (its own format), its SHA-256, the proposals."""

    id: int
    organisation_id: int
    organisation: str
    sha256: str
    published_by: str
    published_on: dt.date
    plan_id: int | None
    document: dict[str, Any]
    proposals: list[Proposal]


# ---------------------------------------------------------------- every refusal (api/errors.py)

class ErrorProblem(Out):
    """One problem of a refused body: where (`path`, `field`) and why, with its stable code."""

    code: str | None = None
    path: str | None = None
    field: str | None = None
    reason: str | None = None
    message: str | None = None


class ErrorDetail(Out):
    code: str = Field(description="稳定的错误代码，供程序判断")
    message: str = Field(description="给人看的中文说明")
    file: str | None = None
    path: str | None = Field(default=None, description="出错位置的 JSON 路径，如 $.steps[0].date")
    field: str | None = None
    details: list[dict[str, Any]] | None = Field(default=None, description="全部问题或审计发现")


class ErrorBody(BaseModel):
    """What every 4xx and 5xx answer carries: `{"error": {code, message, path?, field?, details?}}`."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "请求被拒绝：错误代码、中文说明及出错位置"},
    "5XX": {"model": ErrorBody, "description": "服务暂时无法完成请求"},
}
"""Declared once for every API route (api/app.py), in place of FastAPI's own `{"detail": [...]}` 422 model."""
