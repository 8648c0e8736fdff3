"""Appending one event to a dossier: the row then shows the new version and the state derived from it."""
from __future__ import annotations

from typing import Any

from workflow.dossier import Dossier
from workflow.machine import derive_state
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import Actor


def append_event(uow: UnitOfWork, row: Any, before: Dossier, after: Dossier, *, kind: str, actor: Actor,
                 info: dict, index: tuple = (), complete: bool = False, **columns) -> Any:
    """`index`: insert-only index rows written with the event, as ("step_record" | "review" |
    "material", values); `complete`: the use case writes nothing after it, so the whole write is one
    statement (workflow/adapters/sql.py); `columns`: dossier columns moved with it (transfers)."""
    return uow.dossiers.append(row, before, after, kind=kind, actor=actor.name, info=info, state=derive_state(after),
                               index=index, complete=complete, **columns)
