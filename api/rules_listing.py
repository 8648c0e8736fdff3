"""The rules as a table a 组织员 can read: rule set, code, severity, step, parameters, article."""
from __future__ import annotations

from pathlib import Path

from rich.table import Table

from api.output import console
from checklists.loader import default_catalogue, load_overlay_file


def _parameters(rule) -> str:
    params = rule.params
    shown = []
    for name, field in type(params).model_fields.items():
        value = getattr(params, name)
        if name in ("step", "steps", "phrases") or value in (None, [], {}):  # phrases: wording, not a figure
            continue
        shown.append(f"{field.alias or name}={value}")
    return "，".join(shown)


def rules_document(rule_set: str | None = None, overlay: str | None = None) -> dict:
    catalogue = default_catalogue()
    key = None
    if overlay:
        key = catalogue.register_overlay(load_overlay_file(overlay) if Path(overlay).suffix == ".toml" else overlay,
                                         file=overlay)
    sets = [catalogue.get(rule_set, key)] if rule_set else [catalogue.get(rs.id, key) for rs in catalogue.ordered()]
    document = {"format": "rules/1", "rule_sets": [{
        "id": rs.id, "title": rs.title, "document": rs.document, "overlay": rs.overlay,
        "in_force_from": rs.in_force_from.isoformat(),
        "in_force_until": rs.in_force_until.isoformat() if rs.in_force_until else None,
        "note": rs.article_note,
        "rules": [{"code": r.code, "severity": r.severity, "kind": r.kind, "steps": [s for s in r.steps if s],
                   "article": r.article, "basis": r.basis, "name": r.name, "parameters": _parameters(r),
                   "overlay": r.overlay} for r in rs.rules],
    } for rs in sets]}
    if len(sets) > 1:
        document["side_by_side"] = side_by_side(sets)
    return document


def side_by_side(sets) -> list[dict]:
    """One row per rule (code and step) and per step: each rule set's article and severity beside the
    others', so that a renumbered or new rule is seen at a glance."""
    rows: dict[tuple, dict] = {}
    for rs in sets:
        for step in rs.steps_in_order:
            row = rows.setdefault(("step", step.id), {"kind": "step", "code": step.id, "steps": [step.id],
                                                      "name": step.name, "by_rule_set": {}})
            row["by_rule_set"][rs.id] = {"article": step.article, "name": step.name}
        for rule in rs.rules:
            steps = [s for s in rule.steps if s]
            variant = tuple(getattr(rule.params, "only_after_events", ()) or ())
            row = rows.setdefault(("rule", rule.code, tuple(steps), variant),
                                  {"kind": "rule", "code": rule.code, "steps": steps, "name": rule.name,
                                   "by_rule_set": {}})
            row["by_rule_set"][rs.id] = {"article": rule.article, "severity": rule.severity, "name": rule.name}
    return list(rows.values())


def rules_table(document: dict) -> None:
    out = console()
    if document.get("side_by_side"):
        ids = [rs["id"] for rs in document["rule_sets"]]
        table = Table(title="各规则集条款对照")
        for column in ("代码／步骤", "步骤", "名称", *[f"{i} 条款" for i in ids]):
            table.add_column(column, overflow="fold")
        for row in document["side_by_side"]:
            cells = []
            for i in ids:
                found = row["by_rule_set"].get(i)
                cells.append("—" if found is None else found["article"] + (
                    f"（{found['severity']}）" if found.get("severity") and found["severity"] != "violation" else ""))
            table.add_row(row["code"] if row["kind"] == "rule" else row["code"].split("_")[0],
                          "、".join(s.split("_")[0] for s in row["steps"]) or "全部", row["name"], *cells)
        out.print(table)
    for rs in document["rule_sets"]:
        title = f"{rs['id']} {rs['title']}（{rs['in_force_from']} 起" + \
                (f"，至 {rs['in_force_until']}）" if rs["in_force_until"] else "）")
        if rs["overlay"]:
            title += f" + 地方细则 {rs['overlay']}"
        table = Table(title=title)
        for column in ("代码", "级别", "步骤", "名称", "参数", "条款", "来源"):
            table.add_column(column, overflow="fold")
        for r in rs["rules"]:
            table.add_row(r["code"], r["severity"], "、".join(s.split("_")[0] for s in r["steps"]) or "全部",
                          r["name"], r["parameters"], r["article"] + (f"；{r['basis']}" if r["basis"] else ""),
                          r["overlay"] or "全国")
        out.print(table)
        if rs["note"]:
            out.print(f"注：{rs['note']}")
