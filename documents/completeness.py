"""Which required materials a dossier still lacks: the list the catalogue prints and s25 refuses on.

A material is required once its step is recorded, under the rule set (with overlay) in force on
that step's date. The 卷内目录 itself is produced by the archive bundle, so the final-archive check
does not ask for it. The engine enforces the same rule at s25 with its own evaluator; this module
answers the question for the documents room (catalogue, bundle, `--final`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from checklists.loader import Catalogue, default_catalogue
from checklists.model import Material, RuleSet
from documents.errors import ArchiveIncomplete
from documents.inforce import current_rule_set, rule_set_on
from workflow.dossier import Dossier

ARCHIVE_STEP = "s25_archived"
GENERATED_BY_BUNDLE = {"archive_catalogue"}


@dataclass(frozen=True)
class MissingMaterial:
    material: str
    name: str
    step: str
    step_name: str
    file: str
    rule_set: str

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def message(self) -> str:
        return f"{self.step_name}缺少材料：{self.name}"


def required_materials(dossier: Dossier, *, for_archive: bool = False,
                       catalogue: Catalogue | None = None) -> list[tuple[Material, RuleSet]]:
    """(material, rule set) for every material required by a recorded step, in checklist order."""
    catalogue = catalogue or default_catalogue()
    latest = {}
    for entry in dossier.steps:
        if entry.step not in latest or entry.date >= latest[entry.step]:
            latest[entry.step] = entry.date
    base = current_rule_set(dossier, catalogue)
    steps = dict(latest)
    if for_archive and ARCHIVE_STEP not in steps:
        steps[ARCHIVE_STEP] = None
    out = []
    for material in base.materials:
        if material.step not in steps:
            continue
        day = steps[material.step]
        rs = rule_set_on(dossier, day, catalogue) if day is not None else base
        current = rs.material_by_id.get(material.id)
        if current is None or current.required != "yes":
            continue
        if for_archive and current.id in GENERATED_BY_BUNDLE:
            continue
        out.append((current, rs))
    return out


def missing_required_materials(dossier: Dossier, *, for_archive: bool = False,
                               catalogue: Catalogue | None = None) -> list[MissingMaterial]:
    """Required materials (see `required_materials`) that the dossier does not list.

    A dossier without a `materials` list has registered none, so every required one is missing.
    With `for_archive`, s25's own materials count as required even before s25 is recorded.
    """
    present = {m.id for m in dossier.materials or []}
    out = []
    for material, rs in required_materials(dossier, for_archive=for_archive, catalogue=catalogue):
        if material.id in present:
            continue
        step = rs.step_by_id[material.step]
        out.append(MissingMaterial(material=material.id, name=material.name, step=material.step,
                                   step_name=step.name, file=material.file, rule_set=rs.label))
    return out


def check_archivable(dossier: Dossier, catalogue: Catalogue | None = None) -> None:
    """Refuses the final archive while a required material is missing, naming every one."""
    missing = missing_required_materials(dossier, for_archive=True, catalogue=catalogue)
    if missing:
        names = "、".join(m.name for m in missing)
        raise ArchiveIncomplete(f"档案 {dossier.id} 不能归档，缺少 {len(missing)} 项必备材料：{names}",
                                field="materials", details=[{**m.to_dict(), "message": m.message}
                                                            for m in missing])
