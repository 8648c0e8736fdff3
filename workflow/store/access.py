"""Who may do what where: roles granted on an organisation reach its whole subtree.

The rules of the procedure live in the engine; this module only answers scope questions (which
organisations a user reaches with which role) so routes and the command line share one answer.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from checklists.loader import default_catalogue
from workflow.store import cache
from workflow.store.errors import Forbidden, NotFound
from workflow.store.tables import Organisation

OrgInfo = namedtuple("OrgInfo", [column.name for column in Organisation.__table__.columns])  # type: ignore[misc]
OrgInfo.__doc__ = """An organisation as read: every column of `Organisation`, immutable (trees are shared
between requests); to change an organisation, load the row itself in the session."""

READ_ROLES = frozenset({"organiser", "reviewer", "auditor", "archivist", "admin"})
WRITE_ROLES = frozenset({"organiser", "admin"})
ARCHIVE_ROLES = frozenset({"organiser", "archivist", "admin"})
EXPORT_ROLES = frozenset({"organiser", "auditor", "archivist", "admin"})
ADMIN_ROLES = frozenset({"admin"})


def _archive_step() -> str:
    """The step the rule sets mark `archives` (the one that files a case): one id under every rule set,
    since its roles (ARCHIVE_ROLES) are granted by step id, not per rule set."""
    ids = {step.id for rs in default_catalogue().ordered() for step in rs.steps if step.archives}
    if len(ids) != 1:
        raise RuntimeError(f"the rule sets should mark one archiving step (`archives`), not {sorted(ids)}")
    return ids.pop()


ARCHIVE_STEP = _archive_step()


@dataclass(frozen=True)
class Actor:
    """The user acting, with their grants as (organisation id, role) pairs; `system_admin` may edit
    national data (the working-day calendar), which no role on an organisation reaches."""

    user_id: int | None
    login: str
    name: str
    grants: tuple[tuple[int, str], ...] = ()
    system_admin: bool = False
    must_change_password: bool = False  # signed in with a temporary password: may only choose a new one


@dataclass
class OrgTree:
    """Every organisation (the tree is small). `load` gives the process's cached tree while the
    database's cache version has not moved (workflow/store/cache.py): a moved organisation, a new one
    or a changed pin counts at the next request. A loaded tree is shared: read it, never change it."""

    orgs: dict[int, OrgInfo]
    children: dict[int, list[int]] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, session: Session) -> "OrgTree":
        return cache.cached(session, "organisation_tree", cls.read)

    @classmethod
    def read(cls, session: Session) -> "OrgTree":
        """The tree as the database has it now (one query, no cache)."""
        orgs = {row[0]: OrgInfo(*row) for row in session.execute(select(Organisation.__table__))}
        children: dict[int, list[int]] = {}
        for org in orgs.values():
            if org.parent_id is not None:
                children.setdefault(org.parent_id, []).append(org.id)
        return cls(orgs, children)

    def _remember(self, key, value):
        if len(self._memo) > 4096:  # grant sets and organisations asked about: bounded all the same
            self._memo.clear()
        self._memo[key] = value
        return value

    def subtree(self, org_id: int) -> set[int]:
        """The organisation and everything below it (a new set the caller may change)."""
        found = self._memo.get(("subtree", org_id))
        if found is None:
            out, todo = set(), [org_id]
            while todo:
                current = todo.pop()
                if current in out:
                    continue
                out.add(current)
                todo.extend(self.children.get(current, []))
            found = self._remember(("subtree", org_id), frozenset(out))
        return set(found)

    def ancestors(self, org_id: int) -> list[int]:
        """Strict ancestors, nearest first."""
        found = self._memo.get(("ancestors", org_id))
        if found is None:
            out, current = [], self.orgs[org_id].parent_id
            while current is not None and current not in out:
                out.append(current)
                current = self.orgs[current].parent_id
            found = self._remember(("ancestors", org_id), tuple(out))
        return list(found)

    def root(self, org_id: int) -> int:
        chain = self.ancestors(org_id)
        return chain[-1] if chain else org_id

    def pinned(self, org_id: int) -> tuple[str | None, str | None]:
        """The rule set and overlay an organisation uses: its own pin, else the nearest ancestor's."""
        rule_set = overlay = None
        for current in [org_id, *self.ancestors(org_id)]:
            org = self.orgs[current]
            rule_set = rule_set or org.rule_set
            overlay = overlay or org.overlay
        return rule_set, overlay

    def _reach(self, actor: Actor, roles: frozenset[str]) -> frozenset[int]:
        key = ("reach", actor.grants, roles)
        found = self._memo.get(key)
        if found is None:
            out: set[int] = set()
            for grant_org, role in actor.grants:
                if role in roles and grant_org in self.orgs:
                    out |= self.subtree(grant_org)
            found = self._remember(key, frozenset(out))
        return found

    def reaches(self, actor: Actor, roles: frozenset[str], org_id: int | None) -> bool:
        """Whether one of the actor's grants gives one of `roles` at `org_id` (no set is copied)."""
        return org_id in self._reach(actor, roles)

    def reach(self, actor: Actor, roles: frozenset[str]) -> set[int]:
        """Every organisation where one of the actor's grants gives one of `roles` (a new set)."""
        return set(self._reach(actor, roles))

    def require_visible_org(self, actor: Actor, org_id: int | None) -> OrgInfo:
        if org_id is None or not self.reaches(actor, READ_ROLES, org_id):
            raise NotFound("找不到该组织，或您无权查看", code="ORGANISATION_NOT_FOUND", field="organisation_id")
        return self.orgs[org_id]

    def require_role(self, actor: Actor, org_id: int, roles: frozenset[str], what: str) -> None:
        if not self.reaches(actor, roles, org_id):
            raise Forbidden(f"您的角色不能{what}", code="FORBIDDEN")

    def may_review(self, actor: Actor, org_id: int, same_branch_allowed: bool) -> bool:
        """A reviewer on a strict ancestor, or on the same organisation when the overlay allows it."""
        above = set(self.ancestors(org_id))
        for grant_org, role in actor.grants:
            if role != "reviewer":
                continue
            if grant_org in above or (same_branch_allowed and grant_org == org_id):
                return True
        return False
