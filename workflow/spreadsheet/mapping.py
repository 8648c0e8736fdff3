"""A spreadsheet row (plus its detail rows) ↔ a plain `dossier/1` dict.

Reading builds the dict and, beside it, a map from every JSON path it wrote to the cell that
supplied it; `parse_dossier` then judges the dict (every field rule lives there, once) and any
error it reports is carried back to a sheet, row and column through that map. Writing is the
inverse, used for exports and to prove the two directions agree.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

from checklists.loader import default_catalogue
from checklists.step_fields import FieldSpec, step_schema
from workflow.errors import InputError
from workflow.spreadsheet.columns import (
    ASSESSMENT_STEP,
    CATALOGUE_RULE_SET,
    GENDER,
    PEOPLE_PARTS,
    PUBLICITY_STEP,
    SECOND_CYCLE,
    main_schema,
    people_slots,
)
from workflow.spreadsheet.reader import CellRef, Row

_PERSON_FIELDS = ("name", "gender", "birth_date", "id_number", "ethnicity", "education", "organisation",
                  "league_member", "expected_leave_date", "mobile")
_SPREAD_TYPES = ("people", "votes", "approving_body")
"""Field types spread over several columns (`field.part`); every other type is one column."""


def _fields(step_id: str) -> tuple[FieldSpec, ...]:
    return step_schema().for_step(step_id).fields


def _steps():
    return default_catalogue().get(CATALOGUE_RULE_SET).steps


def short(step_id: str) -> str:
    return step_id.split("_")[0]


def stable_id(person: dict) -> str:
    """The same person gets the same id on every import: from the ID number, else name+birth+organisation.

    The ID number is personal data, so only a hash of it goes into the id.
    """
    def norm(value) -> str:
        return unicodedata.normalize("NFKC", str(value or "")).replace(" ", "").upper()

    if person.get("id_number"):
        basis = "id:" + norm(person["id_number"])
    else:
        basis = "|".join(("p", norm(person.get("name")), norm(person.get("birth_date")), norm(person.get("organisation"))))
    return "R-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


class Provenance(dict):
    """JSON path → the cell behind it; `cell_for` finds the nearest recorded ancestor of a path.

    A column the sheet does not have leaves no entry, so its errors land on the nearest one that exists.
    """

    def __setitem__(self, path: str, cell: CellRef | None) -> None:
        if cell is not None:
            super().__setitem__(path, cell)

    def cell_for(self, path: str | None) -> CellRef | None:
        while path:
            if path in self:
                return self[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else None
        return None


def _step_entry(values: dict, cells: dict, prefix: str, step_id: str, path: str, prov: Provenance) -> dict | None:
    """The step's entry from the columns `prefix.*`, or None when nothing of it is filled in."""
    key = lambda name: f"{prefix}.{name}"  # noqa: E731
    date_key = key("date")
    filled = [k for k in values if k.startswith(prefix + ".") and not k.startswith(
        (key("assessments"), key("publicity")))]
    if not filled:
        return None
    entry: dict = {"step": step_id}
    if date_key in values:
        entry["date"] = values[date_key]
    prov[path] = cells.get(date_key)
    prov[f"{path}.date"] = cells.get(date_key)
    for spec in _fields(step_id):
        name = spec.key
        if spec.type == "people":
            _read_people(values, cells, key, spec, f"{path}.{name}", entry, prov)
        elif spec.type in _SPREAD_TYPES:
            parts = ("name", "type") if spec.type == "approving_body" else tuple(c.key for c in step_schema().votes)
            found = {part: values[key(f"{name}.{part}")] for part in parts if key(f"{name}.{part}") in values}
            if found:
                entry[name] = found
                for part in parts:
                    prov[f"{path}.{name}.{part}"] = cells.get(key(f"{name}.{part}"))
                # a problem of the whole (the body's type, the quorum) is shown at its telling column
                prov[f"{path}.{name}"] = cells.get(key(f"{name}.{'type' if spec.type == 'approving_body' else 'present'}"))
        elif key(name) in cells:
            prov[f"{path}.{name}"] = cells.get(key(name))
            if key(name) in values:
                entry[name] = values[key(name)]
    return entry


def _read_people(values: dict, cells: dict, key, spec: FieldSpec, path: str, entry: dict, prov: Provenance) -> None:
    """The people a step names, one per filled slot of columns (slot i: `name.i.part`)."""
    name = spec.key
    people = []
    for i in range(1, people_slots(spec) + 1):
        slot = {f: values[key(f"{name}.{i}.{f}")] for f in PEOPLE_PARTS if key(f"{name}.{i}.{f}") in values}
        if not slot:
            continue
        j = len(people)
        for f in PEOPLE_PARTS:
            if key(f"{name}.{i}.{f}") in cells:
                prov[f"{path}[{j}].{f}"] = cells.get(key(f"{name}.{i}.{f}"))
        prov[f"{path}[{j}]"] = cells.get(key(f"{name}.{i}.name"))
        if slot.get("discipline") in ("无", "没有"):
            slot["discipline"] = None
        people.append(slot)
    if people:
        entry[name] = people
        prov[path] = cells.get(key(f"{name}.1.name"))


def _missing_date(entry: dict, cells: dict, prefix: str) -> list:
    if "date" in entry:
        return []
    cell = cells.get(f"{prefix}.date")
    return [cell.error("DATE_REQUIRED", "填写了本步骤的内容，但没有填日期", "")]


def row_to_dossier(row: Row, details: dict[str, list[Row]]) -> tuple[dict, Provenance, list]:
    """The `dossier/1` dict of one main row and its detail rows, its provenance, and mapping errors."""
    values, cells = row.values, row.cells
    prov = Provenance()
    errors = []
    person = {name: values.get(f"person.{name}") for name in _PERSON_FIELDS}
    for name in _PERSON_FIELDS:
        prov[f"$.person.{name}"] = cells.get(f"person.{name}")
    prov["$.person"] = cells.get("person.name")
    dossier: dict = {"format": "dossier/1", "id": values.get("id") or stable_id(person),
                     "rule_set": values.get("rule_set"), "overlay": values.get("overlay"), "person": person}
    for name in ("id", "rule_set", "overlay"):
        prov[f"$.{name}"] = cells.get(name)
    recorded_by, reviewed_by = values.get("review.recorded_by"), values.get("review.reviewed_by")
    overrides = {r.values["step"]: r for r in details.get("reviews", []) if "step" in r.values}
    steps: list[dict] = []
    # the archiving step (the data's `archives`) closes the case: after the extended probation's steps
    plan = [(s.id, short(s.id), 1) for s in _steps() if not s.archives]
    plan += [(s.id, "c2." + short(s.id), 2) for s in _steps() if s.probation_cycle]
    plan += [(s.id, short(s.id), 1) for s in _steps() if s.archives]
    for step_id, prefix, cycle in plan:
        path = f"$.steps[{len(steps)}]"
        entry = _step_entry(values, cells, prefix, step_id, path, prov)
        if entry is None:
            continue
        errors += _missing_date(entry, cells, prefix)
        review = overrides.pop((step_id, cycle), None)
        if review is not None:
            for name in ("recorded_by", "reviewed_by", "reviewed_on"):
                if name in review.values:
                    entry[name] = review.values[name]
                prov[f"{path}.{name}"] = review.cells.get(name)
        else:
            if recorded_by:
                entry["recorded_by"] = recorded_by
            if reviewed_by:
                entry["reviewed_by"] = reviewed_by
            prov[f"{path}.recorded_by"] = cells.get("review.recorded_by")
            prov[f"{path}.reviewed_by"] = cells.get("review.reviewed_by")
        steps.append(entry)
    for review in overrides.values():
        errors.append(review.row_error("STEP_NOT_RECORDED", "纪实表中没有这一步骤的日期，无法对应审核记录",
                                       "step"))
    dossier["steps"] = steps
    assessments = []
    for period in ASSESSMENT_STEP:
        key = f"{short(ASSESSMENT_STEP[period])}.assessments.{period}"
        for day in values.get(key, []):
            prov[f"$.assessments[{len(assessments)}]"] = cells.get(key)
            assessments.append({"date": day, "period": period})
    dossier["assessments"] = assessments
    dossier["thought_reports"] = [{"date": d} for d in values.get("thought_reports", [])]
    for i in range(len(dossier["thought_reports"])):
        prov[f"$.thought_reports[{i}]"] = cells.get("thought_reports")
    publicity = []
    for kind, step_id in PUBLICITY_STEP.items():
        base = f"{short(step_id)}.publicity.{kind}"
        inflow = {f: values[f"{base}.inflow.{f}"] for f in ("start", "end") if f"{base}.inflow.{f}" in values}
        for place, prefix in ((None, base), ("inflow", f"{base}.inflow")):
            notice = {f: values[f"{prefix}.{f}"] for f in ("start", "end") if f"{prefix}.{f}" in values}
            if not notice:
                continue
            path = f"$.publicity[{len(publicity)}]"
            prov[path] = cells.get(f"{prefix}.start")
            prov[f"{path}.start"], prov[f"{path}.end"] = cells.get(f"{prefix}.start"), cells.get(f"{prefix}.end")
            if place == "inflow" or inflow:
                notice["place"] = place or "outflow"  # 流动人员: the main columns are the 流出地 notice
            if f"{base}.result" in values:
                notice["result"] = values[f"{base}.result"]
            publicity.append({"kind": kind, **notice})
    dossier["publicity"] = publicity
    materials = details.get("materials", [])
    if materials:
        dossier["materials"] = []
        for detail in materials:
            path = f"$.materials[{len(dossier['materials'])}]"
            for name, cell in detail.cells.items():
                prov[f"{path}.{'id' if name == 'material' else name}"] = cell
            prov[path] = detail.cells["material"]
            dossier["materials"].append(_material(detail.values))
    events = details.get("events", [])
    if events:
        dossier["case_events"] = []
        for detail in events:
            path = f"$.case_events[{len(dossier['case_events'])}]"
            for name, cell in detail.cells.items():
                prov[f"{path}.{name}"] = cell
            prov[path] = detail.cells["kind"]
            dossier["case_events"].append({k: detail.values.get(k) for k in ("kind", "date", "reason", "organisation")})
    return dossier, prov, errors


def _material(values: dict) -> dict:
    material_id = values.get("material")
    step = values["step"][0] if "step" in values else None
    if step is None:
        for rs in default_catalogue().national.values():
            if material_id in rs.material_by_id:
                step = rs.material_by_id[material_id].step
                break
    signers = [s.strip() for s in str(values.get("signed_by") or "").replace(",", "、").replace("，", "、").split("、")]
    return {"id": material_id, "step": step, "date": values.get("date"), "signed_by": [s for s in signers if s],
            "sha256": values.get("sha256") or None, "file": values.get("file")}


# ---- writing -------------------------------------------------------------------------------------

def _field_cells(spec: FieldSpec, value, prefix: str, step_id: str, fail) -> dict[str, object]:
    """The cells of one recorded field, by its type: words for values, dates as dates."""
    columns = main_schema().by_key
    key = f"{prefix}.{spec.key}"
    if spec.type == "date":
        return {key: _day(value)}
    if spec.type == "bool":
        return {key: _label_of(columns[key].choices, "true" if value else "false")}
    if spec.type == "choice":
        return {key: _label_of(columns[key].choices, value)}
    if spec.type == "choices":
        return {key: "、".join(str(_label_of(columns[key].choices, v)) for v in value)}
    if spec.type == "votes":
        return {f"{key}.{part}": count for part, count in value.items()}
    if spec.type == "approving_body":
        return {f"{key}.name": value.get("name"),
                f"{key}.type": _label_of(columns[f"{key}.type"].choices, value.get("type"))}
    if spec.type == "people":
        if len(value) > people_slots(spec):
            raise fail(f"步骤 {step_id} 有 {len(value)} 人，表格只有 {people_slots(spec)} 栏")
        cells: dict[str, object] = {}
        for i, ref in enumerate(value, start=1):
            slot = f"{key}.{i}"
            cells[f"{slot}.name"] = ref.get("name")
            cells[f"{slot}.status"] = _label_of(columns[f"{slot}.status"].choices, ref.get("status"))
            if ref.get("discipline"):
                if f"{slot}.discipline" not in columns:
                    raise fail(f"步骤 {step_id} 的人员受处分情况在表格中没有栏目")
                cells[f"{slot}.discipline"] = ref["discipline"]
                if ref.get("discipline_until"):
                    cells[f"{slot}.discipline_until"] = _day(ref["discipline_until"])
        return cells
    return {key: value}


def _label_of(choices: dict[str, str], value) -> object:
    for label, machine in choices.items():
        if machine == value:
            return label
    return value


def _day(value) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


class Unrepresentable(InputError):
    """A dossier with something the one-row-per-person sheet has no place for."""

    code = "SPREADSHEET_UNREPRESENTABLE"


def dossier_to_rows(dossier: dict) -> tuple[dict[str, object], dict[str, list[dict[str, object]]]]:
    """The main-row cells (by column key) and the detail rows of one `dossier/1` dict."""
    did = dossier["id"]
    fail = lambda message: Unrepresentable(message, file=did)  # noqa: E731
    person = dossier["person"]
    row: dict[str, object] = {"id": did, "rule_set": dossier.get("rule_set"),
                              "overlay": dossier.get("overlay") if isinstance(dossier.get("overlay"), str) else None}
    if isinstance(dossier.get("overlay"), dict):
        raise fail("内嵌的地方细则无法写入表格，请改用地方细则名称")
    for name in _PERSON_FIELDS:
        value = person.get(name)
        if name in ("birth_date", "expected_leave_date"):
            value = _day(value)
        elif name in ("league_member", "mobile") and value is not None:
            value = "是" if value else "否"
        elif name == "gender":
            value = _label_of(GENDER, value)
        row[f"person.{name}"] = value
    steps = dossier.get("steps", [])
    pairs = {(s.get("recorded_by"), s.get("reviewed_by")) for s in steps}
    uniform = len(pairs) <= 1 and not any(s.get("reviewed_on") for s in steps)
    if uniform and pairs:
        row["review.recorded_by"], row["review.reviewed_by"] = next(iter(pairs))
    reviews: list[dict] = []
    seen: dict[str, int] = {}
    probation = {s.id for s in _steps() if s.probation_cycle}
    for entry in steps:
        step_id = entry["step"]
        cycle = seen[step_id] = seen.get(step_id, 0) + 1
        if cycle > (2 if step_id in probation else 1):
            raise fail(f"步骤 {step_id} 出现第 {cycle} 次，表格每人只有一行，放不下")
        prefix = ("c2." if cycle == 2 else "") + short(step_id)
        row[f"{prefix}.date"] = _day(entry["date"])
        for spec in _fields(step_id):
            if entry.get(spec.key) not in (None, [], {}):
                row.update(_field_cells(spec, entry[spec.key], prefix, step_id, fail))
        if not uniform and any(entry.get(k) for k in ("recorded_by", "reviewed_by", "reviewed_on")):
            reviews.append({"id": did, "step": (SECOND_CYCLE if cycle == 2 else "") + f"{int(short(step_id)[1:]):02d}",
                            "recorded_by": entry.get("recorded_by"), "reviewed_by": entry.get("reviewed_by"),
                            "reviewed_on": _day(entry.get("reviewed_on"))})
    for period, step_id in ASSESSMENT_STEP.items():
        days = [a["date"] for a in dossier.get("assessments", []) if a["period"] == period]
        if days:
            row[f"{short(step_id)}.assessments.{period}"] = "；".join(days)
    if dossier.get("thought_reports"):
        row["thought_reports"] = "；".join(t["date"] for t in dossier["thought_reports"])
    slots = [(p["kind"], p.get("place") == "inflow") for p in dossier.get("publicity", [])]
    for notice in dossier.get("publicity", []):
        slot = (notice["kind"], notice.get("place") == "inflow")
        if slots.count(slot) > 1 or (slot[1] and notice["kind"] != "candidate"):
            raise fail(f"{notice['kind']} 公示有 {slots.count(slot)} 次，表格只有一栏")
        base = f"{short(PUBLICITY_STEP[notice['kind']])}.publicity.{notice['kind']}"
        if notice.get("result") and notice["kind"] == "candidate":
            row[f"{base}.result"] = notice["result"]
        if slot[1]:
            base += ".inflow"
        row[f"{base}.start"], row[f"{base}.end"] = _day(notice["start"]), _day(notice["end"])
    materials = [{"id": did, "material": _material_label(m["id"]), "step": f"{int(short(m['step'])[1:]):02d}",
                  "date": _day(m.get("date")), "signed_by": "、".join(m.get("signed_by") or []),
                  "sha256": m.get("sha256"), "file": m.get("file")} for m in dossier.get("materials") or []]
    events = [{"id": did, "kind": _event_label(e["kind"]), "date": _day(e["date"]), "reason": e.get("reason"),
               "organisation": e.get("organisation")} for e in dossier.get("case_events") or []]
    unknown = set(row) - set(main_schema().by_key)
    assert not unknown, unknown
    return row, {"materials": materials, "reviews": reviews, "events": events}


def _material_label(material_id: str) -> str:
    for rs in default_catalogue().national.values():
        if material_id in rs.material_by_id:
            return rs.material_by_id[material_id].name
    return material_id


def _event_label(kind: str) -> str:
    for event in default_catalogue().get(CATALOGUE_RULE_SET).case_events:
        if event.id == kind:
            return event.name
    return kind
