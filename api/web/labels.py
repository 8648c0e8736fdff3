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

from checklists.step_fields import step_schema
from documents import labels as words
from workflow.dossier import Dossier
from workflow.machine import machine_for
from workflow.view import DossierView

_SCHEMA = step_schema()
FIELD_NAMES = {key: spec.label for key, spec in _SCHEMA.fields.items()}
"""A recorded field's name on the pages (checklists/data/step_fields.toml `fields`)."""
HIDDEN_FIELDS = ("step", "review_source", "paper_review", "archive_correction")
FREE_TEXT_FIELDS = frozenset(key for key, spec in _SCHEMA.fields.items() if spec.type == "text")
"""Fields typed by a person: shown as typed even when they look like a code."""
EVENT_NAMES = _SCHEMA.words("history_event")
"""Every entry of a dossier's history, recorded by the system or proposed and reviewed by people."""
FACT_NAMES = _SCHEMA.words("side_record")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$|^[A-Z][A-Z0-9_]*$")


def unknown(value: Any) -> str:
    """A value nobody named: free text is shown as typed, a code is not."""
    if value is None or value == "":
        return "—"
    text = str(value)
    return "（未识别）" if _CODE.match(text) else text


def outcome_name(step_id: str, value: Any) -> str:
    """The outcome a deciding step recorded, in the words of that step's own table."""
    table = _SCHEMA.field_table(step_id, "outcome")
    if not value:
        return "—"
    return (table.label(value) if table else None) or unknown(value)


def field_value(step_id: str, key: str, value: Any, dossier: Dossier | None = None) -> str:
    """One recorded field of a step, in words: a choice by the step's value table (step_fields.toml)."""
    if value is None or value == "" or value == []:
        return "—"
    spec = _SCHEMA.fields.get(key)
    kind = spec.type if spec is not None else None
    if kind == "choice":
        table = _SCHEMA.field_table(step_id, key)
        return (table.label(value) if table else None) or unknown(value)
    if kind == "choices":
        table = _SCHEMA.field_table(step_id, key)
        return "、".join((table.label(v) if table else None) or unknown(v) for v in value)
    if kind == "people":
        return "、".join(_person(p) for p in value)
    if kind == "votes":
        return "；".join(f"{count.label} {value[count.key]}" for count in _SCHEMA.votes
                        if value.get(count.key) is not None)
    if kind == "approving_body":
        bodies = machine_for(dossier).rule_set.approving_bodies if dossier is not None else {}
        body = bodies.get(value.get("type"), "") if isinstance(value, dict) else ""
        return f"{value.get('name') or '—'}{'（' + body + '）' if body else ''}" if isinstance(value, dict) else "—"
    if kind == "bool":
        return _SCHEMA.table(spec.values or "yes_no").label("true" if value else "false")
    if key == "extend_months":
        return f"{value} 个月"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "—"
    return unknown(value) if isinstance(value, str) and _CODE.match(value) and key not in FREE_TEXT_FIELDS \
        else str(value)


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
    return EVENT_NAMES.get(kind) or "其他操作"


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
