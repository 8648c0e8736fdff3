"""Words for every value a page shows: a step's recorded fields, side facts, case events and history.

Values come as the dossier stores them (`qualified`, `convert`, `candidate`, a material id); a person
reads the words the printed forms use (documents.labels) or the checklist's own names (steps, materials,
case events, approving bodies, states). Nothing is ever shown raw: a value with no word is shown as
"—" when empty and as "（未识别）" when it is a code nobody named, so a page never prints "None" or an
identifier. The probation end and the day 党龄 counts from are the engine's (DossierView), not derived
here.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from documents import labels as words
from workflow.dossier import Dossier
from workflow.machine import machine_for
from workflow.view import DossierView

FIELD_NAMES = {"date": "日期", "recorded_by": "记录人", "reviewed_by": "审核人", "reviewed_on": "审核日期",
               "by": "谈话人", "nomination": "推荐方式", "people": "人员", "conclusion": "政治审查结论",
               "start": "培训开始日期", "days": "培训天数", "hours": "培训学时", "exception": "未参加培训的特殊情况",
               "result": "预审结果", "serial": "入党志愿书编号", "votes": "表决情况", "special_reason": "特殊原因",
               "outcome": "会议结果", "extend_months": "延长预备期月数", "party_standing_from": "党龄起算日",
               "committee_meeting_on": "党支部委员会会议日期", "approving_body": "审批组织", "collective": "集中宣誓",
               "warning_reason": "提醒事项说明"}
HIDDEN_FIELDS = ("step", "review_source", "paper_review", "archive_correction")
CHANGE_EVENT_NAMES = {"change_proposed": "提出事项（待审核）", "change_returned": "事项被退回",
                      "assessment_corrected": "更正考察", "assessment_withdrawn": "撤销考察",
                      "publicity_corrected": "更正公示", "publicity_withdrawn": "撤销公示",
                      "thought_report_corrected": "更正思想汇报", "thought_report_withdrawn": "撤销思想汇报",
                      "case_transferred_in": "预备党员转入"}
FACT_NAMES = {"assessments": "考察", "publicity": "公示", "thought_reports": "思想汇报"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$|^[A-Z][A-Z0-9_]*$")


def unknown(value: Any) -> str:
    """A value nobody named: free text is shown as typed, a code is not."""
    if value is None or value == "":
        return "—"
    text = str(value)
    return "（未识别）" if _CODE.match(text) else text


def outcome_name(step_id: str, value: Any) -> str:
    table = words.CONVERSION_OUTCOME if step_id.startswith("s23") else words.ADMISSION_OUTCOME
    return table.get(value, unknown(value)) if value else "—"


def field_value(step_id: str, key: str, value: Any, dossier: Dossier | None = None) -> str:
    """One recorded field of a step, in words."""
    if value is None or value == "" or value == []:
        return "—"
    if key == "conclusion":
        return words.CONCLUSION.get(value, unknown(value))
    if key == "result":
        return words.PRE_REVIEW.get(value, unknown(value))
    if key == "outcome":
        return outcome_name(step_id, value)
    if key == "nomination":
        return "、".join(words.NOMINATION.get(v, unknown(v)) for v in value)
    if key == "people":
        return "、".join(_person(p) for p in value)
    if key == "votes":
        from api.web.views import VOTE_FIELDS
        return "；".join(f"{label} {value[name]}" for name, label in VOTE_FIELDS if value.get(name) is not None)
    if key == "approving_body":
        kinds = machine_for(dossier).rule_set.approving_bodies if dossier is not None else {}
        kind = kinds.get(value.get("type"), "") if isinstance(value, dict) else ""
        return f"{value.get('name') or '—'}{'（' + kind + '）' if kind else ''}" if isinstance(value, dict) else "—"
    if key == "collective":
        return "是" if value else "否"
    if key == "extend_months":
        return f"{value} 个月"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "—"
    return unknown(value) if isinstance(value, str) and _CODE.match(value) and key not in (
        "by", "serial", "exception", "special_reason", "warning_reason", "recorded_by", "reviewed_by") else str(value)


def _person(p: dict) -> str:
    status = words.MEMBER_STATUS.get(p.get("status"), "")
    extra = "，".join(x for x in (status, p.get("discipline") or "",
                                 f"影响期至 {p['discipline_until']}" if p.get("discipline_until") else "") if x)
    return f"{p.get('name') or '—'}{'（' + extra + '）' if extra else ''}"


def entry_rows(entry: dict, dossier: Dossier | None = None) -> list[tuple[str, str]]:
    """(field name, value in words) for every recorded field a person should read."""
    step_id = entry.get("step", "")
    return [(FIELD_NAMES.get(key, "其他"), field_value(step_id, key, value, dossier))
            for key, value in entry.items() if key not in HIDDEN_FIELDS and key in FIELD_NAMES]


def assessment(item: dict) -> str:
    period = words.ASSESSMENT_PERIOD.get(item.get("period"), unknown(item.get("period")))
    parts = [str(item.get("date") or "—"), period]
    if item.get("by"):
        parts.append(f"考察人 {item['by']}")
    if item.get("result"):
        parts.append(f"结果 {item['result']}")
    return " · ".join(parts)


def publicity(item: dict) -> str:
    kind = words.PUBLICITY_KIND.get(item.get("kind"), unknown(item.get("kind")))
    text = f"{kind}公示 · {item.get('start') or '—'} 至 {item.get('end') or '—'}"
    return text + (f" · {item['result']}" if item.get("result") else "")


def fact(key: str, item: dict | None) -> str:
    if not item:
        return "（撤销）"
    if key == "assessments":
        return assessment(item)
    if key == "publicity":
        return publicity(item)
    return f"思想汇报 · {item.get('date') or '—'}"


def case_event_name(dossier: Dossier | None, kind: str | None) -> str:
    events = machine_for(dossier).rule_set.case_events if dossier is not None else []
    return next((e.name for e in events if e.id == kind), words.CASE_EVENT.get(kind or "", unknown(kind)))


def event_name(kind: str) -> str:
    from api.web.views import EVENT_NAMES
    return EVENT_NAMES.get(kind) or CHANGE_EVENT_NAMES.get(kind) or "其他操作"


def key_dates(dossier: Dossier, today: dt.date) -> dict:
    """The probation end in force (extensions counted) and the day 党龄 counts from: the one s24
    recorded, else, for a case still in probation, the probation end the engine's rule will expect."""
    rs = machine_for(dossier, today).rule_set
    view = DossierView(dossier, rs)
    ends = view.probation_ends()
    end = ends[-1] if ends else None
    approved = [s for s in dossier.steps if s.step == rs.probation.approved_by and s.party_standing_from]
    standing = approved[-1].party_standing_from if approved else None
    return {"probation_end": end, "party_standing_from": standing or end, "standing_recorded": standing is not None}
