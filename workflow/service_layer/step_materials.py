"""The materials of one step, where the step is recorded and reviewed: what the checklist (and the
dossier's overlay) asks for, what is present, what is missing; and several files uploaded at once.

Nothing here decides what is missing. For a recorded step it is the engine's own material gate, the
MATERIAL_MISSING findings of the audit at that step's index (the findings a reviewer's sign-off is
refused on); for a step about to be recorded, the same audit of the dossier with the step added on the
day. A dossier's count of missing materials (its 缺材料 badge) is `documents.completeness`, the list the
archive refuses on. The checklist supplies names, which materials are required and who signs them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from documents.completeness import missing_required_materials
from workflow.audit import audit_dossier, make_context
from workflow.dossier import Dossier, StepEntry
from workflow.errors import FazhanError, InputError
from workflow.service_layer import materials, parts, scope
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store import blobs
from workflow.store.access import Actor

MAX_FILES = 20  # files in one upload
GATE_CODE = "MATERIAL_MISSING"
# Prefilled signers: which recorded fact names the person behind a signer role of the checklist. A
# suggestion the user may change; a role nobody recorded (支部书记, 记录人 …) is left for them to type.
PERSON_ROLES = frozenset({"申请人", "发展对象", "入党积极分子", "预备党员"})
PEOPLE_ROLES = {"培养联系人": "s05_contacts_assigned", "入党介绍人": "s09_introducers_assigned"}


@dataclass
class Line:
    """One material of a step: from the checklist, with the entries present and whether the gate misses it."""

    id: str
    name: str
    required: bool
    signers: list[str]
    present: list[dict] = field(default_factory=list)
    missing: bool = False
    suggested: list[str] = field(default_factory=list)


@dataclass
class StepMaterials:
    step: str
    tracked: bool
    lines: list[Line]

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.lines if line.missing]


def _rules(dossier: Dossier, day: dt.date):
    return make_context(dossier, day).ruleset_for(day)


def _gate(dossier: Dossier, today: dt.date) -> dict[int, set[str]]:
    """The engine's MATERIAL_MISSING findings by step index."""
    if dossier.materials is None:
        return {}
    out: dict[int, set[str]] = {}
    for finding in audit_dossier(dossier, today).findings:
        if finding.code == GATE_CODE and finding.index is not None and finding.subject:
            out.setdefault(finding.index, set()).add(finding.subject)
    return out


def missing_by_index(dossier: Dossier, today: dt.date) -> dict[int, set[str]]:
    return _gate(dossier, today)


def missing_count(dossier: Dossier) -> int:
    """The 缺材料 badge: the required materials the archive would refuse on (none if untracked)."""
    if dossier.materials is None:
        return 0
    return len(missing_required_materials(dossier))


def _suggested(dossier: Dossier, roles: list[str], entry: StepEntry | None, org_names: dict[str, str]) -> list[str]:
    names: list[str] = []
    for role in roles:
        if role in PERSON_ROLES:
            names.append(dossier.person.name)
        elif role == "谈话人" and entry is not None and entry.by:
            names.append(entry.by)
        elif role in PEOPLE_ROLES:
            recorded = [s for s in dossier.steps if s.step == PEOPLE_ROLES[role]]
            if recorded:
                names += [p.name for p in recorded[-1].people or []]
        elif org_names.get(role):
            names.append(org_names[role])
    return list(dict.fromkeys(n for n in names if n))


def step_materials(dossier: Dossier, step_id: str, today: dt.date, *, index: int | None = None,
                   on: dt.date | None = None, org_names: dict[str, str] | None = None,
                   gate: dict[int, set[str]] | None = None) -> StepMaterials:
    """The checklist's materials for one step: of the recorded entry `index`, or of the step about to
    be recorded on `on` (today by default). `org_names` maps 党支部 / 基层党委 to names for signers;
    `gate` is `missing_by_index` when the caller has it already (one audit for a whole page)."""
    tracked = dossier.materials is not None
    if index is None:
        day = on or today
        probe = dossier.model_copy(update={"steps": [*dossier.steps, StepEntry(step=step_id, date=day)]})
        at, entry, gate = len(dossier.steps), None, _gate(probe, max(today, day)) if tracked else {}
    else:
        day, at, entry = dossier.steps[index].date, index, dossier.steps[index]
        gate = gate if gate is not None else _gate(dossier, today)
    rs = _rules(dossier, day)
    required = {m.id for m in rs.required_materials_by_step.get(step_id, [])}
    missing = gate.get(at, set())
    lines = []
    for material in (m for m in rs.materials if m.step == step_id):
        present = [m.model_dump(mode="json", exclude_none=True) for m in dossier.materials or []
                   if m.id == material.id and m.step == step_id]
        if material.id not in required and not present and material.required == "overlay":
            continue  # a material only an overlay asks for, and this one does not
        lines.append(Line(material.id, material.name, material.id in required, list(material.signed_by), present,
                          material.id in missing,
                          _suggested(dossier, list(material.signed_by), entry, org_names or {})))
    return StepMaterials(step_id, tracked, lines)


# ---------------------------------------------------------------- several files at once

@dataclass
class Upload:
    material_id: str
    data: bytes
    declared_type: str | None
    filename: str | None
    signed_by: list[str]
    date: str | None = None


def check_uploads(dossier: Dossier, step_id: str, uploads: list[Upload], *, max_bytes: int, day: dt.date) -> None:
    """Refuses the whole set when any file or its description is wrong, naming each one by material, so
    a form can be refused before anything (its step included) is written."""
    if len(uploads) > MAX_FILES:
        raise InputError(f"一次最多上传 {MAX_FILES} 个文件", code="TOO_MANY_FILES", field="files")
    known = {m.id: m for m in _rules(dossier, day).materials if m.step == step_id}
    problems: list[dict] = []
    for upload in uploads:
        where = f"material:{upload.material_id}"
        if upload.material_id not in known:
            problems.append({"code": "VALUE_INVALID", "field": where, "reason": "该步骤没有这项材料"})
            continue
        try:
            blobs.check_upload(upload.data, upload.declared_type, max_bytes)
            parts.validate_part("materials", _meta(upload, step_id, "0" * 64), dossier)
        except FazhanError as exc:
            for detail in exc.details or [{"reason": exc.message, "code": exc.code}]:
                problems.append({"code": detail.get("code") or exc.code, "field": where,
                                 "reason": f"{upload.filename or known[upload.material_id].name}："
                                           f"{detail.get('reason') or detail.get('message') or exc.message}"})
    if problems:
        raise InputError(problems[0]["reason"], code=problems[0]["code"], field=problems[0]["field"], details=problems)


def _meta(upload: Upload, step_id: str, digest: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": upload.material_id, "step": step_id, "signed_by": upload.signed_by}
    if upload.date:
        meta["date"] = upload.date
    if digest:
        meta["sha256"] = digest
    return meta


def attach_all(uow: UnitOfWork, actor: Actor, dossier_id: str, step_id: str, uploads: list[Upload], *,
               max_bytes: int, day: dt.date) -> list[dict]:
    """Checks every file first (nothing is stored if one is wrong), then attaches each with
    `materials.attach_material`, which checks the role and the archive lock and writes one event a file."""
    _, _, dossier = scope.load_visible(uow, actor, dossier_id)
    check_uploads(dossier, step_id, uploads, max_bytes=max_bytes, day=day)
    return [materials.attach_material(uow, actor, dossier_id, _meta(u, step_id), u.data, declared_type=u.declared_type,
                                     filename=u.filename, max_bytes=max_bytes) for u in uploads]
