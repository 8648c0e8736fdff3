"""A rule's message template with the rule's own figures filled in, once per rule.

The data writes "谈话日期 {date} 晚于收到入党申请书后{within}的期限 {deadline}": `within` is the rule's
figure (its kind's `message_params`, "一个月" nationally, "十五日" under an overlay that tightens
it), `date` and `deadline` are what an evaluator found. The figures are filled in when a rule is
first reported and the result kept, so a finding costs one `format_map` as before; the fields an
evaluator gives are left in place for it.
"""
from __future__ import annotations

import datetime as _dt

PREPARED: dict[int, tuple] = {}
"""id(rule) → (rule, its template with the figures in, the figures): read inline by base.finding."""


class _KeepOthers(dict):
    """format_map's mapping for the figures only: any other field stays written as it was."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_figures(template: str, figures: dict[str, str]) -> str:
    if not figures or "{" not in template:
        return template
    try:
        return template.format_map(_KeepOthers(figures))
    except (ValueError, IndexError):  # a template the formatter cannot read: shown as written (findings.fill)
        return template


def _prepare(rule) -> tuple:
    found = PREPARED.get(id(rule))
    if found is None or found[0] is not rule:
        from workflow.rules.kinds import KINDS  # the kinds import the evaluators, which import this

        if len(PREPARED) > 4096:
            PREPARED.clear()
        figures = KINDS[rule.kind].message_params(rule)
        found = PREPARED[id(rule)] = (rule, fill_figures(rule.message, figures), figures)
    return found


def message_template(rule) -> str:
    """`rule.message` with the rule's figures filled in (remembered per rule object)."""
    found = PREPARED.get(id(rule))
    if found is None or found[0] is not rule:
        found = _prepare(rule)
    return found[1]


def phrase(rule, case: str, **fields) -> str:
    """One of the sentences a rule's kind fills into its message (`{problem}`, `{status}`): the rule's
    `phrases` in the data, keyed by `case`, with the evaluator's fields (printed as an f-string would)
    and the rule's own figures. Written by the phrase's own writer (`_phrase_writer`), the same text
    as `template.format_map({**figures, **fields})`."""
    found = _PHRASES.get((id(rule), case))
    if found is None or found[0] is not rule:
        found = _phrase_writer(rule, case)
    return found[1](fields)


_PHRASES: dict[tuple, tuple] = {}
"""(id(rule), case) → (rule, the phrase's writer): a publicity or people finding writes one phrase."""


def _phrase_writer(rule, case: str) -> tuple:
    """(rule, write(fields)) for one phrase of a rule. Why: `format_map` of a short Chinese phrase
    with a few dates costs several times an f-string of its pieces. A field is the evaluator's when
    it gives it, else the rule's figure (the merged mapping's answer); each is written as `format`
    writes it with no spec (an f-string's `{v}`), a date through its remembered ISO text (a plain
    date's `format(d, "")` is its `isoformat()`). A template of another shape, or a field nobody
    gives, is left to `format_map` (the same text, the same KeyError)."""
    from workflow.rules.base import ISO_TEXTS, plain_fields, template_writer

    template = rule.params.phrases[case]
    figures = _prepare(rule)[2]
    parts = plain_fields(template)
    if parts is None:
        def write(fields):
            return template.format_map({**figures, **fields})
    else:
        namespace = {"DATE": _dt.date, "ISO": ISO_TEXTS, "TEMPLATE": template, "FIGURES": figures}

        def read(name: str, local: str) -> list[str]:
            if name in figures:
                namespace[f"F{local}"] = figures[name]
                lines = [f"{local} = fields[{name!r}] if {name!r} in fields else F{local}"]
            else:
                lines = [f"{local} = fields[{name!r}]"]
            return lines + [f"if type({local}) is DATE:", f"    {local} = ISO[{local}]"]

        write = template_writer(parts, read, "write(fields)", "TEMPLATE.format_map({**FIGURES, **fields})",
                                namespace, "<rule phrase>")
    if len(_PHRASES) >= 4096:
        _PHRASES.clear()
    found = _PHRASES[(id(rule), case)] = (rule, write)
    return found
