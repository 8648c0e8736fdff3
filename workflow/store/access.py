"""Who may do what where: roles granted on an organisation reach its whole subtree.

The rules of the procedure live in the engine; this module only answers scope questions (which
organisations a user reaches with which role) so routes and the command line share one answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from workflow.store.errors import Forbidden, NotFound
from workflow.store.tables import Organisation

READ_ROLES = frozenset({"organiser", "reviewer", "auditor", "archivist", "admin"})
WRITE_ROLES = frozenset({"organiser", "admin"})
ARCHIVE_ROLES = frozenset({"organiser", "archivist", "admin"})
EXPORT_ROLES = frozenset({"organiser", "auditor", "archivist", "admin"})
ADMIN_ROLES = frozenset({"admin"})
ARCHIVE_STEP = "s25_archived"


@dataclass(frozen=True)
class Actor:
    """The user acting, with their grants as (organisation id, role) pairs; `system_admin` may edit
    national data (the working-day calendar), which no role on an organisation reaches."""

    user_id: int | None
    login: str
    name: str
    grants: tuple[tuple[int, str], ...] = ()
    system_admin: bool = False


@dataclass
class OrgTree:
    """Every organisation, loaded once per use case (the tree is small)."""

    orgs: dict[int, Organisation]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "OrgTree":
        orgs = {o.id: o for o in session.exec(select(Organisation)).all()}
        children: dict[int, list[int]] = {}
        for org in orgs.values():
            if org.parent_id is not None:
                children.setdefault(org.parent_id, []).append(org.id)
        return cls(orgs, children)

    def subtree(self, org_id: int) -> set[int]:
        out, todo = set(), [org_id]
        while todo:
            current = todo.pop()
            if current in out:
                continue
            out.add(current)
            todo.extend(self.children.get(current, []))
        return out

    def ancestors(self, org_id: int) -> list[int]:
        """Strict ancestors, nearest first."""
        out, current = [], self.orgs[org_id].parent_id
        while current is not None and current not in out:
            out.append(current)
            current = self.orgs[current].parent_id
        return out

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

    def reach(self, actor: Actor, roles: frozenset[str]) -> set[int]:
        out: set[int] = set()
        for org_id, role in actor.grants:
            if role in roles and org_id in self.orgs:
                out |= self.subtree(org_id)
        return out

    def require_visible_org(self, actor: Actor, org_id: int | None) -> Organisation:
        if org_id is None or org_id not in self.reach(actor, READ_ROLES):
            raise NotFound("找不到该组织，或您无权查看", code="ORGANISATION_NOT_FOUND", field="organisation_id")
        return self.orgs[org_id]

    def require_role(self, actor: Actor, org_id: int, roles: frozenset[str], what: str) -> None:
        if org_id not in self.reach(actor, roles):
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
