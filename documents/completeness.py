"""Which required materials a dossier still lacks: the list the catalogue prints and s25 refuses on.

The answer is the engine's: its MATERIAL_MISSING findings, read through the finding's subject. This
module only adds what the documents room needs (the file section, one line per material). The 卷内目录
itself is produced by the archive bundle, so the final-archive check does not ask for it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from checklists.loader import Catalogue, default_catalogue
from documents.errors import ArchiveIncomplete
from documents.inforce import current_rule_set, overlay_key
from workflow.audit import audit_dossier
from workflow.dossier import Dossier

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


def missing_required_materials(dossier: Dossier, *, for_archive: bool = False,
                               catalogue: Catalogue | None = None) -> list[MissingMaterial]:
    """The engine's MATERIAL_MISSING findings, one per material, with the file section they belong in.

    The rule itself (which material each recorded step needs, under the rule set and overlay in force
    on the step's date) lives in the engine alone. For the archive, a dossier that lists no materials
    at all has registered none, so it is audited as if its list were empty. With `for_archive`, the
    卷内目录 (made by the bundle itself) is not asked for.
    """
    catalogue = catalogue or default_catalogue()
    probe = dossier if dossier.materials is not None else dossier.model_copy(update={"materials": []})
    as_of = max((s.date for s in dossier.steps), default=dt.date.today())
    key = overlay_key(dossier, catalogue)
    out: dict[str, MissingMaterial] = {}
    for finding in audit_dossier(probe, as_of, catalogue=catalogue).findings:
        if finding.code != "MATERIAL_MISSING" or finding.subject in out:
            continue
        if for_archive and finding.subject in GENERATED_BY_BUNDLE:
            continue
        rs = catalogue.get(finding.rule_set, key)
        material = rs.material_by_id[finding.subject]
        out[material.id] = MissingMaterial(material=material.id, name=material.name, step=material.step,
                                           step_name=rs.step_by_id[material.step].name, file=material.file,
                                           rule_set=rs.label)
    order = {m.id: i for i, m in enumerate(current_rule_set(dossier, catalogue).materials)}
    return sorted(out.values(), key=lambda m: order.get(m.material, len(order)))


def check_archivable(dossier: Dossier, catalogue: Catalogue | None = None) -> None:
    """Refuses the final archive while a required material is missing, naming every one."""
    missing = missing_required_materials(dossier, for_archive=True, catalogue=catalogue)
    if missing:
        names = "、".join(m.name for m in missing)
        raise ArchiveIncomplete(f"档案 {dossier.id} 不能归档，缺少 {len(missing)} 项必备材料：{names}",
                                field="materials", details=[{**m.to_dict(), "message": m.message}
                                                            for m in missing])
