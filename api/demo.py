"""The demo main job: cases at different stages built through the engine, then audited and planned.

It also shows the engine refusing: a talk recorded after the deadline the plan shows, a
self-review, a step whose prerequisite is unreviewed or missing.
"""
from __future__ import annotations

import datetime as dt

from rich.console import Console

from api.output import audit_table, console, plan_table
from workflow.audit import audit_document, audit_dossier
from workflow.dates import add_months
from workflow.engine import record_step, review_step
from workflow.errors import FazhanError
from workflow.plan import plan_document, plan_dossier
from workflow.samples import CaseSpec, build_case


def sample_cases(as_of: dt.date) -> list:
    specs = [
        CaseSpec("DEMO-001", add_months(as_of, -70), name="王小明", seed=1),
        CaseSpec("DEMO-002", add_months(as_of, -30), until="s20_oath", name="陈静", seed=2),
        CaseSpec("DEMO-003", add_months(as_of, -20), until="s11_training", name="刘喆", seed=3),
        CaseSpec("DEMO-004", add_months(as_of, -9), name="张珺", seed=4),
        CaseSpec("DEMO-005", as_of - dt.timedelta(days=20), until="s01_application", name="赵玥", seed=5),
    ]
    return [build_case(spec, as_of) for spec in specs]


def _show_refusal(out: Console, title: str, action) -> None:
    try:
        action()
        out.print(f"[red]{title}：竟然通过了（这是缺陷）[/]")
    except FazhanError as exc:
        out.print(f"[bold]{title}[/] → [yellow]{exc.code}[/] {exc.message}")


def run_demo(as_of: dt.date) -> None:
    out = console()
    out.rule(f"发展党员全程纪实 演示（检查日 {as_of}）")
    dossiers = sample_cases(as_of)
    audit_table(audit_document([audit_dossier(d, as_of) for d in dossiers], as_of))
    plan_table(plan_document([plan_dossier(d, as_of) for d in dossiers], as_of))

    out.rule("引擎的把关")
    fresh = dossiers[-1]
    s01 = fresh.steps[0].date
    talk_plan = next(n for n in plan_dossier(fresh, s01).next if n.step == "s02_applicant_talk")
    late = talk_plan.deadline + dt.timedelta(days=1)  # a day past the deadline the TALK_LATE rule sets
    _show_refusal(out, f"谈话晚于期限 {talk_plan.deadline}", lambda: record_step(
        fresh, {"step": "s02_applicant_talk", "date": late, "recorded_by": "李书记"}, as_of=late))
    talk = record_step(fresh, {"step": "s02_applicant_talk", "date": s01 + dt.timedelta(days=7),
                               "recorded_by": "李书记"}, as_of=as_of).dossier
    _show_refusal(out, "记录人自己审核", lambda: review_step(talk, 1, "李书记", as_of))
    _show_refusal(out, "谈话未经审核就确定积极分子", lambda: record_step(
        talk, {"step": "s03_activist_determined", "date": as_of, "recorded_by": "李书记",
               "nomination": ["league"]}, as_of=as_of))
    _show_refusal(out, "跳过谈话直接确定积极分子", lambda: record_step(
        fresh, {"step": "s03_activist_determined", "date": s01, "recorded_by": "李书记",
                "nomination": ["league"]}, as_of=as_of))
