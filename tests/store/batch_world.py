"""A branch with a cohort of cases for the batch and inbox tests: a 党委 with two branches, an organiser
of the first branch, a reviewer on the 党委, and one person who is both (organiser of the branch and
reviewer above it), each an `Actor` as the use cases receive it."""
from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from workflow.service_layer import dossiers, reviews
from workflow.store import admin
from workflow.store.access import Actor

TODAY = dt.date(2026, 11, 21)
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "01_valid_2014_full_record.json"


@dataclass
class World:
    root: int
    branch: int
    other: int
    organiser: Actor
    reviewer: Actor
    both: Actor
    other_organiser: Actor


def build(uow) -> World:
    with uow() as u:
        root = admin.create_organisation(u, None, name="甲大学党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="第一支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        other = admin.create_organisation(u, None, name="第二支部", level="branch", parent_id=root)["id"]
    return World(root, branch, other,
                 organiser=Actor(None, "org", "吴支书", ((branch, "organiser"),)),
                 reviewer=Actor(None, "rev", "王组织员", ((root, "reviewer"),)),
                 both=Actor(None, "both", "卫双岗", ((branch, "organiser"), (root, "reviewer"))),
                 other_organiser=Actor(None, "other", "郑支书", ((other, "organiser"),)))


def example() -> dict:
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"])


def import_case(uow, world: World, dossier_id: str, upto: int, name: str, birth: str,
                organisation: int | None = None, **person) -> str:
    """The valid 2014 case up to step `upto`, materials untracked, its paper reviews confirmed."""
    document = example()
    document.pop("materials", None)
    document["id"] = dossier_id
    document["steps"] = document["steps"][:upto]
    document["person"].update(name=name, birth_date=birth, **person)
    document["person"].pop("id_number", None) if "id_number" not in person else None
    if upto < 18:
        document["assessments"] = [a for a in document["assessments"] if a["period"] == "activist"]
    admin_actor = Actor(None, "seed", "导入员", ((world.root, "admin"),))
    with uow() as u:
        dossiers.import_dossier(u, admin_actor, organisation or world.branch, document)
    if upto:
        with uow() as u:
            reviews.confirm_paper_reviews(u, Actor(None, "seed-r", "核验员", ((world.root, "reviewer"),)),
                                          dossier_id, today=TODAY)
    return dossier_id
