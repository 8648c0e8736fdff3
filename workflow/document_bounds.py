"""What a `dossier/1` document may carry beyond its typed fields: a safe id, and bounded unknown fields.

A dossier id names files (forms, bundles, `fazhan convert`), URLs and log lines, so it may not be a
path (no "/", "\\" or "..") nor hide what it says: no control character, and no invisible format
character, the bidirectional marks and overrides (U+200E/F, U+202A–U+202E, U+2066–U+2069) among
them, which can make "abc.pdf" display as "fdp.cba" in a listing.

Unknown fields are kept for a lossless export, so what anyone sends is stored forever: each object
of the document may have at most MAX_EXTRA_FIELDS of them, taking MAX_EXTRA_BYTES of JSON together.
"""
from __future__ import annotations

import json
import unicodedata

MAX_EXTRA_FIELDS = 32
MAX_EXTRA_BYTES = 16 * 1024
_HIDDEN = {"Cc", "Cf", "Zl", "Zp"}  # controls, invisible format characters (bidi ones included), line breaks
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def dossier_id_problem(value: str) -> str | None:
    """Why `value` cannot be a dossier id (in Chinese), or None when it can."""
    if "/" in value or "\\" in value:
        return "档案编号不能含有“/”或“\\”（编号会用作文件名和网址）"
    if ".." in value or value.strip(".") == "":
        return "档案编号不能含有“..”，也不能只由“.”组成（编号会用作文件名）"
    for char in value:
        if unicodedata.category(char) in _HIDDEN:
            kind = "方向控制字符" if ord(char) in BIDI_CONTROLS else "控制字符或不可见字符"
            return f"档案编号不能含有{kind}（U+{ord(char):04X}）"
    return None


def extra_fields_problem(extra: dict) -> str | None:
    """Why an object's unknown fields are too many or too large (in Chinese), or None."""
    if len(extra) > MAX_EXTRA_FIELDS:
        return f"未知字段过多：{len(extra)} 个，每个对象最多 {MAX_EXTRA_FIELDS} 个"
    size = len(json.dumps(extra, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_EXTRA_BYTES:
        return f"未知字段过大：共 {size // 1024} KB，每个对象最多 {MAX_EXTRA_BYTES // 1024} KB"
    return None


MAX_DOSSIER_FILE_BYTES = 16 * 1024 * 1024
"""A `dossier/1` file (one person's record is ~10 KB; a JSON import file may list many) read whole."""


def read_bounded(path: str, limit: int = MAX_DOSSIER_FILE_BYTES) -> bytes:
    """The bytes of a file ("-": standard input), or an InputError when it is larger than `limit`:
    a hostile or mistaken file costs one bounded read, never all the memory."""
    import sys

    from workflow.errors import InputError

    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError("文件不存在", code="FILE_NOT_FOUND", file=path) from None
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror}", code="FILE_UNREADABLE", file=path) from None
    if len(data) > limit:
        raise InputError(f"文件超过 {limit // (1024 * 1024)} MB，不像是档案文件；请拆分后再读入",
                         code="FILE_TOO_LARGE", file="<stdin>" if path == "-" else path)
    return data
