"""What the use cases ask of storage: the unit of work and its repositories, as protocols.

workflow/adapters/sql.py answers with SQL, workflow/adapters/fake.py from memory. Rows are records
with the dossier table's columns as attributes (id, organisation_id, root_organisation_id,
pending_organisation_id, person_name, birth_date, id_number, state, version, head_hash, snapshot).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from workflow.dossier import Dossier
from workflow.store.access import Actor, OrgTree


# The repositories every unit of work carries, by attribute name: a wrapper handing a unit of work on
# (a batch's one transaction) passes each of these, and the fake has each of them.
REPOSITORIES = ("dossiers", "orgs", "materials", "blobs", "members", "league", "changes", "users")


class Dossiers(Protocol):
    def get(self, dossier_id: str) -> Any | None: ...

    def load(self, dossier_id: str) -> Any | None:
        """The row to write through: `append` needs it (with its ledger line on SQL)."""

    def document(self, row: Any) -> Dossier: ...

    def document_dict(self, row: Any, dossier: Dossier) -> dict: ...

    def by_id_number(self, root_organisation_id: int, id_number: str) -> str | None: ...

    def by_person(self, root_organisation_id: int, name: str, birth_date: dt.date) -> str | None: ...

    def listing(self, organisations: set[int], pending_organisations: set[int], *, state: str | None = None,
                limit: int = 100, offset: int = 0) -> list[Any]: ...

    def by_ids(self, dossier_ids: list[str]) -> list[Any]: ...

    def in_organisations(self, organisations: set[int]) -> list[Any]: ...

    def first_by_organisation(self, organisations: set[int], limit: int) -> list[Any]:
        """Up to `limit` dossiers kept in `organisations`, by organisation, then id."""

    def history(self, dossier_id: str) -> list[Any]:
        """Events (seq, kind, actor, at, payload text, hash, prev_hash) in order."""

    def last_step_record(self, dossier_id: str, step_index: int) -> int | None: ...

    def create(self, document: Dossier, *, organisation_id: int, root_organisation_id: int, id_number: str | None,
               state: str, kind: str, actor: str, info: dict) -> Any: ...

    def append(self, row: Any, before: Dossier, after: Dossier, *, kind: str, actor: str, info: dict, state: str,
               index: tuple = (), complete: bool = False, **columns) -> Any:
        """One event; `index`: ("step_record" | "review" | "material", values) rows written with it."""


class Orgs(Protocol):
    def tree(self) -> OrgTree: ...


class Materials(Protocol):
    def find(self, dossier_id: str, sha256: str) -> Any | None:
        """The material index row (its `filename`) of this file in this dossier."""


class Blobs(Protocol):
    def store(self, data: bytes, media_type: str) -> str: ...

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> Any:
        """The file (`data`, `media_type`), re-verified against its SHA-256."""


class Members(Protocol):
    def get(self, member_id: int) -> Any | None:
        """The roster member (organisation_id, name, status, joined_on, full_since, discipline,
        discipline_from, discipline_until) or None."""


class League(Protocol):
    def get(self, nomination_id: int) -> Any | None:
        """The 推优 record (organisation_id, dossier_id, meeting_on, valid_until) or None."""


class Changes(Protocol):
    """Proposals waiting for a second person (dossier_id, kind, payload JSON text, organisation_id, status,
    proposed_by[_user_id], proposed_on, proposed_event_seq, decided_by[_user_id], decided_on, comment,
    applied_event_seq). A decision is set on the attributes of a row got here; `commit()` writes it."""

    def get(self, change_id: int) -> Any | None: ...

    def of_dossier(self, dossier_id: str) -> list[Any]:
        """Newest first."""

    def pending(self, limit: int) -> list[Any]:
        """The oldest `limit` still waiting, anywhere."""

    def pending_of(self, dossier_id: str, kind: str) -> list[Any]: ...

    def add(self, **values) -> Any:
        """A new proposal, with its id."""


class Users(Protocol):
    def active_actor(self, user_id: int) -> Actor | None:
        """The user as an actor (with their grants), if the account exists and is active."""


class UnitOfWork(Protocol):
    dossiers: Dossiers
    orgs: Orgs
    materials: Materials
    blobs: Blobs
    members: Members
    league: League
    changes: Changes
    users: Users

    def commit(self) -> None: ...

    def rollback(self) -> None:
        """Throws away what is not committed; the unit of work stays usable."""
