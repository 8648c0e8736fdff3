"""View models of the web pages: what each step's form asks, where a finding is shown, the timeline.

Nothing here decides whether a step is allowed: the timeline reads the engine's plan, refusals come
from the engine's findings, and this module only chooses where on the page each one is shown.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from checklists.loader import default_catalogue
from checklists.model import RuleSet
from workflow import engine
from workflow.audit import make_context
from workflow.dossier import Dossier
from workflow.errors import FazhanError, StepRefused
from workflow.machine import machine_for, procedure_machine
from workflow.plan import DossierPlan, NextStep

ROLE_NAMES = {"organiser": "组织员", "reviewer": "审核人", "auditor": "审计", "archivist": "档案管理员",
              "admin": "管理员"}
LEVEL_NAMES = {"committee": "党委", "general_branch": "党总支", "branch": "党支部"}
SEVERITY_NAMES = {"violation": "不符合规定", "warning": "提醒", "info": "提示"}
NOMINATIONS = [("party_members", "党员推荐"), ("league", "团组织推优"), ("mass_organisation", "其他群团组织推优")]
MEMBER_STATUS = [("full", "正式党员"), ("probationary", "预备党员")]
OUTCOME_NAMES = {"passed": "通过（接收为预备党员）", "rejected": "未通过（不予接收）",
                 "convert": "按期转为正式党员", "extend": "延长预备期", "cancel": "取消预备党员资格"}
EVENT_NAMES = {"created": "建立档案", "imported": "导入档案", "step_recorded": "记录步骤", "step_reviewed": "审核通过",
               "step_corrected": "更正步骤", "step_returned": "审核退回", "material_attached": "上传材料",
               "assessment_added": "记录考察", "publicity_added": "记录公示", "thought_report_added": "记录思想汇报",
               "case_withdraw": "本人撤回", "case_not_admitted": "未予接收", "case_transfer_out": "组织关系转出",
               "case_transfer_in": "组织关系转入", "reimported": "重新导入", "paper_reviews_confirmed": "确认纸质审核记录"}
VOTE_FIELDS = [("expected", "应到会有表决权的正式党员"), ("present", "实到会有表决权的正式党员"), ("yes", "赞成（到会）"),
               ("no", "反对（到会）"), ("abstain", "弃权（到会）"), ("written_yes", "书面赞成（未到会）"),
               ("written_no", "书面反对（未到会）")]
DATE_LABELS = {"s01_application": "收到入党申请书日期", "s02_applicant_talk": "谈话日期",
               "s06_activist_cultivation": "培养考察结束日期", "s11_training": "培训结束日期",
               "s15_admission_meeting": "支部大会日期", "s23_conversion_meeting": "支部大会日期",
               "s21_probation_education": "考察结束日期"}
PEOPLE_ROWS = 3

# Which part of a step's form a finding is shown next to, by the kind of rule that raised it.
_SLOT_BY_KIND = {"min_age": "date", "max_gap": "date", "min_gap": "date", "date_order": "date",
                 "future_date": "date", "publicity": "date", "periodic_assessment": "date",
                 "before_leaving": "date", "thought_reports": "date", "nomination": "nomination",
                 "people": "people", "training": "training", "quorum": "votes", "vote": "votes",
                 "extension": "outcome", "party_standing": "party_standing_from",
                 "discipline_period": "people", "approver": "approving_organisation_id"}
_SLOT_BY_FIELD = {"start": "training", "days": "training", "hours": "training", "exception": "training",
                  "extend_months": "outcome", "votes": "votes", "people": "people", "nomination": "nomination",
                  "name": "people", "status": "people", "discipline": "people", "discipline_until": "people",
                  "member_id": "people",
                  "committee_meeting_on": "committee_meeting_on", "approving_body": "approving_organisation_id",
                  "approving_organisation_id": "approving_organisation_id",
                  "league_recommendation_id": "nomination"}


def ruleset(dossier: Dossier | None = None, today: dt.date | None = None) -> RuleSet:
    """The steps (names, order, prerequisites) a dossier follows: 2014 or 2026.05 (workflow.procedure)."""
    return machine_for(dossier, today).rule_set if dossier is not None else procedure_machine().rule_set


def rules_for(dossier: Dossier, day: dt.date) -> RuleSet:
    return make_context(dossier, day).ruleset_for(day)


def step_slots(step_id: str) -> list[str]:
    """The parts of the form for one step, in page order ("date" first, "reason" last)."""
    slots = ["date"]
    if step_id in ("s02_applicant_talk", "s16_committee_talk"):
        slots.append("by")
    slots += {"s03_activist_determined": ["nomination"], "s05_contacts_assigned": ["people"],
              "s09_introducers_assigned": ["people"], "s10_political_review": ["conclusion"],
              "s11_training": ["training"], "s13_pre_review": ["result"], "s14_application_form": ["serial"],
              "s08_candidate_filed": ["committee_meeting_on"], "s20_oath": ["collective"],
              "s15_admission_meeting": ["votes", "outcome"],
              "s17_admission_approved": ["approving_organisation_id", "special_reason"],
              "s23_conversion_meeting": ["votes", "outcome"],
              "s24_conversion_approved": ["approving_organisation_id", "party_standing_from"]}.get(step_id, [])
    return slots


# ---------------------------------------------------------------- form values <-> step entries

def _number(text: str, kind=int) -> Any:
    text = text.strip()
    try:
        value = kind(text)
    except ValueError:
        return text  # the engine names what is wrong with it
    if kind is float:
        if not math.isfinite(value):
            return text
        if value == int(value):
            return int(value)
    return value


def entry_from_form(step_id: str, form: dict[str, Any]) -> dict:
    """The `dossier/1` step entry the user typed; empty fields are left out, text is passed as typed."""
    entry: dict[str, Any] = {"step": step_id, "date": form.get("date", "").strip()}
    slots = step_slots(step_id)

    def text(name: str) -> None:
        value = form.get(name, "").strip()
        if value:
            entry[name] = value

    if "by" in slots:
        text("by")
    if "nomination" in slots:
        entry["nomination"] = [v for v in form.get("nomination_list", [])]
        league = form.get("league_recommendation_id", "").strip()
        if league:  # a 推优 record chosen: the store checks it is this person's and valid on the day
            entry["league_recommendation_id"] = int(league) if league.isdigit() and len(league) <= 12 else league[:40]
    if "people" in slots:
        people = []
        for i in range(PEOPLE_ROWS):
            member = form.get(f"people-{i}-member", "").strip()
            if member.isdigit() and len(member) <= 12:  # chosen from the roster: its data, as of the step's date
                people.append({"member_id": int(member)})
                continue
            name = form.get(f"people-{i}-name", "").strip()  # typed (a client posting the old form)
            if not name:
                continue
            person = {"name": name, "status": form.get(f"people-{i}-status", "full")}
            discipline = form.get(f"people-{i}-discipline", "").strip()
            person["discipline"] = discipline or None
            until = form.get(f"people-{i}-discipline_until", "").strip()
            if until:
                person["discipline_until"] = until
            people.append(person)
        entry["people"] = people
    if "conclusion" in slots:
        text("conclusion")
    if "training" in slots:
        text("start")
        text("exception")
        for name in ("days", "hours"):
            if form.get(name, "").strip():
                entry[name] = _number(form[name], float)
    if "result" in slots:
        text("result")
    if "serial" in slots:
        text("serial")
    if "votes" in slots:
        votes = {}
        for name, _ in VOTE_FIELDS:
            value = form.get(f"votes.{name}", "").strip()
            if value:
                votes[name] = _number(value)
        entry["votes"] = votes
    if "outcome" in slots:
        text("outcome")
        if form.get("extend_months", "").strip():
            entry["extend_months"] = _number(form["extend_months"])
    if "special_reason" in slots:
        text("special_reason")
    if "party_standing_from" in slots:
        text("party_standing_from")
    if "committee_meeting_on" in slots:
        text("committee_meeting_on")
    if "collective" in slots and form.get("collective"):
        entry["collective"] = True
    if "approving_organisation_id" in slots and form.get("approving_organisation_id", "").strip().isdigit():
        entry["approving_organisation_id"] = int(form["approving_organisation_id"])
    return entry


def form_from_entry(entry: dict) -> dict:
    """The form values of a recorded step (to correct it)."""
    form: dict[str, Any] = {}
    for key in ("date", "by", "conclusion", "start", "exception", "result", "serial", "outcome", "special_reason",
                "party_standing_from", "committee_meeting_on", "collective"):
        if entry.get(key) is not None:
            form[key] = str(entry[key])
    for key in ("days", "hours", "extend_months"):
        if entry.get(key) is not None:
            value = entry[key]
            form[key] = str(int(value)) if isinstance(value, float) and value == int(value) else str(value)
    form["nomination_list"] = list(entry.get("nomination") or [])
    if entry.get("league_recommendation_id") is not None:
        form["league_recommendation_id"] = str(entry["league_recommendation_id"])
    for i, person in enumerate(entry.get("people") or []):
        if person.get("member_id") is not None:
            form[f"people-{i}-member"] = str(person["member_id"])
        form[f"people-{i}-name"] = person.get("name", "")
        form[f"people-{i}-status"] = person.get("status", "full")
        form[f"people-{i}-discipline"] = person.get("discipline") or ""
        form[f"people-{i}-discipline_until"] = person.get("discipline_until") or ""
    for name, value in (entry.get("votes") or {}).items():
        form[f"votes.{name}"] = str(value)
    return form


# ---------------------------------------------------------------- where each problem is shown

@dataclass
class Problem:
    message: str
    code: str
    severity: str = "violation"
    article: str = ""
    rule_name: str = ""


def problems_by_slot(exc: FazhanError, step_id: str, slots: list[str], dossier: Dossier,
                     day: dt.date | None) -> dict[str, list[Problem]]:
    """Every finding or input problem of a refusal, keyed by the part of the form it concerns."""
    out: dict[str, list[Problem]] = {}
    rs = rules_for(dossier, day or dt.date.today())
    for detail in exc.details or [{"message": exc.message, "code": exc.code, "field": exc.field,
                                   "path": exc.path}]:
        if "severity" in detail:  # an engine finding
            rule = rs.rule_by_code.get(detail["code"])
            slot = "_general"
            if detail.get("step") == step_id and rule is not None:
                slot = _SLOT_BY_KIND.get(rule.kind, "_general")
                if rule.kind == "required_fields" and detail.get("subject"):
                    slot = _SLOT_BY_FIELD.get(detail["subject"], detail["subject"])
            problem = Problem(detail.get("message", ""), detail["code"], detail["severity"],
                              detail.get("article") or (rule.article if rule else ""), rule.name if rule else "")
        else:  # malformed input: the path names the field
            path = (detail.get("path") or "").removeprefix("$.").removeprefix("$")
            head = path.split(".")[0].split("[")[0] if path else (detail.get("field") or "")
            slot = _SLOT_BY_FIELD.get(head, head) or "_general"
            reason = detail.get("reason") or detail.get("message") or exc.message
            problem = Problem(reason, detail.get("code") or exc.code)
        if slot not in slots:
            slot = "_general"
        out.setdefault(slot, []).append(problem)
    return out


# ---------------------------------------------------------------- the 25-step timeline

@dataclass
class TimelineItem:
    status: str  # reviewed | waiting | available | blocked | not_yet
    index: int | None = None
    entry: dict | None = None
    earliest: dt.date | None = None
    deadline: dt.date | None = None
    deadline_rule: str = ""
    reasons: list[str] = field(default_factory=list)
    returned: list[dict] = field(default_factory=list)
    warning_reason: str | None = None


@dataclass
class TimelineStep:
    id: str
    number: int
    name: str
    actor: str
    items: list[TimelineItem]


@dataclass
class TimelineStage:
    number: int
    name: str
    steps: list[TimelineStep]


STATUS_NAMES = {"reviewed": "已审核", "waiting": "待审核", "available": "可办理", "blocked": "受阻",
                "not_yet": "未到"}


def rule_label(rs: RuleSet, code: str | None) -> str:
    """"名称（规则集 条款）"; a code the given rule set lacks is looked up in the other national sets."""
    rule = rs.rule_by_code.get(code or "")
    if rule is None:
        rule = next((other.rule_by_code[code] for other in default_catalogue().national.values()
                     if code in other.rule_by_code), None)
    if rule is None:
        return code or ""
    return f"{rule.name}（{rule.rule_set or rs.id}{' ' + rule.article if rule.article else ''}）"


def rule_names(dossier: Dossier, codes: list[str], day: dt.date) -> list[str]:
    rs = rules_for(dossier, day)
    return [rs.rule_by_code[c].name if c in rs.rule_by_code else c for c in codes]


def blocked_reasons(dossier: Dossier, item: NextStep, today: dt.date) -> list[str]:
    """The engine's own words for what blocks a step, by trying it on its earliest possible day."""
    rs = rules_for(dossier, max(item.earliest, today))
    on = max(item.earliest, today)
    try:
        engine.record_step(dossier, {"step": item.step, "date": on.isoformat()}, max(today, on))
    except StepRefused as exc:
        messages = [d["message"] for d in exc.details if d.get("code") in item.blocked_by]
        if messages:
            return list(dict.fromkeys(messages))
    except FazhanError:
        pass
    return [rule_label(rs, code) for code in item.blocked_by]


def returns_by_index(events: list[dict]) -> dict[int, list[dict]]:
    """Send-backs still standing: those after the step's latest recording or correction."""
    out: dict[int, list[dict]] = {}
    for event in events:
        info = event.get("info") or {}
        index = info.get("index")
        if not isinstance(index, int):
            continue
        if event["kind"] in ("step_recorded", "step_corrected", "step_reviewed"):
            out.pop(index, None)
        elif event["kind"] == "step_returned":
            out.setdefault(index, []).append({"by": event["actor"], "at": event["at"][:10],
                                              "comment": info.get("comment", "")})
    return out


def timeline(dossier: Dossier, plan: DossierPlan, today: dt.date, events: list[dict]) -> list[TimelineStage]:
    rs = ruleset(dossier, today)
    returned = returns_by_index(events)
    next_by_step = {n.step: n for n in plan.next}
    stages = []
    for stage in rs.stages:
        steps = []
        for step in (s for s in rs.steps_in_order if s.stage == stage.number):
            items = []
            for index, entry in enumerate(dossier.steps):
                if entry.step != step.id:
                    continue
                data = entry.model_dump(mode="json", exclude_none=True)
                items.append(TimelineItem("reviewed" if entry.reviewed_by else "waiting", index=index, entry=data,
                                          returned=returned.get(index, []), warning_reason=entry.warning_reason))
            planned = next_by_step.get(step.id)
            if planned is not None:
                deadline_rule = rule_label(rules_for(dossier, planned.deadline), planned.deadline_code) \
                    if planned.deadline else ""
                if planned.blocked_by:
                    items.append(TimelineItem("blocked", earliest=planned.earliest, deadline=planned.deadline,
                                              deadline_rule=deadline_rule,
                                              reasons=blocked_reasons(dossier, planned, today)))
                else:
                    items.append(TimelineItem("available", earliest=planned.earliest, deadline=planned.deadline,
                                              deadline_rule=deadline_rule))
            if not items:
                items.append(TimelineItem("not_yet"))
            steps.append(TimelineStep(step.id, step.number, step.name, step.actor, items))
        stages.append(TimelineStage(stage.number, stage.name, steps))
    return stages


def stage_of_state(state: str) -> int | None:
    """The stage a dossier's state belongs to (candidate spans stages 3 and 4: the last step decides)."""
    return {"new": 1, "applicant": 1, "activist": 2, "candidate": 3, "probationary": 5, "full_member": 5}.get(state)


def current_stage(dossier: Dossier) -> int:
    rs = ruleset(dossier)
    done = [rs.step_by_id[s.step].stage for s in dossier.steps if s.step in rs.step_by_id]
    return max(done, default=1)
