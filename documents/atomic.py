"""Output that is either complete or absent: checked directories and write-then-rename files.

A file is written under a hidden temporary name in its final directory and renamed into place
only when complete (rename is atomic within one file system), so an interrupted run or a failed
render never leaves a partial form or bundle behind.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from documents.errors import OutputUnwritable

TEMP_PREFIX = ".fazhan-"
TEMP_SUFFIX = ".part"


def ensure_output_dir(path: str | os.PathLike) -> Path:
    """Creates `path` if needed and proves it writable by creating and removing a probe file."""
    target = Path(path)
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputUnwritable(f"输出目录 {target} 无法创建或不可写：{reason}", file=str(target)) from None
    return target


def _anonymous_file(directory: Path) -> int | None:
    """An unnamed file in `directory` (Linux O_TMPFILE), or None where the file system has none.

    Until it is linked it has no name: a `kill -9` mid-write leaves nothing behind, whereas a
    named `.part` file would keep a partial record of a person's file in the output directory."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(directory, flag | os.O_RDWR, 0o600)
    except OSError:
        return None


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path for `final`; it becomes `final` only if the block succeeds.

    Where the file system allows, the path is an unnamed file (/proc/self/fd/N) that gets a name
    only once complete; elsewhere a hidden `.part` file beside `final` is renamed into place."""
    final = Path(final)
    fd = _anonymous_file(final.parent)
    if fd is not None:
        try:
            yield Path(f"/proc/self/fd/{fd}")
            os.fsync(fd)
            os.fchmod(fd, 0o644)
            linked = final.parent / f"{TEMP_PREFIX}{final.name}.{os.getpid()}{TEMP_SUFFIX}"
            with contextlib.suppress(FileNotFoundError):
                linked.unlink()
            proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
            try:  # linkat(…, AT_SYMLINK_FOLLOW): a plain link() would link the /proc symlink itself
                os.link(f"self/fd/{fd}", linked, src_dir_fd=proc, follow_symlinks=True)
            finally:
                os.close(proc)
            try:
                os.replace(linked, final)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    linked.unlink()
        except OSError as exc:
            raise OutputUnwritable(f"写入 {final} 失败：{exc.strerror or exc}", file=str(final)) from None
        finally:
            os.close(fd)
        return
    try:
        fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{final.name}.", suffix=TEMP_SUFFIX, dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputUnwritable(f"无法在 {final.parent} 中写入文件：{exc.strerror or exc}",
                               file=str(final)) from None
    temp_path = Path(temp)
    try:
        yield temp_path
        with open(temp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, final)
    except OSError as exc:
        raise OutputUnwritable(f"写入 {final} 失败：{exc.strerror or exc}", file=str(final)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()


def write_atomic(final: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(final) as temp:
        temp.write_bytes(data)
    return Path(final)


def write_all_or_nothing(files: dict[Path, bytes]) -> list[Path]:
    """Writes each file atomically; if one fails, removes those this call already wrote."""
    written: list[Path] = []
    try:
        for path, data in files.items():
            write_atomic(path, data)
            written.append(path)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written
