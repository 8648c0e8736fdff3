"""What the cultivation page modules (plan, 推优, pairing, corrections, cohorts, notice) share: reading a
year or an id from the query, and placing a use case's refusal beside the field it concerns, each
item with its stable code.

No rule lives here: a refusal is the store's, with its words and code; this module only decides
which box on the page it is printed under.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from api.web.common import PageError, parse_int
from workflow.errors import FazhanError

GENERAL = "_general"
YEARS = range(2000, 2101)


def year_param(text: str | None, today: dt.date) -> int:
    """The year of a page (the current one when not given); a year no plan can have is the error page."""
    if text is None or not text.strip():
        return today.year
    year = parse_int(text)
    if year is None or year not in YEARS:
        raise PageError(422, f"年份应为 {YEARS.start} 至 {YEARS.stop - 1} 之间的整数，实为“{text[:10]}”", "VALUE_INVALID")
    return year


def id_param(text: str | None, what: str, code: str) -> int:
    value = parse_int(text)
    if value is None:
        raise PageError(404, f"找不到该{what}", code)
    return value


def refusal_items(exc: FazhanError) -> list[dict]:
    """Every reason of a refusal as {code, message, field}: the details when they carry reasons."""
    items = [{"code": d.get("code") or exc.code, "message": d.get("reason") or d.get("message"),
              "field": d.get("field") or exc.field, "path": d.get("path") or exc.path}
             for d in exc.details or [] if d.get("reason") or d.get("message")]
    return items or [{"code": exc.code, "message": exc.message, "field": exc.field, "path": exc.path}]


FIELD_WORDS = {"start": "开始日期", "date": "日期", "total": "发展总数"}


def _worded(message: str) -> str:
    """A store message that opens with a program's field name ("start 日期 … 晚于今天") names the field
    in Chinese instead, as the form's label does."""
    head, _, rest = message.partition(" ")
    if head not in FIELD_WORDS or not rest:
        return message
    rest = rest.removeprefix("日期 ")
    return f"{FIELD_WORDS[head]}{' ' if rest[:1].isdigit() else ''}{rest}"


def place(exc: FazhanError, fields: Iterable[str], by_code: dict[str, str] | None = None,
          by_field: dict[str, str] | None = None, general: str = GENERAL) -> dict[str, list[dict]]:
    """The refusal's reasons keyed by the form field they concern: by code first (a quorum under
    "present"), then by the field the store names or the last name of its path (`$[0].value`), each
    renamed through `by_field` where given, else `general`."""
    known = set(fields)
    out: dict[str, list[dict]] = {}
    for item in refusal_items(exc):
        key = (by_code or {}).get(item["code"])
        for name in (item["field"], (item["path"] or "").rsplit(".", 1)[-1]):
            if key is None and name:
                key = (by_field or {}).get(name) or (name if name in known else None)
        out.setdefault(key if key in known else general, []).append(
            {"code": item["code"], "message": _worded(item["message"] or exc.message)})
    return out


def problem(field: str, code: str, message: str) -> dict[str, list[dict]]:
    return {field: [{"code": code, "message": message}]}
