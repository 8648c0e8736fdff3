"""The step rules of one rule set, for one sequence of recorded steps, as one generated function.

Why: a clean dossier runs some eighteen step rules, and nearly all of them find nothing; calling
each kind's evaluator (five arguments, its parameters read, the anchor looked up, a gap added) to
learn that costs more than the rest of the audit. For a rule set object (an overlay is another
object) and a sequence of step ids (`DossierView.steps_key`) the rules to run, their order and where
each reads its anchor are known before any date is, so they are written once into Python source:
for each (rule, record) of the run, in the run's order, the rule's own "could this fire?" screen
with its figures as constants and the positions of its record and anchor fixed, and a call of the
kind's exact evaluator (the same `check`, with the view's Occurrence: `view.occurrence(at)`, one
made alone when the view has not made them all, which a clean dossier's audit then never does) only
when the screen cannot rule a finding out. The evaluator alone writes findings, so they are the same findings in
the same order; a skipped call is one that would have returned without writing any.

Each screen mirrors its evaluator's early returns exactly or asks less (a screen that ignores an
option that only ever suppresses a finding, such as `waived_by`, lets more calls through, never
fewer). An evaluator without a screen here is always called. The plans serve a plain audit
(`ctx.hypothetical is None`) of a dossier judged wholly by one rule set. When no step repeats the
positions are fixed in the source (an absent anchor is known when the plan is written); when a step
repeats (an extended probation) the screens ask the view for the anchor of the record's cycle.
A plan is compiled the second time its sequence is seen (`CompiledPlans`); the first time, and for
a hypothetical audit or a dossier judged by several rule sets, workflow.audit runs the plain loop.

The screens and what they call at run time are in workflow.rules.plan_screens; this module writes,
compiles and keeps the plans. `plan_source(rs, steps)` gives the source as written, for reading (`python -m
workflow.rules.compiled_plan 2014 s01_application s02_applicant_talk`).
"""
from __future__ import annotations

from workflow.rules.plan_screens import SCREENS, PlanWriter

__all__ = ["SCREENS", "CompiledPlans", "compile_plan", "plan_source", "run_of", "write_plan"]


def _one_line(text: str) -> str:
    """Text for a comment of the generated source: whatever a rule's code or an id holds (an overlay's
    rule may name any code), it stays inside the comment, never a line of code of its own."""
    return " ".join(text.split())


def write_plan(rs, run, steps: tuple[str, ...], repeated: bool) -> tuple[str, dict]:
    """(source, namespace) of the plan of `run`: (evaluator, rule, position) in the audit's order."""
    w = PlanWriter(rs, steps, repeated)
    w.load("E", f"{w.dossier()}.steps")
    for n, (evaluator, rule, at) in enumerate(run):
        head = "# " + _one_line(f"{steps[at]} (record {at}): {rule.kind} {rule.code}")
        mark = len(w.lines)
        w.lines.append(head)
        screen = SCREENS.get(evaluator)
        found = None if screen is None else screen(w, rule, at)
        call = f"{w.const(evaluator, 'CHECK')}({w.const(rule, 'RULE')}, view.occurrence({at}), view, ctx, out)"
        if found is None:
            w.lines[mark] = head + ": always called"
            w.lines.append(call)
        elif not found[0]:
            w.lines[mark] = head + f": cannot fire, {found[1]}"
        else:
            w.lines[mark] = head + f": called when {found[1]}"
            w.lines.extend(line.replace("{call}", call) for line in found[0])
    body = "\n".join("    " + line for line in w.lines)
    title = _one_line(str(rs.id))
    source = f"def plan(view, ctx, out):\n    # rule set {title}: {len(run)} rule calls over {len(steps)} records\n{body}\n"
    return source, w.ns


def compile_plan(rs, run, steps: tuple[str, ...], repeated: bool):
    """The plan as a function `plan(view, ctx, out)`."""
    source, namespace = write_plan(rs, run, steps, repeated)
    code = compile(source, f"<step plan {rs.id} {len(steps)} steps>", "exec")
    exec(code, namespace)
    return namespace["plan"]


class CompiledPlans:
    """The plans of one rule set object, per (sequence of step ids, whether a step repeats). A plan
    is written and compiled (about a millisecond) the second time its sequence is seen: a sequence
    seen once (a one-off order of steps) runs the plain loop instead. Bounded: emptied when full."""

    def __init__(self, rs, run_of):
        self.rs, self.run_of = rs, run_of
        self.plans: dict[tuple, object] = {}
        self.seen: dict[tuple, int] = {}
        self.compiled = 0
        """How many plans were compiled (a plan is compiled once per sequence while remembered)."""

    def plan(self, steps: tuple[str, ...], repeated: bool):
        key = (steps, repeated)
        found = self.plans.get(key)
        if found is None:
            if key not in self.seen:
                if len(self.seen) >= 4096:
                    self.seen.clear()
                self.seen[key] = 1
                return _looped(self.run_of(steps))
            if len(self.plans) >= 1024:
                self.plans.clear()
            found = self.plans[key] = compile_plan(self.rs, self.run_of(steps), steps, repeated)
            self.compiled += 1
        return found


def _looped(run):
    """The run as the audit ran it before plans were compiled: every rule called."""
    def plan(view, ctx, out):
        occurrences = view.occurrences
        for evaluator, rule, at in run:
            evaluator(rule, occurrences[at], view, ctx, out)
    return plan


def run_of(rs, steps) -> list[tuple]:
    """(evaluator, plain rule, position) of every rule of every record of `steps` under `rs`, in the
    audit's order: what workflow.audit compiles per rule set, built afresh (for reading and tests)."""
    from workflow.rules import STEP_EVALUATORS
    from workflow.rules.plain import plain_rule

    return [(STEP_EVALUATORS[rule.kind], plain_rule(rule), at) for at, step in enumerate(steps)
            for rule in rs.rules_by_step.get(step, ())]


def plan_source(rs, steps, repeated: bool = False) -> str:
    """The source of the plan of `steps` under `rs` (a RuleSet): for reading and debugging."""
    steps = tuple(steps)
    return write_plan(rs, run_of(rs, steps), steps, repeated)[0]


if __name__ == "__main__":  # python -m workflow.rules.compiled_plan RULE_SET [STEP ...] (all steps by default)
    import sys

    from checklists.loader import default_catalogue

    chosen = default_catalogue().national[sys.argv[1]]
    print(plan_source(chosen, sys.argv[2:] or [step.id for step in chosen.steps]))
