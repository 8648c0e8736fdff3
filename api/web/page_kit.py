"""Small pieces the roster, administration, audit and search pages share: a refusal's problems by
field (each shown beside its field, with its stable code), an uploaded file held in a private
temporary file for as long as a use case reads it, and a download that is never cached."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import Response
from starlette.datastructures import UploadFile

from api.web.views import Problem
from workflow.errors import FazhanError, InputError


def field_problems(exc: FazhanError, fields: tuple[str, ...] | list[str]) -> dict[str, list[Problem]]:
    """Every problem of a refusal keyed by the form field it concerns ("_general" for the rest)."""
    out: dict[str, list[Problem]] = {}
    items = [d for d in exc.details if isinstance(d, dict) and d.get("message")] or \
        [{"field": exc.field, "code": exc.code, "message": exc.message}]
    for item in items:
        where = item.get("field") if item.get("field") in fields else "_general"
        out.setdefault(where, []).append(Problem(item["message"], item.get("code") or exc.code))
    return out


async def upload_bytes(file: object, limit: int, accepted: tuple[str, ...]) -> tuple[bytes, str]:
    """The uploaded file's bytes (at most `limit`) and its suffix, or a refusal for the `file` field."""
    if not isinstance(file, UploadFile) or not file.filename:
        raise InputError("请选择要上传的文件", code="FIELD_REQUIRED", field="file")
    suffix = Path(file.filename).suffix.lower()
    if suffix not in accepted:
        raise InputError(f"只能上传 {'、'.join(accepted)} 文件", code="FILE_TYPE", field="file")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"文件过大（不超过 {size_words(limit)}）", code="FILE_TOO_LARGE", field="file")
    if not data:
        raise InputError("文件是空的", code="FILE_EMPTY", field="file")
    return data, suffix


def size_words(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"


def _safe_name(filename: str | None, suffix: str) -> str:
    """The upload's own base name (a CSV's errors name their sheet after it), or `upload.xlsx`."""
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '/\\:*?"<>|')[:100]
    return name if name.lower().endswith(suffix) and name != suffix else f"upload{suffix}"


@contextmanager
def held(data: bytes, suffix: str, filename: str | None = None) -> Iterator[str]:
    """The bytes in a temporary file of this process's private scratch directory (workflow/scratch.py)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / _safe_name(filename, suffix)
        path.write_bytes(data)
        yield str(path)


def download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "Cache-Control": "no-store"})
