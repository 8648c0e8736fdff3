"""The 卷内目录: every document of one dossier in archive order, with what is still missing.

Order follows 细则第三十七条 and the checklist's `file` column: the 全程纪实表 first (卷首), then the
personal file ① 入党志愿书 … ⑤ 培养教育考察材料 (P1..P5), then what the branch (B) and the committee
(C) keep. A row is a generated form, a material file carried in the bundle, or a paper original
the dossier registers without bytes; required materials the dossier lacks are listed apart, never
hidden. Page numbers are those of the electronic bundle; paper originals get a blank to fill.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from checklists.model import Form, RuleSet
from checklists.step_fields import step_schema
from documents.completeness import MissingMaterial, missing_required_materials
from documents.forms import applicable_forms
from documents.inforce import current_rule_set, rule_set_on
from workflow.dossier import Dossier, MaterialEntry
from workflow.errors import FazhanError
from workflow.machine import derive_state

FRONT_FORMS = ["full_record"]
KIND_LABEL = step_schema().words("material_kind")  # checklists/data/step_fields.toml


@dataclass
class Entry:
    section: str
    title: str
    kind: str
    date: dt.date | None = None
    material: str | None = None
    form: str | None = None
    source: str | None = None
    sha256: str | None = None
    note: str = ""
    path: str | None = None
    pages: int | None = None
    number: int | None = None
    first_page: int | None = None
    last_page: int | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        return out


@dataclass
class Plan:
    entries: list[Entry]
    missing: list[MissingMaterial]
    pending: list[dict] = field(default_factory=list)
    closed: bool = False
    marks: dict[str, str] = field(default_factory=dict)  # section id → how the 卷内目录 names it


def _step_dates(dossier: Dossier) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    for entry in dossier.steps:
        if entry.step not in out or entry.date > out[entry.step]:
            out[entry.step] = entry.date
    return out


def is_closed(dossier: Dossier, rs: RuleSet) -> bool:
    """True when nothing more will be added: the engine's state is not a live one (archived,
    converted, not admitted, withdrawn, transferred out). A dossier the engine cannot replay counts
    as open, so its pending materials stay listed; the audit says why it cannot be replayed."""
    live = {s.id for s in rs.states if s.live}
    try:
        return derive_state(dossier) not in live
    except FazhanError:
        return False


def due_forms(dossier: Dossier, rs: RuleSet | None = None) -> list[Form]:
    """The generated forms an archive bundle holds: the 全程纪实表, and each form whose steps are all
    recorded and whose material the checklist requires (or the dossier registers, or a publicity
    of that kind is recorded)."""
    rs = rs or current_rule_set(dossier)
    dates = _step_dates(dossier)
    registered = {m.id for m in dossier.materials or []}
    publicity = {p.kind for p in dossier.publicity}
    out = []
    for form in applicable_forms(dossier, rs=rs):
        if form.id in FRONT_FORMS:
            out.append(form)
            continue
        if form.id == "archive_catalogue" or not form.steps or not all(s in dates for s in form.steps):
            continue
        material_id = form.material
        material = rule_set_on(dossier, dates[form.steps[-1]]).material_by_id.get(material_id or "")
        kind = material_id.split("_")[0] if material_id and material_id.endswith("_publicity") else None
        if material is None or material.required == "yes" or material_id in registered or kind in publicity:
            out.append(form)
    return out


def plan(dossier: Dossier, rs: RuleSet | None = None, forms: list[Form] | None = None) -> Plan:
    """The catalogue rows (without page numbers) and the missing and still-pending materials."""
    rs = rs or current_rule_set(dossier)
    forms = forms if forms is not None else due_forms(dossier, rs)
    dates = _step_dates(dossier)
    serial = next((e.serial for e in dossier.steps if e.step == "s14_application_form" and e.serial), None)
    registered: dict[str, list[MaterialEntry]] = {}
    for m in dossier.materials or []:
        registered.setdefault(m.id, []).append(m)
    forms_by_material: dict[str, list[Form]] = {}
    for form in forms:
        forms_by_material.setdefault(form.material or "", []).append(form)

    entries: list[Entry] = []
    listed = {m.id for m in rs.materials}
    materials = list(rs.materials) + [m for m in _elsewhere(rs) if m.id in registered and m.id not in listed]
    for form in forms:
        if form.id in FRONT_FORMS:
            entries.append(Entry(section="P", title=form.name, kind="generated", form=form.id,
                                 date=max(dates.values()) if dates else None,
                                 note="系统生成，内嵌 dossier/1 数据"))
    for section in [s.id for s in rs.file_sections]:  # the rule set's archive order (2026: 第三十六条)
        for material in materials:
            if material.file != section or material.id == "archive_catalogue":
                continue
            originals = registered.get(material.id, [])
            paper = [m for m in originals if not (m.file or m.sha256)]
            for form in forms_by_material.get(material.id, []):
                if paper:
                    note = "系统生成；签字原件为纸质"
                elif originals:
                    note = "系统生成；签字原件见下条电子件"
                else:
                    note = "系统生成；签字原件未登记"
                entries.append(Entry(section=section, title=form.name, kind="generated", form=form.id,
                                     material=material.id, date=dates.get(form.steps[-1]) if form.steps else None,
                                     note=note))
            for original in originals:
                title = material.name
                if material.id == "application_form":
                    title = f"{material.name}（编号 {serial}）" if serial else f"{material.name}（编号未登记）"
                if original.file or original.sha256:  # uploaded (the store keeps it by SHA-256) or beside the file
                    entries.append(Entry(section=section, title=title, kind="file", material=material.id,
                                         date=original.date, source=original.file, sha256=original.sha256,
                                         note="电子件"))
                elif not forms_by_material.get(material.id):
                    note = "官方印制，纸质原件" if material.id == "application_form" else "纸质原件"
                    entries.append(Entry(section=section, title=title, kind="paper", material=material.id,
                                         date=original.date, note=note))
    closed = is_closed(dossier, rs)
    pending = []
    if not closed:
        for material in rs.materials:
            if material.step in dates or material.id in registered or material.id == "archive_catalogue":
                continue
            if material.required == "yes":
                step = rs.step_by_id[material.step]
                pending.append({"material": material.id, "name": material.name, "step": material.step,
                                "step_name": step.name, "step_number": step.number, "file": material.file})
    for i, entry in enumerate(entries, start=1):
        entry.number = i
    return Plan(entries=entries, missing=missing_required_materials(dossier), pending=pending, closed=closed,
                marks={s.id: s.mark or s.id for s in rs.file_sections})


def _elsewhere(rs: RuleSet) -> list:
    """Materials other national rule sets define: an uploaded scan of one is carried all the same."""
    from checklists.loader import default_catalogue

    seen, out = {m.id for m in rs.materials}, []
    for other in default_catalogue().national.values():
        for material in other.materials:
            if material.id not in seen:
                seen.add(material.id)
                out.append(material)
    return out


def assign_pages(entries: list[Entry]) -> int:
    """Continuous page numbers over the documents carried in the bundle; returns the total."""
    page = 0
    for entry in entries:
        if entry.pages:
            entry.first_page, entry.last_page = page + 1, page + entry.pages
            page += entry.pages
    return page


def template_context(p: Plan, total_pages: int | None = None) -> dict:
    return {"catalogue": {
        "entries": [{**e.to_dict(), "date": e.date, "section_mark": p.marks.get(e.section, e.section),
                     "kind_label": KIND_LABEL.get(e.kind, e.kind)} for e in p.entries],
        "missing": [{**m.to_dict(), "section_mark": p.marks.get(m.file, m.file)} for m in p.missing],
        "pending": [{**m, "section_mark": p.marks.get(m["file"], m["file"])} for m in p.pending],
        "closed": p.closed,
        "total_pages": total_pages,
    }}
