"""The forms of PROCEDURE.md, one Jinja2 template each, rendered from a dossier to PDF/A-3b.

The form list is data (`[[forms]]` of the rule set); this module only knows which template
prints a form and which checklist material it stands for. The 入党志愿书 is not among them: it is
an official numbered book, so the project records its serial and never prints a substitute.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from checklists.model import Form, RuleSet
from documents.context import build_context
from documents.errors import FormNotApplicable, FormUnknown
from documents.inforce import current_rule_set
from documents.pdf import PdfAttachment, html_to_pdf
from documents.templating import render_template
from workflow.dossier import Dossier

DOSSIER_ATTACHMENT = "dossier.json"


@dataclass(frozen=True)
class RenderedForm:
    form_id: str
    name: str
    dossier_id: str
    pdf: bytes
    pages: int

    @property
    def filename(self) -> str:
        return f"{safe_name(self.dossier_id)}-{self.form_id}.pdf"


def safe_name(text: str) -> str:
    """A file-name-safe version of a dossier id (letters, digits, CJK, dot, dash, underscore)."""
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in text).strip("._")
    return cleaned or "dossier"


def get_form(rs: RuleSet, form_id: str) -> Form:
    for form in rs.forms:
        if form.id == form_id:
            return form
    raise FormUnknown(f"未知的表格“{form_id}”，可用：{'、'.join(f.id for f in rs.forms)}", field="form_id")


def overlay_requires(rs: RuleSet, form: Form) -> bool:
    """An overlay-only form applies when the (overlay-applied) checklist requires its material."""
    material = rs.material_by_id.get(form.material or "")
    return material is not None and material.required != "overlay"


def applicable_forms(dossier: Dossier, stage: int | None = None, rs: RuleSet | None = None) -> list[Form]:
    """The forms of `stage` (all when None; 0 = the whole-record forms) for this dossier."""
    rs = rs or current_rule_set(dossier)
    return [f for f in rs.forms
            if (stage is None or f.stage == stage) and (not f.overlay_only or overlay_requires(rs, f))]


def form_html(dossier: Dossier, form_id: str, *, extra: dict | None = None, today: dt.date | None = None,
              rs: RuleSet | None = None) -> str:
    rs = rs or current_rule_set(dossier)
    form = get_form(rs, form_id)
    if form.overlay_only and not overlay_requires(rs, form):
        raise FormNotApplicable(f"表格“{form.name}”只在地方细则要求时使用，档案 {dossier.id} 适用的规则"
                                f"（{rs.label}）不要求", field="form_id")
    if form.id == "archive_catalogue" and "catalogue" not in (extra or {}):
        from documents import catalogue
        extra = {**(extra or {}), **catalogue.template_context(catalogue.plan(dossier, rs))}
    context = build_context(dossier, form, rs=rs, today=today, extra=extra)
    return render_template(f"forms/{form.id}.html", context)


def dossier_attachment(dossier: Dossier) -> PdfAttachment:
    data = json.dumps(dossier.to_json_dict(), ensure_ascii=False, indent=1).encode("utf-8")
    return PdfAttachment(name=DOSSIER_ATTACHMENT, data=data,
                         description=f"档案 {dossier.id} 的 dossier/1 数据（与纸质纪实表一并流转）")


def render_form(dossier: Dossier, form_id: str, *, extra: dict | None = None,
                today: dt.date | None = None) -> RenderedForm:
    """One form as PDF/A-3b; the 全程纪实表 carries the dossier's JSON as an embedded file."""
    rs = current_rule_set(dossier)
    form = get_form(rs, form_id)
    html = form_html(dossier, form_id, extra=extra, today=today, rs=rs)
    attachments = [dossier_attachment(dossier)] if form_id == "full_record" else None
    pdf, pages = html_to_pdf(html, attachments)
    return RenderedForm(form_id=form.id, name=form.name, dossier_id=dossier.id, pdf=pdf, pages=pages)


def _render_job(args: tuple) -> RenderedForm:
    dossier, form_id, today = args
    return render_form(dossier, form_id, today=today)


def render_forms(dossier: Dossier, form_ids: list[str], *, executor=None,
                 today: dt.date | None = None) -> list[RenderedForm]:
    """Renders several forms, in worker processes when an executor is given; order is kept."""
    jobs = [(dossier, form_id, today) for form_id in form_ids]
    if executor is None:
        return [_render_job(job) for job in jobs]
    return list(executor.map(_render_job, jobs))
