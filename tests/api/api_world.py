"""Constants and the world builder shared by the API tests (importable, unlike conftest)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from workflow.store import admin
from workflow.store.repository import UnitOfWork

TODAY = dt.date(2026, 11, 21)
ROLES = ("organiser", "reviewer", "auditor", "archivist", "admin")
PASSWORD = "correct-horse-1"
MAX_UPLOAD = 64 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class World:
    app: object
    engine: object
    orgs: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None = None) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False)
        if who is not None:
            client.headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return client


def build_world(engine) -> World:
    """Tree A: 党委 → 党总支 → 支部 A1, A2; tree X: 党委 → 支部 X1. One user per role on A's root,
    plus a branch organiser (A1), an organiser of X, a reviewer of X, and a recorder-reviewer (A1 + A)."""
    def org(name, level, parent=None):
        with UnitOfWork(engine) as u:
            return admin.create_organisation(u, None, name=name, level=level, parent_id=parent)["id"]

    a = org("甲大学党委", "committee")
    ag = org("甲学院党总支", "general_branch", a)
    a1 = org("甲学院第一支部", "branch", ag)
    a2 = org("甲学院第二支部", "branch", ag)
    x = org("乙大学党委", "committee")
    x1 = org("乙学院支部", "branch", x)
    orgs = {"A": a, "AG": ag, "A1": a1, "A2": a2, "X": x, "X1": x1}
    grants = {role: [(a, role)] for role in ROLES}
    grants.update({"branch_organiser": [(a1, "organiser")], "sibling_organiser": [(a2, "organiser")],
                   "foreign_organiser": [(x1, "organiser")], "foreign_reviewer": [(x, "reviewer")],
                   "both": [(a1, "organiser"), (a, "reviewer")]})
    names = {"organiser": "李书记", "reviewer": "王组织员", "auditor": "陈审计", "archivist": "林档案",
             "admin": "周管理员", "branch_organiser": "吴支书", "sibling_organiser": "郑支书",
             "foreign_organiser": "冯支书", "foreign_reviewer": "褚组织员", "both": "卫双岗"}
    world = World(app=None, engine=engine, orgs=orgs)
    for who, granted in grants.items():
        with UnitOfWork(engine) as u:
            world.users[who] = admin.create_user(u, None, login=who, display_name=names[who], password=PASSWORD,
                                                 grants=granted)["id"]
    return world
