"""Reading many dossiers from paths: files, directories (every *.json below), or standard input.

Yields each dossier or the error that kept it from being read, one at a time, so that a large
directory is audited in constant memory and one bad file does not hide the others.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.document_bounds import read_bounded
from workflow.errors import FazhanError, InputError

if TYPE_CHECKING:
    from workflow.dossier import Dossier


def expand(paths: list[str]) -> Iterator[str]:
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            yield from (str(p) for p in sorted(path.rglob("*.json")))
        else:
            yield raw


def read_dossiers(paths: list[str]) -> Iterator[Dossier | FazhanError]:
    from workflow.dossier import (  # the validated models, for plan and others
        load_dossier_file,
        parse_dossier,
    )

    for name in expand(paths):
        try:
            if name == "-":
                yield parse_dossier(read_bounded("-"), source="<stdin>")
            elif not Path(name).exists():
                yield InputError("文件不存在", code="FILE_NOT_FOUND", file=name)
            else:
                yield load_dossier_file(name)
        except FazhanError as exc:
            yield exc


def iter_sources(names: list[str]):
    """Each path as an audit source (its text read now, or the error that kept it from being read)."""
    from workflow.audit_stream import Source

    for name in names:
        try:
            yield Source("<stdin>" if name == "-" else name, read_bounded(name))
        except InputError as exc:
            yield Source("<stdin>" if name == "-" else name, error=exc.to_dict())
