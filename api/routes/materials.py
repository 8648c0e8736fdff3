"""Materials: PDF, JPEG or PNG, stored by SHA-256 and re-verified whenever they are read."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response

from api.deps import CurrentActor, SettingsDep, UowDep
from api.routes.dossiers import DossierId
from api.schemas import TYPED, MaterialStored
from workflow.service_layer import materials

router = APIRouter(tags=["materials"])


@router.post("/dossiers/{dossier_id}/materials", status_code=201, response_model=MaterialStored, **TYPED)
def attach_material(dossier_id: DossierId, actor: CurrentActor, uow: UowDep, settings: SettingsDep,
                    file: Annotated[UploadFile, File()], material_id: Annotated[str, Form(min_length=1)],
                    step: Annotated[str, Form(min_length=1)], date: Annotated[str | None, Form()] = None,
                    signed_by: Annotated[list[str] | None, Form()] = None):
    data = file.file.read(settings.max_upload_bytes + 1)
    meta = {"id": material_id, "step": step, "signed_by": signed_by or []}
    if date:
        meta["date"] = date
    return materials.attach_material(uow, actor, dossier_id, meta, data, declared_type=file.content_type,
                                     filename=file.filename, max_bytes=settings.max_upload_bytes)


@router.get("/dossiers/{dossier_id}/materials/{sha256}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
            summary="一份材料（PDF、JPEG 或 PNG，读出时再次核对 SHA-256）")
def read_material(dossier_id: DossierId, sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
                  actor: CurrentActor, uow: UowDep):
    data, media_type, _ = materials.read_material(uow, actor, dossier_id, sha256)
    return Response(content=data, media_type=media_type)
