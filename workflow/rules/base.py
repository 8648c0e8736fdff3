"""Building findings from a rule and what an evaluator found."""
from __future__ import annotations

import datetime as dt
from string import Formatter

from checklists.model import Rule, RuleSet
from workflow.findings import Finding, fill
from workflow.rules.templates import PREPARED as _prepared, message_template
from workflow.view import Occurrence

_DATE = dt.date


class _IsoTexts(dict):
    """Each date already written as ISO text, `_ISO[day]`: `date.isoformat` formats through sprintf,
    and a finding writes two or three dates (the audit of many dossiers, the same few thousand days).
    A miss writes it (`__missing__`); the memory is bounded: emptied when full."""

    __slots__ = ()

    def __missing__(self, day: dt.date) -> str:
        if len(self) >= 65536:
            self.clear()
        found = self[day] = day.isoformat()
        return found


_ISO = ISO_TEXTS = _IsoTexts()
"""`ISO_TEXTS[day]` is `day.isoformat()` (also read by workflow.rules.templates' phrase writers)."""


def iso(day: dt.date) -> str:
    """`day.isoformat()`, remembered."""
    return _ISO[day]


def text(value) -> str:
    if value is None:
        return "未记录"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _generic(template: str, step_name: str, step_id: str | None, fields: dict, day) -> str:
    """The message the general way: the fixed fields and the evaluator's (each written as text) in
    one mapping, `format_map`; a field the template names and nobody gave is shown as written
    (findings.fill). What every prepared message (`_prepared_message`) writes too."""
    values = {"step_name": step_name, "step": step_id or ""}
    if day is not None:
        values["date"] = _ISO[day]
    for key, value in fields.items():
        kind = type(value)
        values[key] = value if kind is str else _ISO[value] if kind is _DATE else text(value)
    try:
        return template.format_map(values)
    except KeyError:
        return fill(template, values)


def plain_fields(template: str) -> list[tuple[str, str | None]] | None:
    """[(literal text, field name or None)] of a template whose every field is a plain name (no
    conversion, format spec, index or attribute), read as `str.format_map` reads it; None for any
    other template (or one it cannot read), which is then filled the general way."""
    try:
        parts = list(Formatter().parse(template))
    except ValueError:
        return None
    for _, name, spec, conversion in parts:
        if name is not None and (not name.isidentifier() or spec or conversion):
            return None
    return [(literal, name) for literal, name, _, _ in parts]


def fstring_piece(text: str) -> str:
    """`text` as a piece of an f-string's source that writes exactly it."""
    return "f" + repr(text).replace("{", "{{").replace("}", "}}")


def template_writer(parts: list[tuple[str, str | None]], read, signature: str, fallback: str,
                    namespace: dict, filename: str):
    """A generated function `signature` (e.g. "message(fields, day)") writing a template read by
    `plain_fields` as one f-string: each field named is read once into a local, by the source lines
    `read(name, local)` gives (which also write it as text); a KeyError while reading returns the
    expression `fallback` instead (the general way). The finding messages (`_prepared_message`) and
    the rule phrases (workflow.rules.templates) are written by it; `namespace` holds the names the
    lines use."""
    names: dict[str, str] = {}
    lines, pieces = [], []
    for literal, name in parts:
        if literal:
            pieces.append(fstring_piece(literal))
        if name is None:
            continue
        local = names.get(name)
        if local is None:
            local = names[name] = f"v{len(names)}"
            lines += read(name, local)
        pieces.append(f"f'{{{local}}}'")
    body = "\n".join("        " + line for line in lines) or "        pass"
    source = (f"def {signature}:\n    try:\n{body}\n    except KeyError:\n        return {fallback}\n"
              f"    return {' '.join(pieces) or repr('')}\n")
    exec(compile(source, filename, "exec"), namespace)
    return namespace[signature.partition("(")[0]]


def _prepared_message(template: str, step_name: str, step_id: str | None):
    """`message(fields, day)`: the finding's message for one head, the same text `_generic` writes.

    Why: `format_map` of a short Chinese template costs several times an f-string of its pieces, and
    the general way builds a mapping of every field first. For a template whose fields are all plain
    names the message is written as one generated f-string (`template_writer`): each field the
    template names is read from the evaluator's fields and written as text the same way; the step's
    name and id (fixed for the head) and `date` (the record's day) are used when the evaluator does not
    give them. A field the template names and nobody gave (KeyError) goes the general way, which
    shows it as written."""
    parts = plain_fields(template)
    if parts is None:
        return lambda fields, day: _generic(template, step_name, step_id, fields, day)
    fixed = {"step_name": step_name, "step": step_id or ""}

    def read(name: str, local: str) -> list[str]:
        if name == "date":  # the record's day, unless the evaluator gives one (none: shown as written)
            lines = ["if 'date' in fields:", f"    {local} = fields['date']", "elif day is None:",
                     "    raise KeyError('date')", "else:", f"    {local} = day"]
        elif name in fixed:
            lines = [f"{local} = fields[{name!r}] if {name!r} in fields else {fixed[name]!r}"]
        else:
            lines = [f"{local} = fields[{name!r}]"]
        return lines + [f"if (kind := type({local})) is DATE:", f"    {local} = ISO[{local}]",
                        "elif kind is not STR:", f"    {local} = TEXT({local})"]

    namespace = {"DATE": _DATE, "STR": str, "ISO": _ISO, "TEXT": text, "GENERIC": _generic,
                 "TEMPLATE": template, "STEP_NAME": step_name, "STEP_ID": step_id}
    return template_writer(parts, read, "message(fields, day)",
                           "GENERIC(TEMPLATE, STEP_NAME, STEP_ID, fields, day)", namespace, "<finding message>")


_heads: dict[tuple, tuple] = {}


def _head(rule: Rule, rs: RuleSet, step_id: str | None) -> tuple:
    """What every finding of `rule` under `rs` at `step_id` shares, read once from the checklist
    objects (each of their attributes is a pydantic lookup): the message written from the template
    with the rule's figures and the step's name in (`_prepared_message`), and the finding's fixed fields."""
    step_def = rs.step_by_id.get(step_id) if step_id else None
    if step_def is None:
        step_name, order = "", 99
    else:
        step_name, order = step_def.name, step_def.order
    found = _prepared.get(id(rule))
    template = found[1] if found is not None and found[0] is rule else message_template(rule)
    if len(_heads) >= 4096:
        _heads.clear()
    head = _heads[(id(rule), id(rs), step_id)] = (rule, rs, _prepared_message(template, step_name, step_id),
                                                  order, rule.code, rule.severity, rs.id, rule.article, rule.overlay)
    return head


def finding(rule: Rule, rs: RuleSet, occ: Occurrence | None, fields: dict, *, severity: str | None = None,
            provisional: bool = False, step: str | None = None, subject: str | None = None) -> Finding:
    """One finding of `rule` under `rs`. Written for the audit of many faulty dossiers: what the
    rule, rule set and step fix is read once (`_head`), with the message's own writer, and the record
    built positionally (Finding's order)."""
    if occ is None:
        step_id, index, day = step or None, None, None
    else:
        step_id, index, day = step or occ.step, occ.index, occ.entry.date
    head = _heads.get((id(rule), id(rs), step_id))
    if head is None or head[0] is not rule or head[1] is not rs:
        head = _head(rule, rs, step_id)
    return Finding(head[4], severity or head[5], step_id, head[6], head[7], head[2](fields, day),
                   provisional, head[8], index, head[3], subject)


def is_hypothetical(ctx, occ: Occurrence) -> bool:
    """The plan asks "what would block this step?" without the step's own content being known.

    Evaluators write it inline as `ctx.hypothetical == occ.index` (None never equals an index): it is
    asked for every step of every dossier, where a call costs more than the comparison."""
    return ctx.hypothetical == occ.index
