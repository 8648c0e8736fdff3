"""The one place a process gets its settings, procedure catalogue, working-day calendar and machines.

Why: the API factory, every command-line module and Alembic's `env.py` each built their own
`Settings()` and reached for the cached module globals (`default_catalogue()`, `default_calendar()`,
`procedure_machine()`) on their own. The edges now ask here, and `create_app` hands the same
objects on as one `Wiring`, so what a process runs with is decided in one module and a test can
replace it in one place.

Settings are read from the `FAZHAN_*` environment once per process. Tests replace them by passing
`Settings(...)` to `create_app`/`wire`, or for the command line with `settings_overridden(...)`; a
test that sets `FAZHAN_*` variables with `monkeypatch` gets them read afresh, because the cached
settings remember the environment they were read from.

Everything heavy (pydantic-settings, the rule catalogue) is imported when first asked for, so the
command line's `fazhan --help` and file audits still start without the store's libraries.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checklists.loader import Catalogue
    from workflow.dates import WorkingCalendar
    from workflow.machine import ProcedureMachine
    from workflow.store.settings import Settings

ENV_PREFIX = "fazhan_"  # pydantic-settings matches environment names without regard to case

_read: tuple[tuple, Settings] | None = None  # (the environment they were read from, the settings)
_override: Settings | None = None


def _environment(fields) -> tuple:
    """The values of the settings' own variables now (a changed value means settings read again)."""
    present = {k.lower(): v for k, v in os.environ.items() if k.lower().startswith(ENV_PREFIX)}
    return tuple(present.get(ENV_PREFIX + name) for name in fields)


def settings() -> Settings:
    """The process's settings: the override while one is in force, else read once from the environment."""
    global _read
    if _override is not None:
        return _override
    from workflow.store.settings import Settings

    key = _environment(Settings.model_fields)
    read = _read
    if read is None or read[0] != key:
        read = _read = (key, Settings())
    return read[1]


@contextmanager
def settings_overridden(replacement: Settings) -> Iterator[Settings]:
    """For tests: `settings()` answers `replacement` inside the block, whatever the environment says."""
    global _override
    previous, _override = _override, replacement
    try:
        yield replacement
    finally:
        _override = previous


def catalogue() -> Catalogue:
    """The rule sets and overlays of this process (loaded once from checklists/data)."""
    from checklists.loader import default_catalogue

    return default_catalogue()


def calendar() -> WorkingCalendar:
    """The working-day calendar of this process; `sync_calendar` refreshes it from the store's table."""
    from workflow.dates import default_calendar

    return default_calendar()


def machine(rule_set_id: str | None = None) -> ProcedureMachine:
    """The procedure machine of one national rule set (the newest when none is named)."""
    from workflow.machine import procedure_machine

    return procedure_machine(rule_set_id)  # one machine per rule set id, however it is asked for


@dataclass(frozen=True)
class Wiring:
    """What an application is built with, handed on as one value (kept on `app.state.wiring`)."""

    settings: Settings
    catalogue: Catalogue
    calendar: WorkingCalendar

    def machine(self, rule_set_id: str | None = None) -> ProcedureMachine:
        return machine(rule_set_id)


def wire(chosen: Settings | None = None) -> Wiring:
    """The process's wiring, with `chosen` settings in place of the environment's when given (tests)."""
    return Wiring(settings=chosen if chosen is not None else settings(), catalogue=catalogue(), calendar=calendar())
