"""Fixtures for the spreadsheet tests: the shared example dossiers, as plain `dossier/1` dicts."""
from __future__ import annotations

import copy

import pytest
from tests_support import example_dir, load_case


@pytest.fixture(scope="session")
def example_cases() -> list[dict]:
    return [load_case(p.stem) for p in sorted(example_dir().glob("*.json"))]


@pytest.fixture
def example_dossiers(example_cases) -> list[dict]:
    return [copy.deepcopy(case["dossier"]) for case in example_cases]
