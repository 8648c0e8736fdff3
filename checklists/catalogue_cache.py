"""The built rule catalogue kept between processes, so that a command does not parse the rule sets'
TOML and validate it into models each time it starts (issue 13: building it was about 100 million of
the 1,100 million instructions of a one-file `fazhan audit`; checking the key and reading the copy back
cost about 30 million).

What is kept: one pickle of the `Catalogue` as `Catalogue()` builds it (before any overlay or memo is
added), in `catalogue-<key>.pickle` under the cache directory. The key is a SHA-256 over
  - this module's format number, Python's version and byte-code tag, pydantic's and pydantic-core's
    versions (they decide how the models pickle);
  - the bytes of every module of the `checklists` package (the classes in the pickle and the code that
    builds them: a changed line is another key, so a copy is never trusted across versions of the code,
    released or not);
  - the name and bytes of every rule set file (`checklists.loader.RULESET_DIR/*.toml`), the only data
    `Catalogue()` reads.
A copy is used only when its file starts with the magic line, the whole key and the SHA-256 of the
pickle that follows; anything else (a stale key, a truncated or corrupt file, a pickle that fails to
load, an object that is not a catalogue) is ignored: the catalogue is built from the TOML as before
and the copy written again. A directory that cannot be created or written means no copy, never an
error: the command runs as it did without one.

Why unpickling this file is safe (pickle runs code named by the file it reads):
  - the directory is the user's own cache (`$FAZHAN_CACHE_DIR`, else `$XDG_CACHE_HOME/fazhan`, else
    `~/.cache/fazhan`), created with mode 0700; it is used only if it is a directory owned by the user
    running the command and writable by no one else, and a file is read only if it is a regular file
    with the same owner and no group or other write permission (checked on the open descriptor, so a
    swapped path is caught too). Only the user (or root) can put bytes there, and the user can already
    run any code as themselves (their shell profile, their virtual environment);
  - files are written only by this module, in this process: to a fresh temporary file (mode 0600) in
    that directory, then renamed over the name (atomic: a reader sees the old file or the new one,
    never half of one); concurrent writers write the same bytes;
  - the header's key and digest must match before a byte is unpickled: a file from another version of
    the code or data, or damaged on disk, is never loaded;
  - the unpickler resolves only the catalogue's own classes (`checklists.*` classes) and `datetime`'s
    value types: any other global named in the file (a function, `os.system`, …) is refused, so even
    a forged file that passed the checks above could at worst make objects of those classes, not run
    other code.
`FAZHAN_CACHE_DIR` set to an empty value turns the copy off.

The step schema (checklists/step_fields.py, read from step_fields.toml by every command that audits)
is kept the same way by `cached_value`, in `step-schema-<key>.pickle`: its key covers this module's
format number, Python's version, and the bytes of checklists/step_fields.py (every class in that copy)
and of the TOML file; the same checks guard its reading.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

FORMAT = 1
MAGIC = b"fazhan-catalogue-cache\n"
PREFIX, SUFFIX = "catalogue-", ".pickle"
KEEP = 8
"""Copies kept in the directory (several checkouts or versions may share one user's cache)."""
PACKAGE_DIR = Path(__file__).resolve().parent
_VALUE_TYPES = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "time")}

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where the copy lives, or None when turned off (`FAZHAN_CACHE_DIR=""`) or no home is known."""
    chosen = os.environ.get("FAZHAN_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "fazhan"
    try:
        return Path.home() / ".cache" / "fazhan"
    except RuntimeError:  # no home directory
        return None


def _file_bytes(directory: Path, suffix: str) -> list[tuple[str, bytes]]:
    with os.scandir(directory) as entries:
        names = sorted(e.name for e in entries if e.name.endswith(suffix) and e.is_file())
    out = []
    for name in names:
        with open(directory / name, "rb") as handle:
            out.append((name, handle.read()))
    return out


def cache_key(ruleset_dir: Path) -> str:
    """The SHA-256 (hex) naming one build of the catalogue: code, libraries and data (see the docstring)."""
    import pydantic
    import pydantic_core

    digest = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    part("format", str(FORMAT).encode())
    part("python", f"{sys.version}\0{sys.implementation.cache_tag}".encode())
    part("pydantic", f"{pydantic.VERSION}\0{pydantic_core.__version__}".encode())
    for name, data in _file_bytes(PACKAGE_DIR, ".py"):
        part("code:" + name, data)
    for name, data in _file_bytes(ruleset_dir, ".toml"):
        part("ruleset:" + name, data)
    return digest.hexdigest()


class CatalogueUnpickler(pickle.Unpickler):
    """Resolves only classes of the `checklists` package and datetime's value types."""

    def find_class(self, module: str, name: str):
        if (module, name) in _VALUE_TYPES:
            return super().find_class(module, name)
        if module.startswith("checklists.") and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"the catalogue cache may not name {module}.{name}")


def _owned_private(mode: int, uid: int) -> bool:
    return uid == os.getuid() and not mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_dir(directory: Path, create: bool) -> bool:
    if not hasattr(os, "getuid"):
        return False  # no owner to check (Windows): no copy
    try:
        if create:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _owned_private(info.st_mode, info.st_uid)


def header(key: str, payload: bytes) -> bytes:
    """What a copy starts with: the magic line, the key, the SHA-256 of the pickle that follows."""
    return MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n"


def read_copy(directory: Path, key: str, expected: type, prefix: str = PREFIX):
    """The object in `directory`'s copy for `key`, or None when there is none usable."""
    if not _usable_dir(directory, create=False):
        return None
    try:
        fd = os.open(directory / f"{prefix}{key}{SUFFIX}", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owned_private(info.st_mode, info.st_uid):
            return None
        data = handle.read()
    head_length = len(MAGIC) + len(key) + 1 + 64 + 1
    head, payload = data[:head_length], data[head_length:]
    if head != header(key, payload):
        return None
    try:
        value = CatalogueUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any failure to load means "no usable copy"
        return None
    return value if type(value) is expected else None


def write_copy(directory: Path, key: str, value: object, prefix: str = PREFIX) -> bool:
    """Writes `value`'s copy for `key` atomically; False (and nothing written) when that is not possible."""
    if not _usable_dir(directory, create=True):
        return False
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        CatalogueUnpickler(io.BytesIO(payload)).load()  # refuses a pickle the reader would refuse
    except Exception:  # noqa: BLE001 - an unpicklable catalogue is simply not kept
        return False
    import tempfile

    target = directory / f"{prefix}{key}{SUFFIX}"
    try:
        fd, temporary = tempfile.mkstemp(prefix=".catalogue-", suffix=".tmp", dir=directory)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(header(key, payload))
            handle.write(payload)
        os.replace(temporary, target)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    _prune(directory, target.name, prefix)
    return True


def _prune(directory: Path, kept: str, prefix: str = PREFIX) -> None:
    """Removes all but the newest `KEEP` copies (each change of code or data leaves one behind)."""
    try:
        with os.scandir(directory) as entries:
            copies = [(e.stat().st_mtime, e.name) for e in entries
                      if e.name.startswith(prefix) and e.name.endswith(SUFFIX) and e.name != kept]
        for _, name in sorted(copies, reverse=True)[KEEP - 1:]:
            os.unlink(directory / name)
    except OSError:
        pass


def cached(build: type[T], ruleset_dir: Path) -> T:
    """`build()` (a class: the copy must be an instance of exactly it), read from the copy for the current
    key when there is a usable one, else built and kept for the next process."""
    directory = cache_dir()
    if directory is None:
        return build()
    try:
        key = cache_key(ruleset_dir)
    except OSError:
        return build()  # the rule sets cannot be read: building says why
    value = read_copy(directory, key, build)
    if value is None:
        value = build()
        write_copy(directory, key, value)
    return value


def value_key(label: str, sources: tuple[Path, ...]) -> str:
    """The SHA-256 (hex) naming one build of a value made from `sources` alone (its code and data files)."""
    digest = hashlib.sha256()
    for part in (f"format\0{FORMAT}", f"python\0{sys.version}\0{sys.implementation.cache_tag}", f"value\0{label}"):
        digest.update(f"{len(part)}\0{part}".encode())
    for source in sources:
        with open(source, "rb") as handle:
            data = handle.read()
        digest.update(f"source:{source.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def cached_value(label: str, build: Callable[[], T], expected: type, sources: tuple[Path, ...]) -> T:
    """`build()` (which must give an instance of exactly `expected`, made of `checklists` classes), read
    from the copy `<label>-<key>.pickle` when there is a usable one, else built and kept. `sources`: every
    file the value is made from, its classes' module among them."""
    directory = cache_dir()
    if directory is None:
        return build()
    try:
        key = value_key(label, sources)
    except OSError:
        return build()  # a source cannot be read: building says why
    prefix = f"{label}-"
    value = read_copy(directory, key, expected, prefix)
    if value is None:
        value = build()
        if type(value) is expected:
            write_copy(directory, key, value, prefix)
    return value
