"""Everything an audit report shows, computed once, so HTML, PDF and Excel cannot disagree.

The numbers come from the `audit/1` document itself (workflow.audit.audit_document): the report
is a view of that JSON, and the tests check every rendered number against it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from checklists.loader import default_catalogue
from checklists.step_fields import step_schema
from workflow.audit import audit_document, audit_dossier
from workflow.dossier import Dossier
from workflow.findings import SEVERITIES
from workflow.pipeline import Pipeline, build_pipeline, state_names
from workflow.plan import plan_dossier

SEVERITY_LABEL = step_schema().words("severity_report")  # checklists/data/step_fields.toml
NO_ORGANISATION = "（未填写党组织）"


@dataclass
class PersonRow:
    id: str
    name: str
    organisation: str
    state: str
    state_name: str
    findings: list[dict]
    next_steps: list[dict]

    @property
    def counts(self) -> Counter:
        return Counter(f["severity"] for f in self.findings)


@dataclass
class AuditReport:
    as_of: dt.date
    document: dict
    pipeline: Pipeline
    people: list[PersonRow]
    rule_names: dict[str, str]
    step_names: dict[str, str]
    by_code: list[dict] = field(default_factory=list)
    by_organisation: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return self.document["summary"]

    @property
    def findings(self) -> list[dict]:
        """Every finding with its person, in the document's order."""
        rows = []
        for person in self.people:
            for finding in person.findings:
                rows.append({**finding, "id": person.id, "name": person.name, "organisation": person.organisation,
                             "state_name": person.state_name, "rule_name": self.rule_names.get(finding["code"], ""),
                             "step_name": self.step_names.get(finding["step"] or "", "")})
        return rows

    @property
    def severity_totals(self) -> dict[str, int]:
        counts = Counter(f["severity"] for p in self.people for f in p.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES}


def _rule_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            names.setdefault(rule.code, rule.name)
    return names


def build_report(dossiers: list[Dossier], as_of: dt.date) -> AuditReport:
    audits = [audit_dossier(d, as_of) for d in dossiers]
    document = audit_document(audits, as_of)
    states = state_names()
    rs = default_catalogue().get("2014")
    step_names = {s.id: s.name for s in rs.steps}
    people = []
    for dossier, entry in zip(dossiers, document["dossiers"]):
        plan = plan_dossier(dossier, as_of)
        people.append(PersonRow(id=entry["id"], name=dossier.person.name,
                                organisation=dossier.person.organisation or NO_ORGANISATION,
                                state=entry["state"], state_name=states.get(entry["state"], entry["state"]),
                                findings=entry["findings"],
                                next_steps=[{**n.to_dict(), "name": n.name} for n in plan.next]))
    report = AuditReport(as_of=as_of, document=document, pipeline=build_pipeline(dossiers, as_of), people=people,
                         rule_names=_rule_names(), step_names=step_names)
    severity_of: dict[str, str] = {}
    for finding in report.findings:
        severity_of.setdefault(finding["code"], finding["severity"])
    report.by_code = [{"code": code, "name": report.rule_names.get(code, ""), "count": count,
                       "severity": severity_of.get(code, "violation")}
                      for code, count in sorted(document["summary"]["by_code"].items(), key=lambda kv: (-kv[1], kv[0]))]
    by_org: dict[str, Counter] = defaultdict(Counter)
    dossiers_by_org: Counter[str] = Counter()
    for person in people:
        dossiers_by_org[person.organisation] += 1
        by_org[person.organisation].update(person.counts)
    report.by_organisation = [{"organisation": org, "dossiers": dossiers_by_org[org],
                               **{s: by_org[org].get(s, 0) for s in SEVERITIES}}
                              for org in sorted(dossiers_by_org, key=lambda o: (-sum(by_org[o].values()), o))]
    return report
