"""One item of a dossier list (a material, an assessment…) validated by the dossier/1 parser itself."""
from __future__ import annotations

from typing import Any

from workflow.dossier import Dossier, parse_dossier
from workflow.errors import InputError


def _reroot(exc: InputError, prefix: str) -> InputError:
    """Re-roots paths of a part validated inside a scratch dossier (`$.materials[0].x` → `$.x`)."""
    def fix(path: str | None) -> str | None:
        return "$" + path[len(prefix):] if path and path.startswith(prefix) else path
    details = [{**d, "path": fix(d.get("path"))} for d in exc.details]
    return InputError(exc.message, code=exc.code, path=fix(exc.path), field=exc.field, details=details)


def validate_part(key: str, item: Any, dossier: Dossier):
    """The parsed item of list `key`, validated as it would be inside `dossier` (its overlay)."""
    if not isinstance(item, dict):
        raise InputError("应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    scratch = {"format": "dossier/1", "id": "scratch", "overlay": dossier.overlay,
               "person": {"name": "scratch", "birth_date": "2000-01-01"}, key: [item]}
    try:
        parsed = parse_dossier(scratch, source="<request>")
    except InputError as exc:
        raise _reroot(exc, f"$.{key}[0]") from None
    return getattr(parsed, key)[0]
