"""Material files: type and size checked on the way in, stored by SHA-256, re-verified on read."""
from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from workflow.store.errors import MaterialCorrupt, MaterialRejected
from workflow.store.tables import Blob

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACCEPTED = {media for _, media in _MAGIC}


def sniff(data: bytes) -> str | None:
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return media
    return None


def check_upload(data: bytes, declared: str | None, max_bytes: int) -> str:
    """The media type of an acceptable upload; raises MaterialRejected otherwise."""
    if not data:
        raise MaterialRejected("上传的文件是空的", code="MATERIAL_EMPTY", field="file")
    if len(data) > max_bytes:
        raise MaterialRejected(f"文件大小 {len(data)} 字节超过上限 {max_bytes} 字节", code="MATERIAL_TOO_LARGE",
                               field="file")
    media = sniff(data)
    if media is None:
        raise MaterialRejected("只接受 PDF、JPEG、PNG 文件", code="MATERIAL_TYPE", field="file")
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", media):
        raise MaterialRejected(f"文件内容是 {media}，与声明的类型 {declared} 不符", code="MATERIAL_TYPE",
                               field="file")
    return media


def store(session: Session, data: bytes, media_type: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, media_type=media_type, size=len(data), data=data))
    return digest


def exists(session: Session, digest: str) -> bool:
    return session.exec(select(Blob.sha256).where(Blob.sha256 == digest)).first() is not None


def read(session: Session, digest: str) -> Blob:
    blob = session.get(Blob, digest)
    if blob is None:
        raise MaterialCorrupt("材料文件丢失", code="MATERIAL_MISSING_FILE")
    if hashlib.sha256(blob.data).hexdigest() != digest or len(blob.data) != blob.size:
        raise MaterialCorrupt("材料文件内容与其 SHA-256 不符，可能已被篡改", code="MATERIAL_CORRUPT")
    return blob
