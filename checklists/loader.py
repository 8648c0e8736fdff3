"""Loads rule sets and local overlays from TOML, validates them, and applies overlays.

An overlay entry that names a national code tightens that rule wherever the rule set has it (a
code only 2026.05 has is left alone under 2014); an entry with a `kind` of its own adds a rule.

An overlay may only tighten: every parameter it sets is compared with the national value in the
direction its kind declares, severities may only rise, a required material may not be dropped.
Anything else is refused here, at load, with the rule, the parameter and both values named.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from checklists.errors import ChecklistError
from checklists.kinds import KIND_PARAMS, is_stricter_or_equal
from checklists.model import (
    SEVERITY_RANK,
    CaseEvent,
    FileSection,
    Form,
    Material,
    Outcome,
    Probation,
    ProcedureOrder,
    Rule,
    RuleSet,
    Stage,
    State,
    Step,
)

DATA_DIR = Path(__file__).parent / "data"
RULESET_DIR = DATA_DIR / "rulesets"
OVERLAY_DIR = DATA_DIR / "overlays"
_RULE_WORDS = {"code", "kind", "severity", "article", "name", "message", "basis", "checked_at"}
_REQUIRED_RANK = {"overlay": 0, "when_used": 1, "yes": 2}


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ChecklistError(f"找不到文件 {path}", code="CHECKLIST_NOT_FOUND", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"TOML 格式错误：{exc}", code="CHECKLIST_SYNTAX", file=str(path)) from None


def _loc(prefix: str, loc: tuple) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _validation(exc: ValidationError, file: str, prefix: str) -> ChecklistError:
    first = exc.errors()[0]
    path = _loc(prefix, first["loc"])
    return ChecklistError(f"{path}：{first['msg']}", file=file, path=path,
                          details=[{"path": _loc(prefix, e["loc"]), "reason": e["msg"]} for e in exc.errors()])


def _build_rule(raw: dict, file: str, path: str, rule_set: str, overlay: str | None = None) -> Rule:
    kind = raw.get("kind")
    if kind not in KIND_PARAMS:
        raise ChecklistError(f"{path}.kind：未知的规则类型“{kind}”", file=file, path=f"{path}.kind")
    params_raw = {k: v for k, v in raw.items() if k not in _RULE_WORDS}
    try:
        params = KIND_PARAMS[kind].model_validate(params_raw)
        words = {k: raw[k] for k in _RULE_WORDS if k in raw}
        return Rule(params=params, rule_set=rule_set, overlay=overlay, **words)
    except ValidationError as exc:
        raise _validation(exc, file, path) from None


_ARTICLE_FREE = ("", "流程图", "材料清单", "一步一审", "一人一档、一步一审")


def _patch(items: list[dict], changes: list[dict], key: str, what: str, file: str) -> None:
    """Applies `*_changes` entries to the inherited rows with the same `key`. A rule change may name
    a `step` to pick one of several rules with the same code; otherwise it patches all of them."""
    for i, change in enumerate(changes):
        pick = change.get("step") if key == "code" else None
        matched = [item for item in items if item.get(key) == change.get(key)
                   and (pick is None or item.get("step") == pick or pick in item.get("steps", ()))]
        if not matched:
            raise ChecklistError(f"{what}[{i}]：上级规则集中没有 {change.get(key)}", file=file,
                                 path=f"{what}[{i}].{key}")
        update = {k: v for k, v in change.items() if k != key and not (key == "code" and k == "step")}
        for item in matched:
            item.update(update)
            if "article" in update:
                item.pop("_inherited", None)


def _merge_national(child: dict, parent: dict, file: str = "") -> dict:
    """A rule set that `extends` another inherits everything, then says what it changes.

    `rules` replace every inherited rule with the same code (a code is redefined wholly);
    `rule_changes`, `step_changes`, `material_changes` and `form_changes` patch inherited rows.
    Every inherited rule and step that cites an article must be restated with the child's own
    article: a revised text renumbers its articles, and borrowing the old number is refused.
    """
    merged = {k: v for k, v in parent.items() if k not in ("in_force_until",)}
    for key, value in child.items():
        if key in ("rules", "rule_changes", "step_changes", "material_changes", "form_changes", "extends"):
            continue
        merged[key] = value
    redefined = {rule["code"] for rule in child.get("rules", [])}
    rules = [{**r, "_inherited": True} for r in parent.get("rules", []) if r["code"] not in redefined]
    rules += [dict(rule) for rule in child.get("rules", [])]
    _patch(rules, child.get("rule_changes", []), "code", "rule_changes", file)
    steps = [{**s, "_inherited": True} for s in parent.get("steps", [])]
    _patch(steps, child.get("step_changes", []), "id", "step_changes", file)
    materials = [dict(m) for m in parent.get("materials", [])]
    _patch(materials, child.get("material_changes", []), "id", "material_changes", file)
    forms = [dict(f) for f in parent.get("forms", [])]
    _patch(forms, child.get("form_changes", []), "id", "form_changes", file)
    borrowed = [f"rules: {r['code']}（{r['article']}）" for r in rules
                if r.get("_inherited") and r.get("article", "") not in _ARTICLE_FREE]
    borrowed += [f"steps: {s['id']}（{s['article']}）" for s in steps
                 if s.get("_inherited") and s.get("article", "") not in _ARTICLE_FREE]
    if borrowed:
        raise ChecklistError(f"规则集 {child.get('id')} 沿用了上级规则集的条款号，应写明本规则集自己的条款："
                             + "；".join(borrowed), code="CHECKLIST_ARTICLE_BORROWED", file=file,
                             details=[{"reason": b} for b in borrowed])
    for row in (*rules, *steps):
        row.pop("_inherited", None)
    merged.update(rules=rules, steps=steps, materials=materials, forms=forms)
    return merged


def _check_references(rs: RuleSet, file: str) -> None:
    steps = rs.step_by_id
    states = {s.id for s in rs.states}
    problems = []
    for i, step in enumerate(rs.steps):
        for req in step.requires:
            if req not in steps:
                problems.append(f"steps[{i}].requires：未知步骤 {req}")
        if step.enters_state and step.enters_state not in states:
            problems.append(f"steps[{i}].enters_state：未知状态 {step.enters_state}")
    for i, rule in enumerate(rs.rules):
        for step in rule.steps:
            if step is not None and step not in steps:
                problems.append(f"rules[{i}]（{rule.code}）：未知步骤 {step}")
        for ref in ("from_", "source"):
            value = getattr(rule.params, ref, None)
            if value and value not in steps and value != "probation_end":
                problems.append(f"rules[{i}]（{rule.code}）：未知步骤 {value}")
    sections = {s.id for s in rs.file_sections}
    for i, material in enumerate(rs.materials):
        if material.step not in steps:
            problems.append(f"materials[{i}]：未知步骤 {material.step}")
        if material.file not in sections:
            problems.append(f"materials[{i}].file：未知档案分区 {material.file}")
    for i, form in enumerate(rs.forms):
        if form.material and form.material not in rs.material_by_id:
            problems.append(f"forms[{i}].material：未知材料 {form.material}")
    for key in ("starts_with", "decided_by", "approved_by", "first_cycle_step"):
        if getattr(rs.probation, key) not in steps:
            problems.append(f"probation.{key}：未知步骤 {getattr(rs.probation, key)}")
    for i, outcome in enumerate(rs.outcomes):
        if outcome.dest not in states:
            problems.append(f"outcomes[{i}]：未知状态 {outcome.dest}")
    if problems:
        raise ChecklistError("；".join(problems), file=file, details=[{"reason": p} for p in problems])


def _build_ruleset(data: dict, file: str) -> RuleSet:
    rid = str(data.get("id", ""))
    try:
        rules = [_build_rule(r, file, f"rules[{i}]", rid) for i, r in enumerate(data.get("rules", []))]
        rs = RuleSet(
            id=rid, title=data["title"], document=data["document"], issued=data["issued"],
            in_force_from=data["in_force_from"], in_force_until=data.get("in_force_until"),
            article_note=data.get("article_note"), probation=Probation(**data["probation"]),
            procedure_order=ProcedureOrder(**data["procedure_order"]),
            states=[State(**s) for s in data["states"]], stages=[Stage(**s) for s in data["stages"]],
            steps=[Step(**s) for s in data["steps"]], outcomes=[Outcome(**o) for o in data.get("outcomes", [])],
            case_events=[CaseEvent(**c) for c in data.get("case_events", [])], rules=rules,
            materials=[Material(**m) for m in data["materials"]],
            file_sections=[FileSection(**f) for f in data["file_sections"]],
            forms=[Form(**f) for f in data["forms"]], words=data.get("words", {}),
            approving_bodies=data.get("approving_bodies", {}),
        )
    except ValidationError as exc:
        raise _validation(exc, file, "") from None
    except KeyError as exc:
        raise ChecklistError(f"缺少必填项 {exc.args[0]}", file=file, path=str(exc.args[0])) from None
    _check_references(rs, file)
    return rs


@lru_cache(maxsize=None)
def _national_raw(rule_set_id: str) -> tuple[dict, str]:
    path = RULESET_DIR / f"{rule_set_id}.toml"
    data = _read_toml(path)
    if "extends" in data:
        parent, _ = _national_raw(data["extends"])
        data = _merge_national(data, parent, str(path))
    return data, str(path)


def national_ids() -> list[str]:
    return sorted(p.stem for p in RULESET_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def load_national(rule_set_id: str) -> RuleSet:
    if rule_set_id not in national_ids():
        raise ChecklistError(f"未知的规则集“{rule_set_id}”，可用：{'、'.join(national_ids())}",
                             code="RULESET_UNKNOWN", field="rule_set")
    data, file = _national_raw(rule_set_id)
    return _build_ruleset(data, file)


def overlay_names() -> list[str]:
    return sorted(p.stem for p in OVERLAY_DIR.glob("*.toml"))


def read_overlay(name: str) -> tuple[dict, str]:
    path = OVERLAY_DIR / f"{name}.toml"
    if not path.exists():
        raise ChecklistError(f"未知的地方细则“{name}”，可用：{'、'.join(overlay_names()) or '无'}",
                             code="OVERLAY_UNKNOWN", field="overlay")
    return _read_toml(path), str(path)


def _tighten_rule(national: Rule, raw: dict, overlay_id: str, file: str, path: str) -> Rule:
    if raw.get("kind", national.kind) != national.kind:
        raise ChecklistError(f"{path}：地方细则不能改变规则 {national.code} 的类型（{national.kind}）",
                             code="OVERLAY_LOOSENS", file=file, path=path)
    severity = raw.get("severity", national.severity)
    if SEVERITY_RANK.get(severity, -1) < SEVERITY_RANK[national.severity]:
        raise ChecklistError(
            f"地方细则 {overlay_id} 放宽了全国规则 {national.code}（{national.rule_set}）的 severity："
            f"全国为 {national.severity}，地方为 {severity}", code="OVERLAY_LOOSENS", file=file,
            path=f"{path}.severity", field="severity")
    merged = national.params.model_dump(by_alias=True)
    merged.update({k: v for k, v in raw.items() if k not in _RULE_WORDS})
    candidate = _build_rule({**{w: getattr(national, w) for w in _RULE_WORDS if getattr(national, w) is not None},
                             **{k: v for k, v in raw.items() if k in _RULE_WORDS}, "severity": severity,
                             **merged}, file, path, national.rule_set, overlay_id)
    schema = type(national.params).model_fields
    for name, field in schema.items():
        extra = field.json_schema_extra or {}
        old, new = getattr(national.params, name), getattr(candidate.params, name)
        if "stricter" in extra:
            if not is_stricter_or_equal(extra["stricter"], old, new):
                raise ChecklistError(
                    f"地方细则 {overlay_id} 放宽了全国规则 {national.code}（{national.rule_set}）的 "
                    f"{field.alias or name}：全国为 {old}，地方为 {new}", code="OVERLAY_LOOSENS",
                    file=file, path=f"{path}.{field.alias or name}", field=field.alias or name)
        elif old != new:
            raise ChecklistError(
                f"地方细则 {overlay_id} 不能改变全国规则 {national.code} 的 {field.alias or name}"
                f"（全国为 {old}，地方为 {new}）", code="OVERLAY_LOOSENS", file=file,
                path=f"{path}.{field.alias or name}", field=field.alias or name)
    return candidate


_OVERLAY_KEYS = {"id", "name", "document", "applies_to", "rules", "materials", "material_changes", "review",
                 "league", "pairing"}


def _review_options(overlay: dict, file: str) -> dict:
    """`[review] same_branch = true` lets a reviewer of the branch itself sign off (一步一审 still holds:
    never the recorder). It is the one organisational option an overlay has besides rules."""
    review = overlay.get("review", {})
    if not isinstance(review, dict) or set(review) - {"same_branch"}:
        raise ChecklistError("review 只能包含 same_branch", file=file, path="review", field="review")
    if not isinstance(review.get("same_branch", False), bool):
        raise ChecklistError("review.same_branch 应为 true 或 false", file=file, path="review.same_branch",
                             field="same_branch")
    return {"review_same_branch": review.get("same_branch", False)}


def apply_overlay(base: RuleSet, overlay: dict, file: str) -> RuleSet:
    """The rule set `base` with `overlay` applied; refuses any loosening."""
    overlay_id = str(overlay.get("id") or "").strip()
    if not overlay_id:
        raise ChecklistError("地方细则缺少 id", file=file, path="id", field="id")
    unknown = sorted(set(overlay) - _OVERLAY_KEYS)
    if unknown:
        raise ChecklistError(f"地方细则中有无法识别的项：{'、'.join(unknown)}", file=file, path=unknown[0],
                             field=unknown[0])
    options = _review_options(overlay, file)
    if "league" in overlay:  # the 推优 policy (checklists/league.py): refused here if it loosens
        from checklists.league import overlay_policy

        overlay_policy(overlay, file)
    if "pairing" in overlay:  # the pairing scheme and load limit (checklists/pairing.py): likewise
        from checklists.pairing import overlay_policy as pairing_policy

        pairing_policy(overlay, file)
    applies = overlay.get("applies_to")
    if applies and base.id not in applies:
        return base.model_copy(update=options)
    rules = list(base.rules)
    for i, raw in enumerate(overlay.get("rules", [])):
        path = f"rules[{i}]"
        if "code" not in raw:
            raise ChecklistError(f"{path}：缺少 code", file=file, path=path, field="code")
        step = raw.get("step")
        matches = [j for j, r in enumerate(rules) if r.code == raw["code"] and (step is None or step in r.steps)]
        if matches:
            for j in matches:
                rules[j] = _tighten_rule(rules[j], raw, overlay_id, file, path)
        elif "kind" in raw:
            rules.append(_build_rule(raw, file, path, base.id, overlay_id))
        elif not any(r["code"] == raw["code"] for rs_id in national_ids() for r in _national_raw(rs_id)[0]["rules"]):
            raise ChecklistError(f"{path}：全国规则中没有 {raw['code']}；新增规则须写明 kind 及其参数",
                                 file=file, path=f"{path}.code", field="code")
    materials = list(base.materials)
    for i, raw in enumerate(overlay.get("materials", [])):
        try:
            material = Material(**raw)
        except (ValidationError, TypeError) as exc:
            raise ChecklistError(f"materials[{i}]：{exc}", file=file, path=f"materials[{i}]") from None
        if material.id in base.material_by_id:
            raise ChecklistError(f"materials[{i}]：材料 {material.id} 已存在，请用 material_changes",
                                 file=file, path=f"materials[{i}].id")
        materials.append(material)
    for i, change in enumerate(overlay.get("material_changes", [])):
        path = f"material_changes[{i}]"
        found = [j for j, m in enumerate(materials) if m.id == change.get("id")]
        if not found:
            raise ChecklistError(f"{path}：未知材料 {change.get('id')}", file=file, path=f"{path}.id")
        current = materials[found[0]]
        wanted = change.get("required", current.required)
        if _REQUIRED_RANK.get(wanted, -1) < _REQUIRED_RANK[current.required]:
            raise ChecklistError(
                f"地方细则 {overlay_id} 放宽了材料 {current.id} 的要求：全国为 {current.required}，地方为 {wanted}",
                code="OVERLAY_LOOSENS", file=file, path=f"{path}.required", field="required")
        materials[found[0]] = current.model_copy(update={"required": wanted})
    result = base.model_copy(update={"rules": rules, "materials": materials, "overlay": overlay_id,
                                     "overlay_name": overlay.get("name", overlay_id), **options})
    result.__dict__.pop("rules_by_step", None)
    for cached in ("step_by_id", "step_index", "steps_in_order", "descendants", "material_by_id",
                   "rules_by_step", "rule_by_code",
                   "required_materials_by_step", "dependants"):
        result.__dict__.pop(cached, None)
    _check_references(result, file)
    return result


class Catalogue:
    """Every national rule set and the overlays applied to them, each built once and cached."""

    def __init__(self) -> None:
        self.national = {rid: load_national(rid) for rid in national_ids()}
        self._applied: dict[tuple[str, str], RuleSet] = {}
        self._overlays: dict[str, tuple[dict, str]] = {}
        self._ordered = sorted(self.national.values(), key=lambda rs: rs.in_force_from)
        self._choices: dict[tuple[str | None, str | None], dict[dt.date, RuleSet]] = {}

    def ordered(self) -> list[RuleSet]:
        return self._ordered

    def in_force(self, day: dt.date) -> RuleSet:
        chosen = self._ordered[0]
        for rs in self._ordered:
            if rs.in_force_from <= day:
                chosen = rs
        return chosen

    def choices(self, pin: str | None, overlay_key: str | None) -> dict[dt.date, RuleSet]:
        """A memo of day -> rule set for one pin and overlay, shared by every audit that uses them."""
        key = (pin, overlay_key)
        memo = self._choices.get(key)
        if memo is None:
            memo = self._choices[key] = {}
        return memo

    def register_overlay(self, overlay: dict | str, file: str = "<inline>") -> str:
        """Loads an overlay by name or as an object, checks it against every rule set, returns its key."""
        if isinstance(overlay, str):
            if overlay in self._overlays:
                return overlay
            data, file = read_overlay(overlay)
            key = overlay
        else:
            data = overlay
            key = "inline:" + hashlib.sha256(json.dumps(overlay, sort_keys=True, ensure_ascii=False,
                                                        default=str).encode()).hexdigest()[:16]
            if key in self._overlays:
                return key
        for rid, rs in self.national.items():
            self._applied[(rid, key)] = apply_overlay(rs, data, file)
        self._overlays[key] = (data, file)
        return key

    def get(self, rule_set_id: str, overlay_key: str | None = None) -> RuleSet:
        if rule_set_id not in self.national:
            raise ChecklistError(f"未知的规则集“{rule_set_id}”，可用：{'、'.join(self.national)}",
                                 code="RULESET_UNKNOWN", field="rule_set")
        if overlay_key is None:
            return self.national[rule_set_id]
        return self._applied[(rule_set_id, overlay_key)]


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The process's catalogue: read from the copy an earlier process kept when code and rule sets are
    unchanged, else built from the TOML (checklists/catalogue_cache.py says when a copy is trusted)."""
    from checklists.catalogue_cache import cached

    return cached(Catalogue, RULESET_DIR)


def load_overlay_file(path: str | Path) -> dict:
    """Reads an overlay file and checks it against every national rule set (raises if it loosens)."""
    path = Path(path)
    data = _read_toml(path)
    for rs in default_catalogue().national.values():
        apply_overlay(rs, data, str(path))
    return data


