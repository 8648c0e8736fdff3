"""Fixtures shared by every test package: the shared example records to mutate."""
from __future__ import annotations

import copy
import os
import shutil
import tempfile

import pytest
from tests_support import all_codes, audit_codes, load_case, step


def pytest_configure(config) -> None:
    """The test run keeps its built-catalogue copies (checklists.catalogue_cache) in a directory of its
    own, not in the user's ~/.cache; subprocesses the tests start inherit it."""
    if "FAZHAN_CACHE_DIR" not in os.environ:
        os.environ["FAZHAN_CACHE_DIR"] = config.fazhan_cache_dir = tempfile.mkdtemp(prefix="fazhan-test-cache-")


def pytest_unconfigure(config) -> None:
    made = getattr(config, "fazhan_cache_dir", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)


@pytest.fixture
def dossier_2014() -> dict:
    """A complete, valid 2014 record (s01 2020-08-11 … s25 2023-06-28) to mutate."""
    return copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])


@pytest.fixture
def dossier_2026() -> dict:
    """A valid 2026.05 record up to the oath (s07 2026-06-02, s15 2026-08-12, s17 2026-09-10)."""
    return copy.deepcopy(load_case("02_valid_2026_to_oath")["dossier"])


@pytest.fixture
def codes():
    return all_codes


@pytest.fixture
def severities():
    return audit_codes


@pytest.fixture
def step_of():
    return step
