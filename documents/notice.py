"""The published ranking as a print-ready notice (量化考核结果公示, 一学年一公开), PDF/A-3b.

The notice prints exactly the `ranking/1` document a branch published (workflow/cultivation/
document.py): the positions, names, dimension scores, totals and grades, the quota and its basis,
those within the quota, and, when the store has them, the people the branch then proposed from
this ranking with their positions. The document itself travels inside the PDF as an embedded file
(`ranking.json`) and its SHA-256 is printed at the foot, so a paper notice, the stored ranking and
every proposal made from it lead to one another.

Only names are printed, never a dossier's id number; a person who is not ranked (vetoed or with an
incomplete assessment) is listed apart with the kind of reason, not its detail.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from checklists.schemes import Scheme
from checklists.step_fields import step_schema
from documents.errors import DocumentError
from documents.pdf import PdfAttachment, html_to_pdf
from documents.templating import render_template

TEMPLATE = "notices/ranking_notice.html"
ATTACHMENT = "ranking.json"
STATUS_WORDS = step_schema().words("score_status")  # checklists/data/step_fields.toml
UNIT_WORDS = step_schema().words("scoring_unit")
WIDE_AFTER = 3  # more dimension columns than this do not fit a portrait page: the notice turns landscape


class NoticeMismatch(DocumentError):
    """The ranking handed in is not the one whose SHA-256 was stored with it."""

    code = "RANKING_ALTERED"


@dataclass(frozen=True)
class RenderedNotice:
    pdf: bytes
    pages: int
    sha256: str  # of the ranking document printed

    @property
    def filename(self) -> str:
        return f"ranking-{self.sha256[:12]}.pdf"


def canonical(document: dict) -> str:
    """The ranking document as stored and hashed (sorted keys, no ASCII escaping)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


def _date(value) -> dt.date | None:
    """A day given as a date or as its ISO text (the JSON of a stored record)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def notice_context(scheme: Scheme, document: dict, *, organisation: str | None = None,
                   published_on: dt.date | None = None, published_by: str | None = None,
                   sha256: str | None = None, ranking_id: int | None = None,
                   proposals: list[dict] | None = None) -> dict:
    """What the template prints; every key present (an unknown value prints as a blank). A `sha256` given
    (the store's) must be the document's own: a notice never prints a ranking other than the one named."""
    digest = hashlib.sha256(canonical(document).encode()).hexdigest()
    if sha256 is not None and sha256 != digest:
        raise NoticeMismatch(f"排名文件的 SHA-256 与登记的不一致（登记 {sha256[:12]}…，实际 {digest[:12]}…），不能生成公示",
                             field="sha256")
    names = {row["person"]: row.get("name") or row["person"] for row in document["ranking"]}
    within = set(document["selection"]["proposed"])
    tied = set(document["selection"]["tied_at_boundary"])
    proposed = {p["person"]: p for p in proposals or []}
    rows, apart = [], []
    for row in document["ranking"]:
        if row["position"] is None:
            apart.append({"name": names[row["person"]], "grade": row.get("grade"),
                          "reason": STATUS_WORDS.get(row["status"], row["status"])})
            continue
        note = []
        if row["person"] in proposed:
            note.append("拟推荐")
        elif row["person"] in within:
            note.append("名额内")
        if row["person"] in tied:
            note.append("名额边界并列")
        rows.append({"position": row["position"], "name": names[row["person"]], "total": row.get("total"),
                     "grade": row.get("grade"), "dimensions": [row["dimensions"].get(d.id) for d in scheme.dimensions],
                     "note": "、".join(note)})
    return {
        "title": "量化考核结果公示",
        "organisation": organisation, "scheme_name": document.get("scheme_name") or scheme.name,
        "period": document["period"], "published_with": document.get("published_with"),
        "every": UNIT_WORDS.get(scheme.period.unit, scheme.period.unit),
        "publish": UNIT_WORDS.get(scheme.period.publish, scheme.period.publish),
        "dimensions": [{"name": d.name, "weight": f"{d.weight:g}"} for d in scheme.dimensions],
        "grades_proposable": "、".join(scheme.proposal.grades),
        "quota": document["quota"], "group_size": document.get("group_size"),
        "rows": rows, "apart": apart,
        "within": [names[p] for p in document["selection"]["proposed"]],
        "tied": [names[p] for p in document["selection"]["tied_at_boundary"]],
        "proposals": [{"name": names.get(p["person"], p["person"]), "position": p["position"],
                       "proposed_on": _date(p.get("proposed_on"))} for p in proposals or []],
        "proposals_known": proposals is not None,
        "published_on": _date(published_on), "published_by": published_by, "ranking_id": ranking_id,
        "sha256": digest,
        "wide": len(scheme.dimensions) > WIDE_AFTER,
    }


def notice_html(scheme: Scheme, document: dict, **known) -> str:
    return render_template(TEMPLATE, notice_context(scheme, document, **known))


def render_ranking_notice(scheme: Scheme, document: dict, **known) -> RenderedNotice:
    """The notice as PDF/A-3b with the ranking document embedded; `known` as notice_context takes it."""
    context = notice_context(scheme, document, **known)
    html = render_template(TEMPLATE, context)
    text = canonical(document).encode("utf-8")
    attachment = PdfAttachment(name=ATTACHMENT, data=text,
                               description=f"公示的排名（ranking/1，SHA-256 {context['sha256']}）")
    pdf, pages = html_to_pdf(html, [attachment])
    return RenderedNotice(pdf=pdf, pages=pages, sha256=context["sha256"])
