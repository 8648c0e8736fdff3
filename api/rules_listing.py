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
        if name in ("step", "steps") or value in (None, [], {}):
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
    return {"format": "rules/1", "rule_sets": [{
        "id": rs.id, "title": rs.title, "document": rs.document, "overlay": rs.overlay,
        "in_force_from": rs.in_force_from.isoformat(),
        "in_force_until": rs.in_force_until.isoformat() if rs.in_force_until else None,
        "note": rs.article_note,
        "rules": [{"code": r.code, "severity": r.severity, "kind": r.kind, "steps": [s for s in r.steps if s],
                   "article": r.article, "basis": r.basis, "name": r.name, "parameters": _parameters(r),
                   "overlay": r.overlay} for r in rs.rules],
    } for rs in sets]}


def rules_table(document: dict) -> None:
    out = console()
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
