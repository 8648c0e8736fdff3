"""The forms of PROCEDURE.md, one Jinja2 template each, rendered from a dossier to PDF/A-3b.

The form list is data (`[[forms]]` of the rule set); this module only knows which template
prints a form and which checklist material it stands for. The 入党志愿书 is not among them: it is
an official numbered book, so the project records its serial and never prints a substitute.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from checklists.model import Form, RuleSet
from documents import collector
from documents.context import build_context
from documents.errors import FormNotApplicable, FormUnknown
from documents.inforce import current_rule_set
from documents.pdf import PdfAttachment, PdfBatch, html_to_pdf
from documents.templating import render_template
from workflow.dossier import Dossier

DOSSIER_ATTACHMENT = "dossier.json"
MIN_BATCH = 4  # forms per worker batch: each batch pays one font subset and PDF write (~0.1 s of CPU)


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


def _prepared(dossier: Dossier, form_id: str, rs: RuleSet, extra: dict | None,
              today: dt.date | None) -> tuple[Form, str, list[PdfAttachment]]:
    """The form, its HTML and its embedded files (the 全程纪实表 carries the dossier's JSON)."""
    form = get_form(rs, form_id)
    html = form_html(dossier, form_id, extra=extra, today=today, rs=rs)
    return form, html, [dossier_attachment(dossier)] if form.id == "full_record" else []


def render_form(dossier: Dossier, form_id: str, *, extra: dict | None = None,
                today: dt.date | None = None) -> RenderedForm:
    """One form as PDF/A-3b; the 全程纪实表 carries the dossier's JSON as an embedded file."""
    form, html, attachments = _prepared(dossier, form_id, current_rule_set(dossier), extra, today)
    pdf, pages = html_to_pdf(html, attachments or None)
    return RenderedForm(form_id=form.id, name=form.name, dossier_id=dossier.id, pdf=pdf, pages=pages)


Then = Callable[[dict[str, int]], tuple[str, dict]]


def _render_together(dossier: Dossier, form_ids: list[str], today: dt.date | None,
                     then: Then | None = None) -> list[RenderedForm]:
    """The forms laid out one by one and written together: each CJK face is subset once for all. The
    garbage collector waits until the batch is written (documents.collector): the laid-out forms stay
    alive until then, and each collection would walk them again."""
    rs = current_rule_set(dossier)
    batch = PdfBatch()
    laid_out: list[tuple[Form, int]] = []
    with collector.paused():
        for form_id in form_ids:
            form, html, attachments = _prepared(dossier, form_id, rs, None, today)
            laid_out.append((form, batch.add(html, attachments)))
        if then is not None:
            form_id, extra = then({form.id: pages for form, pages in laid_out})
            form, html, attachments = _prepared(dossier, form_id, rs, extra, today)
            laid_out.append((form, batch.add(html, attachments)))
        pdfs = batch.write()
    return [RenderedForm(form_id=form.id, name=form.name, dossier_id=dossier.id, pdf=pdf, pages=pages)
            for (form, pages), pdf in zip(laid_out, pdfs)]


def _render_job(args: tuple) -> RenderedForm:
    dossier, form_id, today, extra = args
    return render_form(dossier, form_id, today=today, extra=extra)


def _render_batch_job(args: tuple) -> list[RenderedForm]:
    dossier, form_ids, today = args
    return _render_together(dossier, form_ids, today)


def _batches(form_ids: list[str], executor) -> list[list[str]]:
    """Contiguous runs of forms, one per worker (ProcessPoolExecutor keeps its size in `_max_workers`),
    none shorter than MIN_BATCH."""
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    count = max(1, min(workers, len(form_ids) // MIN_BATCH))
    size, rest = divmod(len(form_ids), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < rest else 0)
        out.append(form_ids[start:end])
        start = end
    return out


def render_forms(dossier: Dossier, form_ids: list[str], *, executor=None, today: dt.date | None = None,
                 then: Then | None = None) -> list[RenderedForm]:
    """Several forms of one dossier, in order. In this process they are written together (one font
    subset for all, see documents.pdf.PdfBatch); with an executor, as one such batch per worker.
    `then`, given each form's page count, names one more form and its extra context, rendered after
    them and returned last: the 卷内目录, which numbers the pages of the others."""
    if executor is None or not form_ids:
        return _render_together(dossier, form_ids, today, then)
    rendered = [r for batch in executor.map(_render_batch_job, [(dossier, ids, today)
                                                                for ids in _batches(form_ids, executor)])
                for r in batch]
    if then is not None:
        form_id, extra = then({r.form_id: r.pages for r in rendered})
        rendered.append(executor.submit(_render_job, (dossier, form_id, today, extra)).result())
    return rendered
