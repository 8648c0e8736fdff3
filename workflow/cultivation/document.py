"""The published ranking as a document (`ranking/1`), and the rows read back from one.

The same document is printed by the command line and stored when a branch publishes its ranking
(一学年一公开), so that a proposal is checked against exactly what was published.
"""
from __future__ import annotations

from checklists.schemes import Scheme
from workflow.cultivation.periods import Period, publication_period
from workflow.cultivation.scoring import PersonScore, Problem, Quota, RankedRow, Selection, VetoHit

FORMAT = "ranking/1"


def ranking_document(scheme: Scheme, period: Period, rows: list[RankedRow], quota: Quota,
                     selection: Selection) -> dict:
    return {"format": FORMAT, "scheme": scheme.id, "scheme_name": scheme.name, "period": period.label,
            "published_with": publication_period(scheme, period).label, "group_size": quota.group_size,
            "quota": {"limit": quota.limit, "share_limit": quota.share_limit, "plan_limit": quota.plan_limit,
                      "basis": quota.basis(scheme)},
            "ranking": [row.to_dict(scheme) for row in rows], "selection": selection.to_dict(scheme)}


def rows_from_document(document: dict) -> list[RankedRow]:
    """The ranking's rows as published (positions, eligibility, grades, vetoes, problems); totals stay text."""
    rows = []
    for item in document["ranking"]:
        score = PersonScore(person=item["person"], name=item.get("name"), period=item.get("period"),
                            grade=item.get("grade"),
                            vetoes=[VetoHit(v["id"], v["name"], v["grade"]) for v in item.get("vetoes", [])],
                            problems=[Problem(p["code"], p["message"], p.get("indicator"))
                                      for p in item.get("problems", [])])
        rows.append(RankedRow(item["position"], score, item["eligible"], item["status"]))
    return rows


def quota_of(document: dict) -> Quota:
    q = document["quota"]
    return Quota(limit=q["limit"], group_size=document["group_size"], share_limit=q["share_limit"],
                 plan_limit=q["plan_limit"])
