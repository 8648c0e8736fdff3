"""The Jinja2 environment: autoescaped HTML, StrictUndefined, and the filters that print blanks.

A value the dossier does not know prints as an underlined blank to fill by hand; a variable the
context does not carry is an error (TEMPLATE_VARIABLE_MISSING), so a template never prints
invented or empty text by accident.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from documents.errors import TemplateMissing, TemplateVariableMissing

TEMPLATE_DIR = Path(__file__).parent / "templates"


def blank(width: str = "6em") -> Markup:
    return Markup(f'<span class="blank" style="width:{escape(width)}"></span>')


def value(v, width: str = "6em") -> Markup:
    if v is None or v == "" or v == []:
        return blank(width)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return Markup('<span class="val">{}</span>').format(v)


def cn_date(v: dt.date | None) -> Markup:
    """2022年5月6日, or 年 月 日 with blanks to fill by hand."""
    if v is None:
        return Markup(f'{blank("3.2em")}年{blank("2em")}月{blank("2em")}日')
    return Markup('<span class="val date">{}年{}月{}日</span>').format(v.year, v.month, v.day)


def short_date(v: dt.date | None) -> Markup:
    """2022.05.06 for narrow table cells, or a blank."""
    if v is None:
        return blank("4.5em")
    return Markup('<span class="val date">{}</span>').format(v.strftime("%Y.%m.%d"))


def cn_month(v: dt.date | None) -> Markup:
    if v is None:
        return Markup(f'{blank("3.2em")}年{blank("2em")}月')
    return Markup('<span class="val date">{}年{}月</span>').format(v.year, v.month)


def label(v, table: dict, width: str = "6em") -> Markup:
    return value(table.get(v, v) if v is not None else None, width)


def number(v, width: str = "2.5em") -> Markup:
    return value(v, width)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(v=value, d=cn_date, sd=short_date, ym=cn_month, label=label, n=number)
    env.globals.update(blank=blank)
    return env


def render_template(name: str, context: dict) -> str:
    env = environment()
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise TemplateMissing(f"找不到表格模板 {name}", file=str(TEMPLATE_DIR / name)) from None
    try:
        return template.render(context)
    except jinja2.UndefinedError as exc:
        raise TemplateVariableMissing(f"表格模板 {name} 使用了未提供的变量：{exc.message}",
                                      file=str(TEMPLATE_DIR / name), field=str(exc.message)) from None
