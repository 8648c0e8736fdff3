"""Names the forms cannot print are refused when they are typed, not when a form is printed.

The forms are set in the print stylesheet's font (documents/static/print.css: Noto Serif CJK SC, found
through fontconfig). A character that font has no glyph for (an emoji, a rare character outside its
set) prints as a blank box, and the PDF writer refuses the form (documents.pdf: GlyphMissing) months
after the name was entered. Here the name is checked against the font's own character map (read once
with fontTools and kept for the life of the process) when a dossier is created or imported and when a
step names a person, with the code NAME_UNPRINTABLE and the characters concerned. Where the font is not
installed (a machine that never prints) nothing can be said and nothing is refused.
"""
from __future__ import annotations

import logging
import re
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from workflow.errors import InputError

STYLESHEET = Path(__file__).resolve().parents[2] / "documents" / "static" / "print.css"
FALLBACK_FAMILY = "Noto Serif CJK SC"
log = logging.getLogger(__name__)


def print_family() -> str:
    """The first family the print stylesheet names (one source for the font the forms use)."""
    try:
        match = re.search(r'font-family:\s*"([^"]+)"', STYLESHEET.read_text(encoding="utf-8"))
    except OSError:
        match = None
    return match.group(1) if match else FALLBACK_FAMILY


@lru_cache(maxsize=1)
def printable_characters() -> frozenset[int] | None:
    """The code points the print font draws, or None when the font cannot be found or read."""
    family = print_family()
    try:
        found = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", family], capture_output=True,
                               text=True, timeout=10, check=False).stdout
        families, path, index = found.split("|")
        if family not in families.split(","):
            log.warning("print font %s not installed (fontconfig offers %s): names are not checked", family, families)
            return None
        from fontTools.ttLib import TTFont
        font = TTFont(path, fontNumber=int(index or 0), lazy=True)
        return frozenset(font.getBestCmap())
    except Exception as exc:  # noqa: BLE001 (no fontconfig, no fontTools, an unreadable file: cannot tell)
        log.warning("print font %s could not be read (%s): names are not checked", family, exc)
        return None


def unprintable(text: str) -> list[str]:
    """The characters of `text` the print font cannot draw (spaces and format characters aside)."""
    chars = printable_characters()
    if chars is None or not isinstance(text, str):
        return []
    missing = [c for c in text if ord(c) not in chars and not c.isspace()
               and unicodedata.category(c) not in ("Cf", "Mn")]
    return list(dict.fromkeys(missing))


def _describe(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"“{c}”（U+{ord(c):04X}{' ' + name if name else ''}）"


def check_name(text: Any, *, field: str, path: str, what: str = "姓名") -> None:
    if not isinstance(text, str):
        return
    missing = unprintable(text)
    if missing:
        raise InputError(f"{what}中的 {'、'.join(_describe(c) for c in missing[:5])} 无法在表格中打印"
                         f"（打印字体没有这些字符），请改用规范汉字或在备注中说明", code="NAME_UNPRINTABLE",
                         field=field, path=path)


def check_person(person: Any) -> None:
    """The person's name (a dossier being created, imported or re-imported)."""
    name = getattr(person, "name", None) if not isinstance(person, dict) else person.get("name")
    check_name(name, field="name", path="$.person.name")


def check_entry(entry: Any) -> None:
    """The names a step entry carries: the 谈话人 and each person (培养联系人, 入党介绍人)."""
    if not isinstance(entry, dict):
        return
    check_name(entry.get("by"), field="by", path="$.by", what="谈话人姓名")
    for i, person in enumerate(entry.get("people") or []):
        if isinstance(person, dict):
            check_name(person.get("name"), field="people", path=f"$.people[{i}].name", what=f"第{i + 1}人姓名")


def check_dossier(dossier: Any) -> None:
    """A whole dossier taken in (created or imported): the person and every recorded step's names."""
    check_person(dossier.person)
    for i, step in enumerate(dossier.steps):
        try:
            check_entry(step.model_dump(mode="json", exclude_none=True))
        except InputError as exc:
            raise InputError(exc.message, code=exc.code, field=exc.field,
                             path=f"$.steps[{i}]" + (exc.path or "$")[1:]) from None
