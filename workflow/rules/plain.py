"""A checklist rule as plain attributes, for the compiled audit plan.

The rules are pydantic models (checklists.model.Rule, its kind's parameters in checklists.kinds):
every attribute read of one goes through pydantic's `__getattr__` hook and costs several times a
plain read, and the evaluators read a rule's code, kind and parameters many times per dossier. The
audit compiles each rule set's rules once (workflow.audit); it hands the evaluators these copies,
whose fields are the same values in an ordinary `__dict__`. Anything else (a property such as
`Rule.steps`, iterating the parameters as `(name, value)` pairs) is asked of the rule itself, so an
evaluator reads either the same way and gets the same answers.
"""
from __future__ import annotations


def _of_origin(copy, name: str):
    """An attribute the copy does not hold, asked of the checklist's object it copies."""
    try:
        origin = copy.__dict__["_origin"]
    except KeyError:  # not built through __init__ (copy, pickle): nothing to ask
        raise AttributeError(name) from None
    return getattr(origin, name)


class PlainParams:
    """A rule's parameters: the same fields, read as plain attributes."""

    def __init__(self, params):
        self.__dict__.update(params.__dict__)
        self.__dict__["_origin"] = params

    def __getattr__(self, name: str):
        return _of_origin(self, name)

    def __iter__(self):
        return iter(self.__dict__["_origin"])

    def __eq__(self, other) -> bool:
        return self.__dict__["_origin"] == (other._origin if isinstance(other, PlainParams) else other)

    __hash__ = None


class PlainRule:
    """A rule's fields (code, kind, severity, article, message, overlay, ...) as plain attributes, its
    parameters as `PlainParams`; `_origin` is the checklist's rule (a field name never starts with "_")."""

    def __init__(self, rule):
        self.__dict__.update(rule.__dict__)
        self.__dict__["_origin"] = rule
        self.params = PlainParams(rule.params)

    def __getattr__(self, name: str):
        return _of_origin(self, name)

    def __repr__(self) -> str:
        return f"PlainRule({self._origin!r})"


def plain_rule(rule) -> PlainRule:
    return rule if isinstance(rule, PlainRule) else PlainRule(rule)
