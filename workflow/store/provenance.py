"""Where a sign-off comes from: only the review route signs off; a file can only bring paper history.

一步一审 means a second person signs each step off, in the system. A `reviewed_by` that arrives in a
file (a `dossier/1` import, the 纪实表's 审核人 column, a new dossier) is what someone wrote down: it
becomes a *paper review* (`review_source: "paper"`, `paper_review` with who imported it, when and from
where) and the step stays unreviewed until a reviewer in the system, who neither imported nor recorded
it, confirms it (one review for the import itself). Otherwise one organiser could export a dossier,
type a name into `reviewed_by`, import it again and carry on: the hole this module closes.

A re-import onto a dossier the system already holds never adds, removes or changes a sign-off: a
signed-off step must arrive unchanged (its review state is kept as stored; a change is refused and
must go through a correction), and steps that are not signed off take the file's content, with any
review the file claims again as unconfirmed paper history.
"""
from __future__ import annotations

import datetime as dt

from workflow import engine
from workflow.dossier import Dossier, StepEntry
from workflow.errors import StepRefused
from workflow.store.errors import Conflict

REVIEW_FIELDS = ("reviewed_by", "reviewed_on", "review_source", "paper_review")
SYSTEM, PAPER = "system", "paper"


def _claim(step: dict) -> tuple[str, str | None] | None:
    """Who the file says signed the step off, and when (from `reviewed_by` or an earlier `paper_review`)."""
    paper = step.get("paper_review") if isinstance(step.get("paper_review"), dict) else {}
    by = step.get("reviewed_by") or paper.get("reviewed_by")
    on = step.get("reviewed_on") or paper.get("reviewed_on")
    return (by.strip(), on) if isinstance(by, str) and by.strip() else None


def as_paper_history(document: dict, importer: str, on: dt.date, source: str | None) -> tuple[dict, int]:
    """The `dossier/1` dict with every claimed sign-off turned into an unconfirmed paper review."""
    steps, count = [], 0
    for step in document.get("steps") or []:
        claim = _claim(step)
        step = {k: v for k, v in step.items() if k not in REVIEW_FIELDS}
        if claim is not None:
            paper = {"reviewed_by": claim[0], "imported_by": importer, "imported_on": on.isoformat()}
            if claim[1]:
                paper["reviewed_on"] = claim[1]
            if source and not source.startswith("<"):
                paper["source"] = source[:300]
            step["review_source"] = PAPER
            step["paper_review"] = paper
            count += 1
        steps.append(step)
    return {**document, "steps": steps}, count


def _content(step: dict) -> dict:
    return {k: v for k, v in step.items() if k not in REVIEW_FIELDS}


def keep_sign_offs(stored: dict, incoming: dict) -> dict:
    """The re-imported document with the stored review state of every step the system holds.

    `incoming` has already been through `as_paper_history`. Raises Conflict when the file would change
    or drop a signed-off step (that is a correction, with its own route and a new review)."""
    old_steps, new_steps = stored.get("steps") or [], incoming.get("steps") or []
    out = []
    for i, new in enumerate(new_steps):
        old = old_steps[i] if i < len(old_steps) else None
        if old is not None and old.get("reviewed_by"):
            if _content(old) != _content(new):
                raise Conflict(f"第 {i + 1} 条步骤（{old.get('step')}）已审核通过，重新导入不能修改它；如需修改请办理更正",
                               code="REIMPORT_CHANGES_REVIEWED_STEP", path=f"$.steps[{i}]", field="steps")
            out.append(old)
        elif old is not None and _content(old) == _content(new) and _claim(old) == _claim(new):
            out.append(old)  # the same unconfirmed history: nothing to record again
        else:
            out.append(new)
    for i in range(len(new_steps), len(old_steps)):
        if old_steps[i].get("reviewed_by"):
            raise Conflict(f"第 {i + 1} 条步骤（{old_steps[i].get('step')}）已审核通过，重新导入不能删除它",
                           code="REIMPORT_REMOVES_REVIEWED_STEP", path=f"$.steps[{i}]", field="steps")
    return {**incoming, "steps": out}


def awaiting_confirmation(entry: StepEntry) -> bool:
    return entry.paper_review is not None and not entry.reviewed_by


def pending_indices(dossier: Dossier) -> list[int]:
    return [i for i, entry in enumerate(dossier.steps) if awaiting_confirmation(entry)]


def sign_off(dossier: Dossier, index: int, reviewer: str, on: dt.date) -> tuple[Dossier, str]:
    """The review route's one sign-off: an in-system review, or the confirmation of a paper one.

    Returns the dossier and the review's source. Both pass the engine's review checks (materials,
    signatures, not the recorder); a paper review is confirmed by someone other than its importer."""
    entry = dossier.steps[index] if 0 <= index < len(dossier.steps) else None
    if entry is None or not awaiting_confirmation(entry):
        after = engine.review_step(dossier, index, reviewer, on)
        return _replace(after, index, after.steps[index].model_copy(update={"review_source": SYSTEM})), SYSTEM
    paper, name = entry.paper_review, (reviewer or "").strip()
    if name and name in (paper.imported_by.strip(), (entry.recorded_by or "").strip()):
        role = "导入" if name == paper.imported_by.strip() else "记录"
        raise StepRefused(f"纸质审核记录须由导入人和记录人以外的审核人确认（{name} 是该步骤的{role}人）",
                          code="SELF_CONFIRM")
    checked = engine.review_step(dossier, index, paper.reviewed_by, on)
    confirmed = checked.steps[index].model_copy(update={
        "reviewed_on": paper.reviewed_on, "review_source": PAPER,
        "paper_review": paper.model_copy(update={"confirmed_by": name, "confirmed_on": on})})
    return _replace(checked, index, confirmed), PAPER


def _replace(dossier: Dossier, index: int, entry: StepEntry) -> Dossier:
    steps = list(dossier.steps)
    steps[index] = entry
    return dossier.model_copy(update={"steps": steps})
