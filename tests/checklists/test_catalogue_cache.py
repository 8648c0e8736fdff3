"""The kept copy of the built catalogue (checklists/catalogue_cache.py): used only when its key matches the
code, libraries and rule sets of now, rebuilt when stale or damaged, never an error when it cannot be kept,
never loading anything but the catalogue's own classes; and the audits it gives are the same bytes."""
from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import checklists.catalogue_cache as cache
from checklists import loader
from checklists.loader import Catalogue
from tests_support import example_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def directory(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("FAZHAN_CACHE_DIR", str(where))
    return where


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts the catalogues built from TOML."""
    count: list[int] = []
    real = Catalogue.__init__

    def counting(self) -> None:
        count.append(1)
        real(self)

    monkeypatch.setattr(Catalogue, "__init__", counting)
    return count


def copies(where: Path) -> list[Path]:
    return sorted(where.glob(f"{cache.PREFIX}*{cache.SUFFIX}"))


def same_catalogue(a: Catalogue, b: Catalogue) -> bool:
    return (list(a.national) == list(b.national)
            and all(a.national[k].model_dump() == b.national[k].model_dump() for k in a.national)
            and all(repr(a.national[k].rules) == repr(b.national[k].rules) for k in a.national)
            and [rs.id for rs in a.ordered()] == [rs.id for rs in b.ordered()])


def test_the_first_process_builds_and_keeps_a_copy_the_next_reads(directory, builds):
    first = cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 1 and len(copies(directory)) == 1
    second = cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 1  # read, not built
    assert second is not first and same_catalogue(first, second)
    assert type(second) is Catalogue and second._applied == {} and second._choices == {}
    assert os.stat(directory).st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in copies(directory))
    assert [p.name for p in directory.iterdir()] == [copies(directory)[0].name]  # no temporary file left


def test_a_copy_is_the_catalogue_as_built(directory):
    built = Catalogue()
    cache.cached(Catalogue, loader.RULESET_DIR)
    read = cache.cached(Catalogue, loader.RULESET_DIR)
    assert same_catalogue(built, read)
    for rid, rs in built.national.items():  # the overlays apply to the copy as to the built catalogue
        assert read.get(rid).rule_by_code.keys() == rs.rule_by_code.keys()
    key_built, key_read = built.register_overlay("example-university"), read.register_overlay("example-university")
    assert all(built.get(rid, key_built).model_dump() == read.get(rid, key_read).model_dump() for rid in built.national)


@pytest.fixture
def fresh_reads():
    """The loader remembers the rule sets it read (lru_cache): forgotten before and after the test."""
    loader._national_raw.cache_clear()
    loader.load_national.cache_clear()
    yield
    loader._national_raw.cache_clear()
    loader.load_national.cache_clear()


def test_a_changed_rule_set_is_another_key(directory, builds, tmp_path, monkeypatch, fresh_reads):
    rulesets = tmp_path / "rulesets"
    shutil.copytree(loader.RULESET_DIR, rulesets)
    monkeypatch.setattr(loader, "RULESET_DIR", rulesets)
    cache.cached(Catalogue, rulesets)
    before = cache.cache_key(rulesets)
    path = rulesets / "2014.toml"
    path.write_bytes(path.read_bytes().replace(b'title = "', b'title = "X', 1))
    assert cache.cache_key(rulesets) != before
    loader._national_raw.cache_clear()
    loader.load_national.cache_clear()
    changed = cache.cached(Catalogue, rulesets)
    assert len(builds) == 2 and changed.national["2014"].title.startswith("X")
    assert len(copies(directory)) == 2
    assert cache.cached(Catalogue, rulesets).national["2014"].title.startswith("X") and len(builds) == 2


def test_code_and_library_versions_are_part_of_the_key(tmp_path, monkeypatch):
    key = cache.cache_key(loader.RULESET_DIR)
    package = tmp_path / "checklists"
    shutil.copytree(cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("data", "__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)
    assert cache.cache_key(loader.RULESET_DIR) == key
    model = package / "model.py"
    model.write_bytes(model.read_bytes() + b"\n# a changed line\n")
    assert cache.cache_key(loader.RULESET_DIR) != key
    monkeypatch.setattr(cache, "PACKAGE_DIR", Path(cache.__file__).resolve().parent)
    import pydantic

    monkeypatch.setattr(pydantic, "VERSION", pydantic.VERSION + ".other")
    assert cache.cache_key(loader.RULESET_DIR) != key
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert cache.cache_key(loader.RULESET_DIR) != key


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "other key", "not a catalogue"])
def test_a_damaged_or_stale_copy_is_ignored_and_written_again(directory, builds, damage):
    cache.cached(Catalogue, loader.RULESET_DIR)
    [path] = copies(directory)
    data = path.read_bytes()
    key = cache.cache_key(loader.RULESET_DIR)
    if damage == "truncated":
        path.write_bytes(data[:-100])
    elif damage == "flipped":
        path.write_bytes(data[:-50] + bytes([data[-50] ^ 1]) + data[-49:])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other key":
        payload = data[len(cache.header(key, b"")):]
        path.write_bytes(cache.header("0" * 64, payload) + payload)
    else:  # a valid header over a pickle of something else
        payload = pickle.dumps({"national": {}})
        path.write_bytes(cache.header(key, payload) + payload)
    assert cache.read_copy(directory, key, Catalogue) is None
    rebuilt = cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 2 and same_catalogue(rebuilt, Catalogue())
    assert path.read_bytes() == data  # written again, whole
    cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 3  # (the Catalogue() above) and none more: the copy is good again


class _Run:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_forged_copy_naming_other_code_is_refused_unrun(directory, tmp_path):
    cache.cached(Catalogue, loader.RULESET_DIR)
    [path] = copies(directory)
    key = cache.cache_key(loader.RULESET_DIR)
    marker = tmp_path / "ran"
    payload = pickle.dumps(_Run(str(marker)))
    path.write_bytes(cache.header(key, payload) + payload)  # as if written by someone knowing the key
    assert cache.read_copy(directory, key, Catalogue) is None
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        cache.CatalogueUnpickler(io.BytesIO(pickle.dumps(os.getcwd))).load()


def test_a_copy_others_may_write_is_not_read(directory, builds):
    cache.cached(Catalogue, loader.RULESET_DIR)
    [path] = copies(directory)
    key = cache.cache_key(loader.RULESET_DIR)
    path.chmod(0o666)
    assert cache.read_copy(directory, key, Catalogue) is None
    path.chmod(0o600)
    assert cache.read_copy(directory, key, Catalogue) is not None
    directory.chmod(0o777)  # a directory others may write: neither read nor written
    assert cache.read_copy(directory, key, Catalogue) is None
    path.unlink()
    cache.cached(Catalogue, loader.RULESET_DIR)
    assert copies(directory) == [] and len(builds) == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing a file's owner needs root")
def test_a_directory_owned_by_someone_else_is_not_used(directory, builds):
    cache.cached(Catalogue, loader.RULESET_DIR)
    key = cache.cache_key(loader.RULESET_DIR)
    os.chown(directory, 65534, -1)
    assert cache.read_copy(directory, key, Catalogue) is None
    cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 2


def test_an_unusable_directory_means_no_copy_and_no_error(tmp_path, monkeypatch, builds):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FAZHAN_CACHE_DIR", str(blocker / "cache"))
    first = cache.cached(Catalogue, loader.RULESET_DIR)
    second = cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 2 and same_catalogue(first, second)
    assert cache.write_copy(blocker / "cache", "0" * 64, first) is False


def test_an_empty_cache_dir_turns_the_copy_off(tmp_path, monkeypatch, builds):
    monkeypatch.setenv("FAZHAN_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache.cached(Catalogue, loader.RULESET_DIR)
    cache.cached(Catalogue, loader.RULESET_DIR)
    assert len(builds) == 2 and list(tmp_path.iterdir()) == []


def test_the_default_place_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("FAZHAN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "fazhan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == Path.home() / ".cache" / "fazhan"


def test_old_copies_are_pruned(directory):
    directory.mkdir(mode=0o700)
    for n in range(cache.KEEP + 3):
        (directory / f"{cache.PREFIX}{n:064d}{cache.SUFFIX}").write_bytes(b"old")
        os.utime(directory / f"{cache.PREFIX}{n:064d}{cache.SUFFIX}", (n, n))
    cache.cached(Catalogue, loader.RULESET_DIR)
    kept = copies(directory)
    assert len(kept) == cache.KEEP
    assert directory / f"{cache.PREFIX}{cache.cache_key(loader.RULESET_DIR)}{cache.SUFFIX}" in kept
    assert directory / f"{cache.PREFIX}{0:064d}{cache.SUFFIX}" not in kept  # the oldest went first


AUDIT_ALL = """
import sys
sys.argv = ["fazhan", "audit", *sys.argv[1:]]
from api.cli import main
main()
"""


def test_audits_are_the_same_bytes_built_read_or_without_a_copy(tmp_path):
    """Every shared example, audited in a fresh process with no copy kept, with a copy being written (built)
    and with it read: the same standard output, standard error and exit status, JSON and table."""
    dossiers = tmp_path / "dossiers"
    dossiers.mkdir()
    for case in sorted(example_dir().glob("*.json")):
        data = json.loads(case.read_text(encoding="utf-8"))
        (dossiers / case.name).write_text(json.dumps(data.get("dossier", data), ensure_ascii=False), encoding="utf-8")
    where = tmp_path / "cache"
    for fmt in ("json", "table"):
        runs = []
        for setting in ("", str(where), str(where)):
            env = {**os.environ, "FAZHAN_CACHE_DIR": setting, "COLUMNS": "160"}
            result = subprocess.run([sys.executable, "-c", AUDIT_ALL, str(dossiers), "--as-of", "2026-11-21",
                                     "--format", fmt], cwd=ROOT, capture_output=True, env=env, timeout=120)
            runs.append((result.returncode, result.stdout, result.stderr))
        assert runs[0] == runs[1] == runs[2]
        assert runs[0][0] == 1 and len(runs[0][1]) > 1000
    assert len(copies(where)) == 1
