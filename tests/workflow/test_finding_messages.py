"""A finding's message, written by the per-head writer of workflow.rules.base (issue 13).

`finding` writes each message through a function prepared once per (rule, rule set, step): an
f-string of the template's pieces for a template whose fields are all plain names, the general
`format_map` otherwise. Whatever the template and the fields, the message must be the very text the
general way writes: the step's name and id and the record's date filled in, the evaluator's fields
written as text (dates as ISO, None as 未记录, 3.0 as 3), a field given under a fixed name winning,
and a field nobody gave shown as written.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from workflow.findings import fill
from workflow.rules.base import finding, text
from workflow.view import Occurrence

DAY = dt.date(2024, 3, 5)
STEP = SimpleNamespace(name="确定为入党积极分子", order=3)


def _rule(template: str, code: str = "X_CODE"):
    """A rule as `finding` reads it: a kind whose figures come from its (here no) gap parameters."""
    return SimpleNamespace(kind="nomination", params=[], message=template, code=code, severity="warning",
                           article="第十条", overlay=None)


def _rule_set():
    return SimpleNamespace(id="2014", step_by_id={"s03_activist_determined": STEP})


def reference(template: str, fields: dict, step_id: str | None, step_name: str, day) -> str:
    """The message the general way, written out here as finding() wrote it before it was prepared."""
    values = {"step_name": step_name, "step": step_id or ""}
    if day is not None:
        values["date"] = day.isoformat()
    for key, value in fields.items():
        values[key] = value if type(value) is str else value.isoformat() if type(value) is dt.date else text(value)
    try:
        return template.format_map(values)
    except KeyError:
        return fill(template, values)


TEMPLATES = [
    "{window_start} 至 {window_end} 超过三个月没有思想汇报",
    "{step_name}（{step}）于 {date} 办理，{problem}",
    "没有字段的消息",
    "",
    "{{字面的括号}} {a}{a} '\"\\ 引号与反斜杠 {b}",
    "{date} {date}",
    "{missing} 与 {a}",
    "{a!r} 与 {b:>8}",  # conversion and spec: the general way
    "{a.real} 和 {b[0]}",  # attribute and index: the general way
    "{步骤} {a}",  # a non-ASCII field name
]
FIELDS = [
    {},
    {"a": "文本", "b": dt.date(2020, 1, 2), "window_start": dt.date(2019, 12, 31), "window_end": None,
     "problem": 3.0, "步骤": 2.5},
    {"a": 7, "b": True, "date": dt.date(2001, 2, 3), "step": "s99", "step_name": None, "window_start": "x",
     "window_end": dt.datetime(2020, 1, 2, 3, 4), "problem": "", "missing": [1, 2]},
]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("fields", FIELDS, ids=["none", "some", "overriding"])
@pytest.mark.parametrize("recorded", [True, False], ids=["record", "no-record"])
def test_a_prepared_message_is_the_general_one(template, fields, recorded):
    rule, rs = _rule(template), _rule_set()
    occ = Occurrence(2, SimpleNamespace(date=DAY), "s03_activist_determined")
    for _ in range(2):  # the head is prepared at the first finding and reused at the second
        if recorded:
            found = _outcome(lambda: finding(rule, rs, occ, dict(fields)).message)
            expected = _outcome(lambda: reference(template, fields, "s03_activist_determined", STEP.name, DAY))
        else:
            found = _outcome(lambda: finding(rule, rs, None, dict(fields), step="s03_activist_determined").message)
            expected = _outcome(lambda: reference(template, fields, "s03_activist_determined", STEP.name, None))
        assert found == expected


def _outcome(write) -> tuple:
    """("text", the message) or ("raises", the exception's type): a template the general way cannot
    fill (an attribute a field lacks) must fail the same way."""
    try:
        return "text", write()
    except Exception as error:  # noqa: BLE001 - the kind of failure is what is compared
        return "raises", type(error)


def test_the_record_fields_and_head_of_a_finding():
    rule, rs = _rule("{step_name} {date}: {a}", code="SOME_CODE"), _rule_set()
    occ = Occurrence(4, SimpleNamespace(date=DAY), "s03_activist_determined")
    found = finding(rule, rs, occ, {"a": None}, severity="info", provisional=True, subject="张三")
    assert (found.code, found.severity, found.step, found.rule_set, found.article, found.message, found.provisional,
            found.overlay, found.index, found.step_number, found.subject) == \
        ("SOME_CODE", "info", "s03_activist_determined", "2014", "第十条", "确定为入党积极分子 2024-03-05: 未记录",
         True, None, 4, 3, "张三")
    loose = finding(rule, rs, None, {"a": 1}, step="")
    assert (loose.step, loose.index, loose.step_number, loose.message) == (None, None, 99, " {date}: 1")


def test_a_template_the_formatter_cannot_read_fails_as_before():
    rule, rs = _rule("{0} 位置参数"), _rule_set()
    occ = Occurrence(0, SimpleNamespace(date=DAY), "s03_activist_determined")
    with pytest.raises(ValueError):
        finding(rule, rs, occ, {})
