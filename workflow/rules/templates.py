"""A rule's message template with the rule's own figures filled in, once per rule.

The data writes "谈话日期 {date} 晚于收到入党申请书后{within}的期限 {deadline}": `within` is the rule's
figure (its kind's `message_params`, "一个月" nationally, "十五日" under an overlay that tightens
it), `date` and `deadline` are what an evaluator found. The figures are filled in when a rule is
first reported and the result kept, so a finding costs one `format_map` as before; the fields an
evaluator gives are left in place for it.
"""
from __future__ import annotations

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
    and the rule's own figures."""
    return rule.params.phrases[case].format_map({**_prepare(rule)[2], **fields})
