"""The web page modules and the API routes share helpers through public names in one place
(api/web/cultivation_kit.py, `api.routes_documents.disposition`, api/web/common.py …): none imports a
private (`_name`) helper of another module, so a page module can be changed without breaking another."""
from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("api"):
            found += [f"{path.name}:{node.lineno} {node.module}.{a.name}"
                      for a in node.names if a.name.startswith("_")]
    return found


def test_no_page_module_or_route_imports_a_private_helper():
    modules = [*sorted((API / "web").glob("*.py")), *sorted((API / "routes").glob("*.py")), API / "routes_documents.py"]
    assert len(modules) > 20
    found = [hit for path in modules for hit in _private_imports(path)]
    assert found == []


def test_the_shared_helpers_are_public(tmp_path):
    from api.routes_documents import disposition
    from api.web import cultivation_kit

    assert disposition("inline", "公示.pdf") == "inline; filename=\"__.pdf\"; filename*=UTF-8''%E5%85%AC%E7%A4%BA.pdf"
    assert {"scheme_or_404", "page_where", "page_query", "sheet_columns", "cell_value"} <= set(vars(cultivation_kit))
    bad = tmp_path / "bad.py"
    bad.write_text("from api.web.cultivation_kit import _number\n", encoding="utf-8")
    assert _private_imports(bad) == ["bad.py:1 api.web.cultivation_kit._number"]  # the check sees one
