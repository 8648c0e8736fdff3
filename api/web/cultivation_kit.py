"""What the cultivation pages share about a score sheet: which organisation, scheme and period a page is
about (visible to the user, else 404), its query string, the sheet's columns, and one typed cell read
into an entry's value. The score sheet (cultivation_pages.py), its corrections (correction_pages.py) and
the ranking notice (notice_pages.py) read them from here, so none reaches into another page module.
No rule is decided here: a value that is off the scheme's scale is the store's and the scorer's refusal.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from api.web.common import PageError, fail, parse_int
from checklists.errors import ChecklistError
from checklists.schemes import Scheme, load_scheme, scheme_ids
from workflow.cultivation.periods import Period, period_named, period_of
from workflow.errors import FazhanError, InputError
from workflow.store.access import Actor, OrgTree

# ---------------------------------------------------------------- what a page is about


def scheme_or_404(scheme_id: str | None) -> Scheme:
    if not scheme_id or scheme_id not in scheme_ids():
        raise PageError(404, f"没有考核方案“{(scheme_id or '')[:40]}”，可用：{'、'.join(scheme_ids())}",
                        "SCHEME_UNKNOWN")
    try:
        return load_scheme(scheme_id)
    except ChecklistError as exc:
        raise PageError(422, exc.message, exc.code) from None


def page_where(uow, actor: Actor, org: str | None, scheme_id: str | None, period: str | None,
               today: dt.date) -> tuple[int, str, Scheme, Period]:
    """The organisation (visible to the user, else 404), the scheme and the period of a page."""
    org_id = parse_int(org)
    tree = OrgTree.load(uow.session)
    try:
        organisation = tree.require_visible_org(actor, org_id)
    except FazhanError as exc:
        raise fail(exc) from None
    scheme = scheme_or_404(scheme_id)
    try:
        named = period_named(scheme, period[:20]) if period else period_of(scheme, today)
    except InputError as exc:
        raise PageError(422, exc.message, exc.code) from None
    return org_id, organisation.name, scheme, named


def page_query(org_id: int, scheme: Scheme, period: Period, **more) -> str:
    return urlencode({"org": org_id, "scheme": scheme.id, "period": period.label, **more})


def sheet_columns(scheme: Scheme) -> list[dict]:
    """The sheet's columns: each indicator with its dimension, its kind and its Chinese labels."""
    out = []
    for dim in scheme.dimensions:
        for ind in dim.indicators:
            t = ind.transform
            out.append({"id": ind.id, "name": ind.name, "dimension": dim.name, "kind": t.kind,
                        "unit": getattr(t, "unit", ""), "options": list(getattr(t, "options", []) or []),
                        "scale": ind.scale})
    return out


# ---------------------------------------------------------------- one cell of the sheet

def _number(text: str, label: str, key: str, errors: dict) -> int | float | None:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        errors.setdefault(key, []).append(f"“{label}”应填写数字，实为“{text[:20]}”")
        return None
    if not math.isfinite(value):
        errors.setdefault(key, []).append(f"“{label}”应填写数字，实为“{text[:20]}”")
        return None
    return int(value) if value.is_integer() else value


def _whole(text: str, label: str, key: str, errors: dict) -> int | None:
    value = _number(text or "0", label, key, errors)
    if value is not None and (not isinstance(value, int) or value < 0):
        errors.setdefault(key, []).append(f"“{label}”应为非负整数，实为“{text.strip()[:20]}”")
        return None
    return value


def cell_value(form: dict, person: str, col: dict, errors: dict) -> tuple[bool, Any]:
    """(filled, value) of one person's cell; problems go to errors under "person.indicator"."""
    key, name = f"{person}.{col['id']}", col["name"]
    base = f"v.{key}"
    if col["kind"] == "rank_bands":
        rank, of = form.get(f"{base}.rank", "").strip(), form.get(f"{base}.of", "").strip()
        if not rank and not of:
            return False, None
        if not rank or not of:
            errors.setdefault(key, []).append(f"“{name}”须同时填写名次和总人数")
            return True, None
        r, n = _whole(rank, f"{name}（名次）", key, errors), _whole(of, f"{name}（总人数）", key, errors)
        return True, None if r is None or n is None else {"rank": r, "of": n}
    if col["kind"] == "vote":
        parts = {"expected": form.get(f"{base}.expected", ""), "present": form.get(f"{base}.present", "")}
        votes = {opt: form.get(f"{base}.opt{i}", "") for i, opt in enumerate(col["options"])}
        if not any(v.strip() for v in [*parts.values(), *votes.values()]):
            return False, None
        if not parts["expected"].strip() or not parts["present"].strip():
            errors.setdefault(key, []).append(f"“{name}”须填写应到人数和实到人数")
            return True, None
        numbers = {k: _whole(v, f"{name}（{'应到' if k == 'expected' else '实到'}）", key, errors)
                   for k, v in parts.items()}
        counts = {opt: _whole(v, f"{name}（{opt}）", key, errors) for opt, v in votes.items()}
        if None in numbers.values() or None in counts.values():
            return True, None
        return True, {**numbers, "votes": counts}
    text = form.get(base, "")
    if not text.strip():
        return False, None
    if col["kind"] == "choice":
        return True, text.strip()
    return True, _number(text, name, key, errors)
