"""The sealed chain and the projection of a dossier's events into its `dossier/1` document.

Each event's seal is an HMAC-SHA256, under a key kept outside the database (workflow/store/keys.py),
of its dossier, sequence number, kind, actor, time, payload text, the previous event's seal and the
key's id; changing, removing or reordering a stored event breaks the chain at that point, and with
no key nobody can compute a seal that fits. `event_hash` is the unkeyed SHA-256 of events written
before the chain was keyed; `fazhan keys rotate` re-seals them. A payload carries `info` (what happened, for people: the step, the reason, the event it
corrects) and `patch` (how the document changed), which is all the projection needs.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(dossier_id: str, seq: int, kind: str, actor: str, at: str, payload: str, prev_hash: str) -> str:
    text = canonical({"dossier_id": dossier_id, "seq": seq, "kind": kind, "actor": actor, "at": at,
                      "payload": payload, "prev_hash": prev_hash})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_text(dossier_id: str, seq: int, kind: str, actor: str, at: str, payload: str, prev_hash: str,
               key_id: str) -> str:
    """What an event's seal covers (the key id too, so a seal cannot be moved to another key)."""
    return canonical({"dossier_id": dossier_id, "seq": seq, "kind": kind, "actor": actor, "at": at,
                      "payload": payload, "prev_hash": prev_hash, "key_id": key_id})


def diff(old: dict, new: dict) -> dict:
    """A small patch turning `old` into `new`: appended list items, replaced list items, set keys."""
    patch: dict[str, dict] = {}
    for key in new.keys() | old.keys():
        if key not in new:
            patch.setdefault("unset", {})[key] = True
            continue
        before, after = old.get(key), new[key]
        if before == after and key in old:
            continue
        if isinstance(before, list) and isinstance(after, list):
            if len(after) >= len(before) and after[:len(before)] == before:
                patch.setdefault("append", {})[key] = after[len(before):]
                continue
            if len(after) == len(before):
                changed = {str(i): item for i, (was, item) in enumerate(zip(before, after)) if was != item}
                patch.setdefault("items", {})[key] = changed
                continue
        patch.setdefault("set", {})[key] = after
    return patch


def apply_patch(document: dict, patch: dict) -> dict:
    out = dict(document)
    for key in patch.get("unset", {}):
        out.pop(key, None)
    for key, value in patch.get("set", {}).items():
        out[key] = value
    for key, items in patch.get("append", {}).items():
        out[key] = list(out.get(key) or []) + list(items)
    for key, changed in patch.get("items", {}).items():
        values = list(out[key])
        for index, item in changed.items():
            values[int(index)] = item
        out[key] = values
    return out


def project(payloads: list[dict]) -> dict:
    """The document after applying every event's patch in order, starting from nothing."""
    document: dict = {}
    for payload in payloads:
        document = apply_patch(document, payload.get("patch", {}))
    return document
