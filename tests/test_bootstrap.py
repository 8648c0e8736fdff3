"""workflow.bootstrap: settings read once per process, read again when a test changes the environment,
replaceable for a block; the catalogue, calendar and machines are the process's own."""
from __future__ import annotations

from checklists.loader import default_catalogue
from workflow import bootstrap
from workflow.dates import default_calendar
from workflow.machine import procedure_machine
from workflow.store.settings import Settings


def test_settings_are_read_once_while_the_environment_stays(monkeypatch):
    monkeypatch.setenv("FAZHAN_DATABASE_URL", "sqlite:///one.db")
    first = bootstrap.settings()
    assert first.database_url == "sqlite:///one.db"
    assert bootstrap.settings() is first
    monkeypatch.setenv("FAZHAN_UNRELATED_VARIABLE", "x")  # not a setting: nothing to read again
    assert bootstrap.settings() is first


def test_a_changed_variable_is_read_again(monkeypatch):
    monkeypatch.setenv("FAZHAN_DATABASE_URL", "sqlite:///one.db")
    first = bootstrap.settings()
    monkeypatch.setenv("FAZHAN_DATABASE_URL", "sqlite:///two.db")
    assert bootstrap.settings().database_url == "sqlite:///two.db"
    monkeypatch.setenv("fazhan_inbox_due_days", "7")  # pydantic-settings ignores the case of the name
    assert bootstrap.settings().inbox_due_days == 7
    monkeypatch.delenv("fazhan_inbox_due_days")
    monkeypatch.setenv("FAZHAN_DATABASE_URL", "sqlite:///one.db")
    assert bootstrap.settings() is not first and bootstrap.settings().database_url == "sqlite:///one.db"


def test_an_override_wins_inside_its_block_only(monkeypatch):
    monkeypatch.setenv("FAZHAN_DATABASE_URL", "sqlite:///env.db")
    chosen = Settings(database_url="sqlite://", max_upload_bytes=1)
    with bootstrap.settings_overridden(chosen):
        assert bootstrap.settings() is chosen
        assert bootstrap.wire().settings is chosen
    assert bootstrap.settings().database_url == "sqlite:///env.db"


def test_the_wiring_hands_on_the_process_objects():
    chosen = Settings(database_url="sqlite://")
    wiring = bootstrap.wire(chosen)
    assert wiring.settings is chosen
    assert wiring.catalogue is default_catalogue() is bootstrap.catalogue()
    assert wiring.calendar is default_calendar() is bootstrap.calendar()
    assert wiring.machine() is procedure_machine() and wiring.machine("2014") is procedure_machine("2014")
