"""Material files of a dossier: attached by SHA-256 with their entry in one event, read back re-verified."""
from __future__ import annotations

from workflow.service_layer.dossiers import load_dossier
from workflow.service_layer.parts import validate_part
from workflow.service_layer.scope import load_visible
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.service_layer.writes import append_event
from workflow.store import archive, blobs
from workflow.store.access import ARCHIVE_ROLES, ARCHIVE_STEP, WRITE_ROLES, Actor
from workflow.store.errors import NotFound


def attach_material(uow: UnitOfWork, actor: Actor, dossier_id: str, meta: dict, data: bytes, *,
                    declared_type: str | None, filename: str | None, max_bytes: int) -> dict:
    """Stores the file by SHA-256 and adds the material entry to the dossier in one transaction."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    roles = ARCHIVE_ROLES if meta.get("step") == ARCHIVE_STEP else WRITE_ROLES
    tree.require_role(actor, row.organisation_id, roles, "上传材料")
    archive.require_open(dossier, "再上传材料")
    media = blobs.check_upload(data, declared_type, max_bytes)
    digest = uow.blobs.store(data, media)
    item = {**meta, "sha256": digest}
    if filename:
        item["file"] = filename[:200]
    parsed = validate_part("materials", item, dossier)
    after = dossier.model_copy(update={"materials": [*(dossier.materials or []), parsed]})
    append_event(uow, row, dossier, after, kind="material_attached", actor=actor,
                 info={"material": parsed.id, "step": parsed.step, "sha256": digest},
                 index=(("material", {"material_id": parsed.id, "step": parsed.step, "sha256": digest,
                                      "filename": item.get("file")}),))
    uow.commit()
    return {"sha256": digest, "media_type": media, "size": len(data), "version": row.version}


def read_material(uow: UnitOfWork, actor: Actor, dossier_id: str, digest: str) -> tuple[bytes, str, str | None]:
    """The file's bytes, media type and name, if the dossier names it and the user may see the dossier."""
    row, _, _ = load_visible(uow, actor, dossier_id)
    material = uow.materials.find(row.id, digest)
    if material is None:
        raise NotFound("该档案没有这份材料", code="MATERIAL_NOT_FOUND", field="sha256")
    blob = uow.blobs.read(digest)
    return blob.data, blob.media_type, material.filename


def material_files(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict[str, bytes]:
    """Every uploaded file the dossier names, by SHA-256 and re-verified, for its archive bundle.

    A SHA-256 with no stored file (a paper original an import described) is left out: the bundle
    lists it as not provided. A stored file that no longer matches its SHA-256 is refused."""
    dossier = load_dossier(uow, actor, dossier_id)
    wanted = {m.sha256 for m in dossier.materials or [] if m.sha256}
    return {digest: uow.blobs.read(digest).data for digest in sorted(wanted) if uow.blobs.exists(digest)}
