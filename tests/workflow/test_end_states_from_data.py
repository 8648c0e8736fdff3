"""The archiving step and the end states code relies on are read from the rule sets' data (their
`archives` step, its `in_state`, the states that are not `live`), not written in the code."""
from __future__ import annotations

from checklists.loader import default_catalogue
from workflow.cultivation.walk import ENDED, FULL_MEMBER
from workflow.machine import procedure_machine
from workflow.store.access import ARCHIVE_STEP


def test_the_archive_step_and_the_goal_state_are_the_machines_own():
    for rs in default_catalogue().ordered():
        machine = procedure_machine(rs.id)
        assert ARCHIVE_STEP == machine.archive_step.id, rs.id
        assert FULL_MEMBER == machine.archive_step.in_state and FULL_MEMBER in machine.ends, rs.id
        assert ENDED == frozenset(machine.ends) - {FULL_MEMBER}, rs.id
    assert FULL_MEMBER not in ENDED and ENDED
