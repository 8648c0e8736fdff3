"""The facts of a `dossier/1` document, decoded fast for reading (the audit of many files or rows).

`workflow.dossier` is the one definition of the format: pydantic models whose errors name the JSON
path, the field and the reason in Chinese with a stable code, and which keep unknown fields for a
lossless export. Validating with them costs most of an audit's time, so a stream of documents is
first decoded here with msgspec into plain read-only records with the same field names (and the
same `Votes.has_quorum`, `carried`, `Dossier.carries_reviews`), which every rule evaluator, the view
and the machine read as they read the pydantic objects.

This path only ever *accepts* a document that the pydantic path accepts with the same values; it
refuses (returns None) on anything else, in doubt included: an unknown field (kept and bounded
there), another shape of a field (a discipline given as an object, a number as text), a value a
validator would refuse. A refused document is then read by `parse_dossier`, so its error (or its
acceptance) is exactly the pydantic one. tests/workflow/test_dossier_facts.py holds the two paths
to that, on the examples, a generated corpus and hypothesis-made documents. Both take their choices
and bounds from workflow.dossier_terms (the step schema), so they cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, get_args

import msgspec

from checklists.loader import Catalogue, default_catalogue
from checklists.step_fields import step_schema
from workflow.document_bounds import dossier_id_problem
from workflow.dossier_terms import (
    FORMAT,
    OUTCOMES,
    TRAINING_DAYS_MIN,
    TRAINING_HOURS_MIN,
    AssessmentPeriod,
    CaseEventKind,
    Conclusion,
    MemberStatus,
    PreReviewResult,
    PublicityKind,
    PublicityPlace,
    approving_body_types,
    field_values,
)

_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]*")

StepId = Literal[tuple(step_schema().steps)]
"""A step id the step schema declares (the same ids as the rule sets'; `_steps_ok` still checks each
against the catalogue read with). As a literal, msgspec gives every record of a step the one string
object: the audit's lookups and comparisons of step ids then end at identity."""
NonNegative = Annotated[int, msgspec.Meta(ge=0)]
Required100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Nomination = Literal[field_values("nomination")]
"""A way of nomination the step schema declares (NOMINATIONS): an unknown one is refused while decoding."""
Sha256 = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{64}\Z")]
"""A digest as the pydantic path accepts it (64 lowercase hex digits), checked while decoding."""


class _Refused(ValueError):
    """Raised by a record's `__post_init__`: msgspec reports it as a ValidationError, and the document
    goes to the pydantic path (which names the problem)."""


_bodies: list = [None, frozenset()]


def _body_types() -> frozenset[str]:
    """The kinds of approving body of the default catalogue (as the pydantic path asks them), kept
    while that catalogue is the same object."""
    catalogue = default_catalogue()
    if _bodies[0] is not catalogue:
        _bodies[:] = [catalogue, frozenset(approving_body_types())]
    return _bodies[1]


class _Facts(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """Read-only records; unknown fields are refused here (the pydantic path keeps and bounds them)."""


class Person(_Facts):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    birth_date: dt.date
    gender: str | None = None
    id_number: str | None = None
    ethnicity: str | None = None
    education: str | None = None
    organisation: str | None = None
    league_member: bool | None = None
    expected_leave_date: dt.date | None = None
    mobile: bool | None = None


class PersonRef(_Facts):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    status: MemberStatus
    discipline: str | None = None
    discipline_until: dt.date | None = None


class Votes(_Facts):
    expected: NonNegative
    present: NonNegative
    yes: NonNegative
    no: NonNegative = 0
    abstain: NonNegative = 0
    written_yes: NonNegative = 0
    written_no: NonNegative = 0

    def __post_init__(self) -> None:
        """Counts that cannot be (more present than expected, …) are refused while decoding: the
        check after decoding then need not look at a step's votes (`consistent`, written out)."""
        if not (self.present <= self.expected and self.yes + self.no + self.abstain <= self.present
                and self.written_yes + self.written_no <= self.expected - self.present):
            raise _Refused("votes")

    def consistent(self) -> bool:
        return (self.present <= self.expected and self.yes + self.no + self.abstain <= self.present
                and self.written_yes + self.written_no <= self.expected - self.present)

    @property
    def yes_total(self) -> int:
        return self.yes + self.written_yes

    @property
    def has_quorum(self) -> bool:
        return 2 * self.present > self.expected

    @property
    def carried(self) -> bool:
        return 2 * self.yes_total > self.expected


class ApprovingBody(_Facts):
    type: str
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None

    def __post_init__(self) -> None:
        """A kind of body no rule set names is refused while decoding (rare: one call per body)."""
        if self.type not in _body_types():
            raise _Refused("approving_body.type")


class PaperReview(_Facts):
    reviewed_by: Required100
    imported_by: Required100
    imported_on: dt.date
    reviewed_on: dt.date | None = None
    source: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    confirmed_by: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    confirmed_on: dt.date | None = None


class ArchiveCorrection(_Facts):
    by: Required100
    on: dt.date
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    organisation: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class StepEntry(_Facts):
    step: StepId
    date: dt.date
    recorded_by: str | None = None
    reviewed_by: str | None = None
    reviewed_on: dt.date | None = None
    by: str | None = None
    nomination: list[Nomination] | None = None
    people: list[PersonRef] | None = None
    conclusion: Conclusion | None = None
    start: dt.date | None = None
    days: Annotated[float, msgspec.Meta(ge=TRAINING_DAYS_MIN)] | None = None
    hours: Annotated[float, msgspec.Meta(ge=TRAINING_HOURS_MIN)] | None = None
    exception: str | None = None
    result: PreReviewResult | None = None
    serial: str | None = None
    votes: Votes | None = None
    special_reason: str | None = None
    outcome: str | None = None
    extend_months: int | None = None
    party_standing_from: dt.date | None = None
    committee_meeting_on: dt.date | None = None
    approving_body: ApprovingBody | None = None
    collective: bool | None = None
    warning_reason: str | None = None
    review_source: Literal["system", "paper"] | None = None
    paper_review: PaperReview | None = None
    archive_correction: ArchiveCorrection | None = None


class Assessment(_Facts):
    date: dt.date
    period: AssessmentPeriod
    by: str | None = None
    result: str | None = None


class ThoughtReport(_Facts):
    date: dt.date


class Publicity(_Facts):
    kind: PublicityKind
    start: dt.date
    end: dt.date
    place: PublicityPlace | None = None
    result: Annotated[str, msgspec.Meta(max_length=500)] | None = None


def _material_id_type():
    """The ids of the materials the default catalogue's national rule sets list, as a literal: msgspec
    then gives every record of a material the one string object, so the audit's comparisons of lists
    of ids end at identity (and no string is made per record). A document naming another material
    (an overlay's own, or another catalogue's) is refused here and read by the pydantic path, which
    accepts what the catalogue it is read with knows. Read once, at import (the catalogue is read from
    its cached copy); should the catalogue not load, plain text, and the first reading reports why."""
    from checklists.errors import ChecklistError

    try:
        ids = {m for rs in default_catalogue().national.values() for m in rs.material_by_id}
    except ChecklistError:  # the same error is raised, with its message, where a document is first read
        return str
    return Literal[tuple(sorted(ids))] if ids else str


MaterialId = _material_id_type()


class MaterialEntry(_Facts):
    id: MaterialId
    step: StepId
    date: dt.date | None = None
    signed_by: list[str] = []
    sha256: Sha256 | None = None
    file: str | None = None


class CaseEvent(_Facts):
    kind: CaseEventKind
    date: dt.date
    reason: str | None = None
    organisation: str | None = None


class Dossier(_Facts):
    format: Literal["dossier/1"]  # required here: without it the pydantic path names the problem
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]  # `_id_ok` checks the rest
    person: Person
    rule_set: str | None = None
    overlay: str | dict | None = None
    steps: list[StepEntry] = []
    assessments: list[Assessment] = []
    thought_reports: list[ThoughtReport] = []
    publicity: list[Publicity] = []
    materials: list[MaterialEntry] | None = None
    case_events: list[CaseEvent] = []

    @property
    def carries_reviews(self) -> bool:
        return any(s.recorded_by is not None or s.reviewed_by is not None or s.paper_review is not None
                   for s in self.steps)


_DECODER = msgspec.json.Decoder(Dossier)


class _Known:
    """What a document's ids are checked against, built once per catalogue (and overlay)."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.steps = frozenset(s.id for rs in catalogue.national.values() for s in rs.steps)
        self.every_step_known = self.steps.issuperset(get_args(StepId))
        """Every id the records may carry (StepId) is a step of this catalogue: no step to look up."""
        self.materials = frozenset(m for rs in catalogue.national.values() for m in rs.material_by_id)
        self.rule_sets = frozenset(catalogue.national)
        self.overlay_materials: dict[str, frozenset[str]] = {}

    def materials_with(self, overlay_key: str) -> frozenset[str]:
        found = self.overlay_materials.get(overlay_key)
        if found is None:
            extra = {m for rid in self.catalogue.national for m in self.catalogue.get(rid, overlay_key).material_by_id}
            found = self.overlay_materials[overlay_key] = self.materials | extra
        return found


_known: dict[int, _Known] = {}


def _known_for(catalogue: Catalogue) -> _Known:
    known = _known.get(id(catalogue))
    if known is None or known.catalogue is not catalogue:
        known = _known[id(catalogue)] = _Known(catalogue)
    return known


def _steps_ok(steps: list[StepEntry], known: _Known) -> bool:
    """The checks the pydantic models and `_check_ids` make on each step that decoding has not made,
    as one loop (no call per step): those comparing a step's fields with each other or with its step.
    (Votes, a nomination and an approving body's kind are checked while decoding.) Most steps record
    none of the four fields checked here: they are passed by one test of those fields."""
    if not known.every_step_known:
        step_ids = known.steps
        for entry in steps:
            if entry.step not in step_ids:
                return False
    for entry in steps:
        if (entry.outcome is None and entry.extend_months is None and entry.start is None
                and entry.committee_meeting_on is None):
            continue
        outcome = entry.outcome
        if outcome is not None and outcome not in OUTCOMES.get(entry.step, ()):
            return False
        if entry.extend_months is not None and outcome != "extend":
            return False
        if entry.start is not None and entry.start > entry.date:
            return False
        if entry.committee_meeting_on is not None and entry.committee_meeting_on > entry.date:
            return False
    return True


def _materials_ok(records: list[MaterialEntry], materials: frozenset[str], known: _Known) -> bool:
    """Each record names a known material and step (a digest's form is checked while decoding)."""
    for material in records:
        if material.id not in materials:
            return False
    if not known.every_step_known:
        steps = known.steps
        for material in records:
            if material.step not in steps:
                return False
    return True


def _id_ok(ident: str) -> bool:
    """An id `workflow.document_bounds` accepts, of 1 to 64 characters (the length checked while decoding)."""
    if ident.isascii() and ident.isprintable():  # no control or format character can hide in it
        return "/" not in ident and "\\" not in ident and ".." not in ident and ident.strip(".") != ""
    return _PRINTABLE.fullmatch(ident) is not None and dossier_id_problem(ident) is None


def read_facts(text: str | bytes, catalogue: Catalogue | None = None) -> Dossier | None:
    """The document's facts, or None when only `workflow.dossier.parse_dossier` may judge it."""
    try:
        dossier = _DECODER.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    known = _known_for(catalogue or default_catalogue())
    name, ident = dossier.person.name, dossier.id
    if not (name.isprintable() or _PRINTABLE.fullmatch(name)):  # its length is checked while decoding
        return None  # a printable name holds no control character: the pattern is asked of the others
    if not _id_ok(ident):
        return None
    if dossier.rule_set is not None and dossier.rule_set not in known.rule_sets:
        return None
    if not _steps_ok(dossier.steps, known):
        return None
    for notice in dossier.publicity:
        if notice.end < notice.start:
            return None
    materials = known.materials
    if dossier.overlay is not None:
        from checklists.errors import ChecklistError

        try:
            materials = known.materials_with(known.catalogue.register_overlay(dossier.overlay))
        except ChecklistError:
            return None  # the pydantic path names the overlay's problem
    if dossier.materials and not _materials_ok(dossier.materials, materials, known):
        return None
    return dossier


def with_organisation(dossier: Dossier, rule_set: str | None, overlay: str | dict | None) -> Dossier:
    """The dossier judged as its organisation says now (a pin, an overlay), as the stream does."""
    changes = {}
    if rule_set is not None:
        changes["rule_set"] = rule_set
    if overlay is not None:
        changes["overlay"] = overlay
    return msgspec.structs.replace(dossier, **changes) if changes else dossier


__all__ = ["FORMAT", "Dossier", "read_facts", "with_organisation"]
