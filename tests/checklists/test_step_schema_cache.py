"""The kept copy of the step schema (checklists.step_fields.step_schema through
checklists/catalogue_cache.py `cached_value`): the same schema as read from the TOML, read back without
parsing it, keyed by the module's and the file's bytes, and ignored when damaged or foreign."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

import checklists.catalogue_cache as cache
from checklists import step_fields
from checklists.step_fields import STEP_FIELDS_FILE, StepSchema, load_step_schema

SOURCES = (Path(step_fields.__file__), STEP_FIELDS_FILE)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("FAZHAN_CACHE_DIR", str(directory))
    return directory


def counted(builds: list):
    def build() -> StepSchema:
        builds.append(1)
        return load_step_schema()
    return build


def test_the_copy_is_the_schema_read_from_the_toml(cache_dir):
    builds: list = []
    first = cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)
    second = cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)
    assert len(builds) == 1 and second is not first
    assert pickle.dumps(second) == pickle.dumps(load_step_schema())
    assert [p.name.startswith("step-schema-") for p in cache_dir.iterdir()] == [True]


def test_step_schema_reads_the_copy(cache_dir, monkeypatch):
    step_fields.step_schema.cache_clear()
    try:
        fresh = step_fields.step_schema()
        step_fields.step_schema.cache_clear()
        monkeypatch.setattr(step_fields, "load_step_schema", lambda *a: pytest.fail("parsed the TOML again"))
        assert pickle.dumps(step_fields.step_schema()) == pickle.dumps(fresh)
    finally:
        step_fields.step_schema.cache_clear()


def test_a_changed_file_is_another_key(tmp_path, cache_dir):
    data = tmp_path / "step_fields.toml"
    shutil.copy(STEP_FIELDS_FILE, data)
    sources = (SOURCES[0], data)
    before = cache.value_key("step-schema", sources)
    assert cache.value_key("other", sources) != before
    data.write_text(data.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert cache.value_key("step-schema", sources) != before
    builds: list = []
    cache.cached_value("step-schema", counted(builds), StepSchema, sources)
    data.write_text(data.read_text(encoding="utf-8") + "\n# again\n", encoding="utf-8")
    cache.cached_value("step-schema", counted(builds), StepSchema, sources)
    assert len(builds) == 2


def test_a_damaged_or_foreign_copy_is_ignored(cache_dir):
    builds: list = []
    cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)
    [copy] = cache_dir.iterdir()
    copy.write_bytes(copy.read_bytes()[:-10])
    assert cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES) is not None and len(builds) == 2
    key = cache.value_key("step-schema", SOURCES)
    payload = pickle.dumps(print)  # a global outside the checklists: refused even with a right header
    copy.write_bytes(cache.header(key, payload) + payload)
    assert cache.read_copy(cache_dir, key, StepSchema, "step-schema-") is None
    assert pickle.dumps(cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)) == \
        pickle.dumps(load_step_schema())
    assert len(builds) == 3


def test_no_cache_directory_means_reading_the_toml(monkeypatch):
    monkeypatch.setenv("FAZHAN_CACHE_DIR", "")
    builds: list = []
    cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)
    cache.cached_value("step-schema", counted(builds), StepSchema, SOURCES)
    assert len(builds) == 2
