"""No code writes its own copy of a value table of the step schema.

The Chinese word of every machine value (正式党员 for `full`, 合格 for `qualified`, 党委 for
`committee`, …) is declared once, in checklists/data/step_fields.toml; the parser, the forms, the
pages, the spreadsheets and the reports read it from there (checklists.step_fields). This test reads
every Python file under api/, workflow/ and documents/ and refuses a literal that pairs a value of a
table with its word, in either direction and either form:

    "qualified": "合格"      "合格": "qualified"      ("qualified", "合格")

What is left is listed in ALLOWED with the reason; an entry nobody needs any more fails the test too,
so the list only shrinks.
"""
from __future__ import annotations

import re
from pathlib import Path

from checklists.step_fields import step_schema

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "workflow", "documents")
SKIPPED_TABLES = {"gender"}
"""Tables whose value is its own word (男 = 男): a literal of it says nothing about a copy."""

ALLOWED: dict[tuple[str, str], str] = {
    # (file, table): why the pair is still written there
}


def _pairs(table) -> set[tuple[str, str]]:
    out = set()
    for value, word in table.labels.items():
        out.add((value, word))
        if value in table.long:
            out.add((value, table.long[value]))
    return out


_STRING = r"(?:\"([^\"\\\n]{1,80})\"|'([^'\\\n]{1,80})')"
_KEYED = re.compile(rf"{_STRING}\s*:\s*{_STRING}")               # {"value": "word"}, {"word": "value"}
_PAIRED = re.compile(rf"\(\s*{_STRING}\s*,\s*{_STRING}\s*\)")   # ("value", "word")


def _literal_pairs(text: str):
    """(first string, second string, line) of every `"a": "b"` and `("a", "b")` in the text."""
    for pattern in (_KEYED, _PAIRED):
        for match in pattern.finditer(text):
            first, second = match.group(1) or match.group(2), match.group(3) or match.group(4)
            yield first, second, text.count("\n", 0, match.start()) + 1


def _known_pairs() -> dict[tuple[str, str], str]:
    """Both orders of every (value, word) of the schema's tables → the table's name."""
    out = {}
    for name, table in step_schema().values.items():
        if name in SKIPPED_TABLES:
            continue
        for value, word in _pairs(table):
            out[(value, word)] = out[(word, value)] = name
    return out


def _copies() -> dict[tuple[str, str], list[str]]:
    """(file, table) → the lines that pair a value of the table with its word."""
    known = _known_pairs()
    found: dict[tuple[str, str], list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            for first, second, line in _literal_pairs(path.read_text(encoding="utf-8")):
                name = known.get((first, second))
                if name is not None:
                    found.setdefault((where, name), []).append(f"{where}:{line}: {first!r} · {second!r}")
    return found


def test_no_code_copies_a_value_table_of_the_step_schema():
    copies = {key: lines for key, lines in _copies().items() if key not in ALLOWED}
    assert not copies, ("value tables written in code; read them from checklists/data/step_fields.toml "
                        "(checklists.step_fields.step_schema().words(NAME)):\n"
                        + "\n".join(line for lines in copies.values() for line in lines))


def test_every_allowed_copy_is_still_there():
    stale = set(ALLOWED) - set(_copies())
    assert not stale, f"no longer needed, remove from ALLOWED: {sorted(stale)}"


def test_the_scan_finds_a_copy():
    """The patterns match the shapes code writes (so an empty result above means something)."""
    sample = 'X = {"full": "正式党员"}\nY = {\'正式党员\': \'full\'}\nZ = [("full",  "正式党员")]\nW = {"full": "x"}\n'
    known = _known_pairs()
    hits = [(first, second, line) for first, second, line in _literal_pairs(sample) if (first, second) in known]
    assert hits == [("full", "正式党员", 1), ("正式党员", "full", 2), ("full", "正式党员", 3)]
