"""No module reaches into another module's private (`_underscore`) names.

A private name is a module's own business: it may change shape or vanish without notice. When
another module needs it, the owner makes it public (a name without the underscore, with a docstring
saying who relies on it). Every module under api/, workflow/, documents/ and checklists/ is parsed
with `ast` and two things are refused:

- `from other.module import _name` (also relative imports, and imports inside functions);
- `other_module._name` where `other_module` is bound to one of the project's modules
  (`from workflow.store import services` … `services._load(...)`, `import workflow.plan as plan` …).

What is left is listed in ALLOWED with the reason; an entry nobody needs any more fails the test too,
so the list only shrinks.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "workflow", "documents", "checklists")

PENDING_SERVICES = "pending: another change removes this (the service layer makes these use cases public)"
ALLOWED: dict[tuple[str, str], str] = {
    # (the module that reaches in, the module whose private names it uses): why it is still here
}


@dataclass(frozen=True)
class Reach:
    importer: str
    provider: str
    name: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} uses {self.provider}.{self.name}"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[dotted.removesuffix(".__init__")] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The module an `ImportFrom` names, relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[:len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def reaches(module: str, path: Path, modules: dict[str, Path]) -> list[Reach]:
    """Every private name of another project module that `module` imports or uses by attribute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Reach] = []
    bound: dict[str, str] = {}  # a name in this file -> the project module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path)
            for alias in node.names:
                if _private(alias.name) and source != module and source.split(".")[0] in PACKAGES:
                    found.append(Reach(module, source, alias.name, node.lineno))
                if f"{source}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        parts = _dotted(node.value)
        if parts is None or parts[0] not in bound:
            continue
        target = ".".join([bound[parts[0]], *parts[1:]])
        if target in modules and target != module:
            found.append(Reach(module, target, node.attr, node.lineno))
    return found


def all_reaches() -> list[Reach]:
    modules = project_modules()
    return [reach for module, path in modules.items() for reach in reaches(module, path, modules)]


def test_no_module_uses_another_modules_private_names():
    refused = [str(r) for r in all_reaches() if (r.importer, r.provider) not in ALLOWED]
    assert not refused, ("private names used across modules (make them public in their owner instead):\n"
                         + "\n".join(sorted(refused)))


def test_every_allowed_exception_is_still_needed():
    used = {(r.importer, r.provider) for r in all_reaches()}
    stale = sorted(f"{importer} -> {provider}" for importer, provider in ALLOWED if (importer, provider) not in used)
    assert not stale, "no longer needed, remove from ALLOWED:\n" + "\n".join(stale)


def test_the_checker_sees_both_ways_of_reaching_in(tmp_path):
    """The checker itself: an import of a private name and a private attribute of a module are found,
    a private name of the module's own, an alias of a public name and a dunder are not."""
    package = tmp_path / "workflow"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "owner.py").write_text("def _hidden(): ...\ndef shown(): ...\n", encoding="utf-8")
    user = package / "user.py"
    user.write_text("from workflow.owner import _hidden\n"
                    "from . import owner\n"
                    "from workflow.owner import shown as _shown\n"
                    "def f():\n"
                    "    import workflow.owner as o\n"
                    "    return owner._hidden(), o._hidden, owner.__name__, _own()\n"
                    "def _own(): ...\n", encoding="utf-8")
    modules = {"workflow": package / "__init__.py", "workflow.owner": package / "owner.py", "workflow.user": user}
    found = sorted((r.provider, r.name, r.line) for r in reaches("workflow.user", user, modules))
    assert found == [("workflow.owner", "_hidden", 1), ("workflow.owner", "_hidden", 6),
                     ("workflow.owner", "_hidden", 6)]
