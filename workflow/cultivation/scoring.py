"""Scoring activists under an assessment scheme, ranking a group, and proposing within the quota.

Pure functions of the scheme and the entries; nothing here stores anything. The arithmetic is
exact (fractions) and rounded only for display, so two people are tied only when they really are.

Per person and period:
- each indicator turns its entries into points on its scale: `direct` (the points entered),
  `rank_bands` (rank r of n → the band holding r/n), `bands` (a measured value → the first band it
  reaches), `per_unit` (the period's quantities summed × points per unit, capped at the scale's
  top), `choice` (an option's points), `vote` (the 民主评议 arithmetic below); a `fact` is only
  recorded, for vetoes;
- a dimension is the weighted mean of its indicators' normalised points on its own scale, plus
  its bonus items (额外加分), capped at its ceiling; the total is the weighted mean of the dimensions
  on the scheme's scale;
- a vote needs its quorum of those expected present (`at_least` or `more_than` the share); `share`
  gives the scale's span times the approving votes over those present (an abstention counts against),
  `mean` the mean of the options' points over the votes cast;
- a veto (一票否决) sets its grade whatever the total and bars the person from being proposed;
- a missing single-valued entry, two entries for one single-valued indicator, or a vote without
  quorum leaves the person incomplete: not graded, not ranked, not proposable, and listed.

Ranking: complete, unvetoed people by total, highest first; equal totals are ordered by the scheme's
`tie_break` dimensions (the higher score there first); people still equal share the position
(1, 2, 2, 4) and are listed by their id. Vetoed people follow, then incomplete ones, without a
position.

Proposal (择优推荐): the quota is the smaller of the scheme's share of the group (rounded down) and the
annual plan's figure when there is one. Only ranked people of a proposable grade may be proposed,
best first; a group sharing a position that does not fit in what is left of the quota is not split
by the program (the branch decides among equals, e.g. by vote), and a proposal naming any one of
them is accepted. A proposal beyond the quota, of someone not eligible, or skipping someone
eligible ranked strictly higher is refused with every reason.
"""
from __future__ import annotations

import math
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from checklists.errors import FazhanError
from checklists.schemes import Dimension, Indicator, Scheme, exact, shown
from workflow.cultivation.entries import RankValue, ScoreEntry, VoteCount
from workflow.cultivation.periods import Period
from workflow.errors import InputError


class ScoreValueError(InputError):
    """An entry whose value cannot be scored by its indicator (wrong type, off the scale, unknown option)."""

    code = "SCORE_VALUE_INVALID"


class ProposalRefused(FazhanError):
    """A proposal beyond the quota, of someone not eligible, or out of rank order; `details` lists all."""

    code = "PROPOSAL_REFUSED"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    indicator: str | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "indicator": self.indicator}


@dataclass(frozen=True)
class IndicatorScore:
    indicator: str
    input: object
    points: Fraction | None
    capped: bool = False
    entries: int = 0


@dataclass(frozen=True)
class VetoHit:
    id: str
    name: str
    grade: str


@dataclass
class PersonScore:
    person: str
    name: str | None
    period: str | None
    indicators: dict[str, IndicatorScore] = field(default_factory=dict)
    dimensions: dict[str, Fraction] = field(default_factory=dict)
    capped_dimensions: list[str] = field(default_factory=list)
    total: Fraction | None = None
    grade: str | None = None
    vetoes: list[VetoHit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems

    def to_dict(self, scheme: Scheme) -> dict:
        def rounded(value):
            return None if value is None else display(value, scheme.decimals)
        return {"person": self.person, "name": self.name, "period": self.period, "total": rounded(self.total),
                "grade": self.grade, "dimensions": {k: rounded(v) for k, v in self.dimensions.items()},
                "indicators": {k: rounded(v.points) for k, v in self.indicators.items()},
                "vetoes": [{"id": v.id, "name": v.name, "grade": v.grade} for v in self.vetoes],
                "problems": [p.to_dict() for p in self.problems]}


def display(value: Fraction, decimals: int) -> str:
    """A score for people: rounded half up to the scheme's decimals (only ever for display)."""
    quantum = Decimal(1).scaleb(-decimals)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum, rounding=ROUND_HALF_UP))


def _number(entry: ScoreEntry, ind: Indicator) -> Fraction:
    if isinstance(entry.value, bool) or not isinstance(entry.value, (int, float)):
        raise ScoreValueError(f"{entry.person} 的“{ind.name}”应记为数值，实为“{entry.value}”",
                              field="value", path=f"{entry.person}.{ind.id}")
    return exact(entry.value)


def _on_scale(value: Fraction, ind: Indicator, entry: ScoreEntry) -> Fraction:
    if not exact(ind.scale.min) <= value <= exact(ind.scale.max):
        raise ScoreValueError(f"{entry.person} 的“{ind.name}”记为 {shown(value)}，超出分值范围 "
                              f"{shown(ind.scale.min)}–{shown(ind.scale.max)}", field="value",
                              path=f"{entry.person}.{ind.id}")
    return value


def _vote_points(entry: ScoreEntry, ind: Indicator, out: PersonScore) -> Fraction | None:
    t, vote = ind.transform, entry.value
    if not isinstance(vote, VoteCount):
        raise ScoreValueError(f"{entry.person} 的“{ind.name}”应记为投票结果（expected、present、votes）",
                              field="value", path=f"{entry.person}.{ind.id}")
    unknown = sorted(set(vote.votes) - set(t.options))
    if unknown:
        raise ScoreValueError(f"{entry.person} 的“{ind.name}”有未知选项 {unknown}，可选：{'、'.join(t.options)}",
                              field="votes", path=f"{entry.person}.{ind.id}")
    share = Fraction(vote.present, vote.expected)
    met = share >= t.quorum_share if t.quorum_rule == "at_least" else share > t.quorum_share
    if not met:
        rule = "不少于" if t.quorum_rule == "at_least" else "超过"
        out.problems.append(Problem("VOTE_NO_QUORUM", f"“{ind.name}”应到 {vote.expected} 人，实到 {vote.present} 人，"
                                                      f"未达到{rule}{t.quorum} 的要求", ind.id))
        return None
    low, high = exact(ind.scale.min), exact(ind.scale.max)
    if t.method == "share":
        approving = sum(vote.votes.get(o, 0) for o in t.approving)
        return low + (high - low) * Fraction(approving, vote.present)
    if vote.cast == 0:
        out.problems.append(Problem("VOTE_EMPTY", f"“{ind.name}”没有有效票", ind.id))
        return None
    return sum((exact(t.points[o]) * n for o, n in vote.votes.items()), Fraction(0)) / vote.cast


def _single(entries: list[ScoreEntry], ind: Indicator, out: PersonScore) -> ScoreEntry | None:
    if not entries:
        out.problems.append(Problem("SCORE_MISSING", f"缺少“{ind.name}”的记分", ind.id))
        return None
    if len(entries) > 1:
        days = "、".join(e.date.isoformat() for e in entries)
        out.problems.append(Problem("SCORE_DUPLICATE", f"“{ind.name}”本期有 {len(entries)} 条记分（{days}），应只有一条",
                                    ind.id))
        return None
    return entries[0]


def _indicator(ind: Indicator, entries: list[ScoreEntry], out: PersonScore) -> IndicatorScore:
    """Points of one indicator (None when they cannot be given; the reason is in out.problems)."""
    t = ind.transform
    if t.kind in ("fact", "per_unit"):
        quantity = sum((Fraction(1) if e.value is None else _number(e, ind) for e in entries), Fraction(0))
        if t.kind == "fact":
            return IndicatorScore(ind.id, quantity, None, entries=len(entries))
        raw = exact(ind.scale.min) + quantity * exact(t.per)
        top = exact(ind.scale.max)
        return IndicatorScore(ind.id, quantity, min(raw, top), capped=raw > top, entries=len(entries))
    if ind.bonus and not entries:
        return IndicatorScore(ind.id, None, exact(ind.scale.min))  # no extra points claimed: none given
    entry = _single(entries, ind, out)
    if entry is None:
        return IndicatorScore(ind.id, None, None, entries=len(entries))
    if t.kind == "direct":
        value = _on_scale(_number(entry, ind), ind, entry)
        return IndicatorScore(ind.id, value, value, entries=1)
    if t.kind == "bands":
        value = _number(entry, ind)
        band = next((b for b in t.bands if value >= exact(b.at_least)), None)
        points = exact(band.points) if band else exact(t.otherwise if t.otherwise is not None else ind.scale.min)
        return IndicatorScore(ind.id, value, points, entries=1)
    if t.kind == "rank_bands":
        if not isinstance(entry.value, RankValue):
            raise ScoreValueError(f"{entry.person} 的“{ind.name}”应记为名次（rank、of）", field="value",
                                  path=f"{entry.person}.{ind.id}")
        percent = Fraction(entry.value.rank * 100, entry.value.of)
        band = next(b for b in t.bands if percent <= exact(b.up_to))
        return IndicatorScore(ind.id, entry.value, exact(band.points), entries=1)
    if t.kind == "choice":
        if entry.value not in t.options:
            raise ScoreValueError(f"{entry.person} 的“{ind.name}”记为“{entry.value}”，可选：{'、'.join(t.options)}",
                                  field="value", path=f"{entry.person}.{ind.id}")
        return IndicatorScore(ind.id, entry.value, exact(t.options[entry.value]), entries=1)
    return IndicatorScore(ind.id, entry.value, _vote_points(entry, ind, out), entries=1)


def _normalised(points: Fraction, low: float, high: float) -> Fraction:
    return (points - exact(low)) / (exact(high) - exact(low))


def _dimension(dim: Dimension, scores: dict[str, IndicatorScore], out: PersonScore) -> Fraction | None:
    weighted = Fraction(0)
    for ind in dim.indicators:
        if ind.scored:
            points = scores[ind.id].points
            if points is None:
                return None
            weighted += _normalised(points, ind.scale.min, ind.scale.max) * exact(ind.weight) / 100
    low, high = exact(dim.scale.min), exact(dim.scale.max)
    value = low + (high - low) * weighted
    bonus = sum((scores[ind.id].points for ind in dim.indicators if ind.bonus), Fraction(0))
    ceiling = exact(dim.ceiling)
    if value + bonus > ceiling:
        out.capped_dimensions.append(dim.id)
        return ceiling
    return value + bonus


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def _vetoes(scheme: Scheme, scores: dict[str, IndicatorScore]) -> list[VetoHit]:
    hits = []
    for veto in scheme.vetoes:
        score = scores.get(veto.indicator)
        if score is None:
            continue
        value = score.points if veto.on == "points" else score.input
        if value is None or isinstance(value, (RankValue, VoteCount)):
            continue
        wanted = veto.value if isinstance(veto.value, str) else exact(veto.value)
        if isinstance(value, str) != isinstance(wanted, str):
            continue
        if _OPS[veto.op](value, wanted):
            hits.append(VetoHit(veto.id, veto.name, veto.grade))
    return hits


def score_person(scheme: Scheme, person: str, entries: list[ScoreEntry], period: Period | None = None) -> PersonScore:
    """One person's score for the period (entries outside it, or of other people, are ignored)."""
    mine = [e for e in entries if e.person == person and (period is None or period.contains(e.date))]
    unknown = sorted({e.indicator for e in mine} - set(scheme.indicator_by_id))
    if unknown:
        raise ScoreValueError(f"{person} 的记分中有方案 {scheme.id} 没有的指标：{'、'.join(unknown)}",
                              code="INDICATOR_UNKNOWN", field="indicator", path=person)
    out = PersonScore(person=person, name=next((e.name for e in mine if e.name), None),
                      period=period.label if period else None)
    by_indicator: dict[str, list[ScoreEntry]] = defaultdict(list)
    for entry in sorted(mine, key=lambda e: (e.date, e.scored_on)):
        by_indicator[entry.indicator].append(entry)
    for dim in scheme.dimensions:
        for ind in dim.indicators:
            out.indicators[ind.id] = _indicator(ind, by_indicator.get(ind.id, []), out)
    total, complete = Fraction(0), True
    for dim in scheme.dimensions:
        value = _dimension(dim, out.indicators, out)
        if value is None:
            complete = False
            continue
        out.dimensions[dim.id] = value
        total += _normalised(value, dim.scale.min, dim.scale.max) * exact(dim.weight) / 100
    out.vetoes = _vetoes(scheme, out.indicators)
    if complete and out.complete:
        low, high = exact(scheme.scale.min), exact(scheme.scale.max)
        out.total = low + (high - low) * total
        out.grade = scheme.grade_for(out.total)
    if out.vetoes:
        names = [g.name for g in scheme.grades]
        out.grade = max((hit.grade for hit in out.vetoes), key=names.index)
    return out


def score_group(scheme: Scheme, entries: list[ScoreEntry], period: Period | None = None,
                people: list[str] | None = None) -> list[PersonScore]:
    """Everyone in `people` (default: everyone with an entry in the period), in the order given or by id."""
    if people is None:
        people = sorted({e.person for e in entries if period is None or period.contains(e.date)})
    return [score_person(scheme, person, entries, period) for person in people]


@dataclass
class RankedRow:
    position: int | None
    score: PersonScore
    eligible: bool
    status: str  # ranked, vetoed, incomplete

    @property
    def person(self) -> str:
        return self.score.person

    def to_dict(self, scheme: Scheme) -> dict:
        return {"position": self.position, "eligible": self.eligible, "status": self.status,
                **self.score.to_dict(scheme)}


def _order_key(scheme: Scheme, score: PersonScore) -> tuple:
    return (-score.total, *(-score.dimensions[d] for d in scheme.proposal.tie_break))


def rank(scheme: Scheme, scores: list[PersonScore]) -> list[RankedRow]:
    """The group's ranking (see the module's docstring for the order and the tie rule)."""
    ranked = sorted((s for s in scores if s.complete and not s.vetoes),
                    key=lambda s: (_order_key(scheme, s), s.person))
    rows, previous, position = [], None, 0
    for i, score in enumerate(ranked):
        key = _order_key(scheme, score)
        if key != previous:
            position, previous = i + 1, key
        rows.append(RankedRow(position, score, score.grade in scheme.proposal.grades, "ranked"))
    vetoed = sorted((s for s in scores if s.vetoes), key=lambda s: (s.total is None, -(s.total or 0), s.person))
    rows += [RankedRow(None, s, False, "vetoed") for s in vetoed]
    rows += [RankedRow(None, s, False, "incomplete")
             for s in sorted((s for s in scores if not s.complete and not s.vetoes), key=lambda s: s.person)]
    return rows


@dataclass(frozen=True)
class Quota:
    limit: int
    group_size: int
    share_limit: int
    plan_limit: int | None

    def basis(self, scheme: Scheme) -> str:
        text = f"{self.group_size} 人的 {shown(scheme.proposal.max_share)}% 为 {self.share_limit} 人"
        if self.plan_limit is not None:
            text += f"，年度计划名额 {self.plan_limit} 人"
        return text


def quota_for(scheme: Scheme, group_size: int, plan_limit: int | None = None) -> Quota:
    """The smaller of the scheme's share of the group (rounded down) and the plan's figure."""
    if group_size < 1:
        raise InputError("人数应至少为 1", code="VALUE_INVALID", field="group_size")
    if plan_limit is not None and plan_limit < 0:
        raise InputError("名额不能为负数", code="VALUE_INVALID", field="quota")
    share = math.floor(Fraction(group_size) * exact(scheme.proposal.max_share) / 100)
    limit = share if plan_limit is None else min(share, plan_limit)
    return Quota(limit=limit, group_size=group_size, share_limit=share, plan_limit=plan_limit)


@dataclass
class Selection:
    quota: Quota
    proposed: list[RankedRow]
    tied_at_boundary: list[RankedRow]

    def to_dict(self, scheme: Scheme) -> dict:
        return {"quota": self.quota.limit, "basis": self.quota.basis(scheme),
                "proposed": [r.person for r in self.proposed],
                "tied_at_boundary": [r.person for r in self.tied_at_boundary]}


def _eligible_groups(rows: list[RankedRow]) -> list[list[RankedRow]]:
    groups: dict[int, list[RankedRow]] = {}
    for row in rows:
        if row.eligible:
            groups.setdefault(row.position, []).append(row)
    return [groups[p] for p in sorted(groups)]


def select_top(ranking: list[RankedRow], quota: Quota) -> Selection:
    """The best eligible people within the quota; an equal group that does not fit is left to the branch."""
    proposed: list[RankedRow] = []
    for group in _eligible_groups(ranking):
        room = quota.limit - len(proposed)
        if room <= 0:
            break
        if len(group) > room:
            return Selection(quota, proposed, group)
        proposed += group
    return Selection(quota, proposed, [])


def _why_not(scheme: Scheme, row: RankedRow) -> str:
    label = f"{row.score.name or row.person}（{row.person}）"
    if row.status == "vetoed":
        return f"{label}被一票否决：{'、'.join(v.name for v in row.score.vetoes)}"
    if row.status == "incomplete":
        return f"{label}的考核不完整：{'；'.join(p.message for p in row.score.problems)}"
    return f"{label}的等次为“{row.score.grade}”，只有{'、'.join(scheme.proposal.grades)}可以推荐"


def check_proposal(scheme: Scheme, ranking: list[RankedRow], quota: Quota, chosen: list[str]) -> list[RankedRow]:
    """The chosen rows, if the proposal is within the quota, of eligible people, in rank order; else
    ProposalRefused with every reason (codes QUOTA_EXCEEDED, NOT_ELIGIBLE, RANK_SKIPPED, …)."""
    by_person = {row.person: row for row in ranking}
    reasons: list[dict] = []
    if len(set(chosen)) != len(chosen):
        twice = sorted({p for p in chosen if chosen.count(p) > 1})
        reasons.append({"code": "PROPOSAL_DUPLICATE", "reason": f"重复推荐：{'、'.join(twice)}"})
    if len(set(chosen)) > quota.limit:
        reasons.append({"code": "QUOTA_EXCEEDED",
                        "reason": f"推荐 {len(set(chosen))} 人，超过名额 {quota.limit} 人（{quota.basis(scheme)}）"})
    rows = []
    for person in dict.fromkeys(chosen):
        row = by_person.get(person)
        if row is None:
            reasons.append({"code": "PERSON_UNKNOWN", "subject": person, "reason": f"排名中没有 {person}"})
        elif not row.eligible:
            reasons.append({"code": "NOT_ELIGIBLE", "subject": person, "reason": _why_not(scheme, row)})
        else:
            rows.append(row)
    if rows:
        worst = max(row.position for row in rows)
        skipped = [row for row in ranking if row.eligible and row.position < worst and row.person not in chosen]
        if skipped:
            names = "、".join(f"{r.score.name or r.person}（第 {r.position} 名）" for r in skipped)
            reasons.append({"code": "RANK_SKIPPED",
                            "reason": f"择优推荐应按排名：排名更前且符合条件的 {names} 未被推荐"})
    if reasons:
        raise ProposalRefused("不能按此推荐：" + "；".join(r["reason"] for r in reasons), code=reasons[0]["code"],
                              field="proposed", details=reasons)
    return rows
