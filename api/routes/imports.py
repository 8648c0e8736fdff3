"""Importing a spreadsheet or dossier/1 file into an organisation: good rows in, bad rows listed."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi import Path as PathParam

from api.deps import CurrentActor, SettingsDep, TodayDep, UowDep
from api.schemas import TYPED, ImportReport
from workflow.errors import InputError
from workflow.service_layer.imports import (
    SPREADSHEET_SUFFIXES,
    import_path,
    require_import_rights,
)

router = APIRouter(tags=["import"])
ACCEPTED = SPREADSHEET_SUFFIXES | {".json"}


@router.post("/organisations/{organisation_id}/import", response_model=ImportReport, **TYPED)
def import_file(organisation_id: Annotated[int, PathParam()], file: Annotated[UploadFile, File()],
                actor: CurrentActor, settings: SettingsDep, uow: UowDep, today: TodayDep):
    """Each dossier commits on its own; importing the same file again updates the same dossiers."""
    require_import_rights(uow, actor, organisation_id)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in ACCEPTED:
        raise InputError(f"只能导入 {'、'.join(sorted(ACCEPTED))} 文件", code="FILE_TYPE", field="file")
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise InputError("文件过大", code="FILE_TOO_LARGE", field="file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        report = import_path(uow, actor, organisation_id, str(path), label=(file.filename or "")[:200], today=today)
    return report.to_dict()
