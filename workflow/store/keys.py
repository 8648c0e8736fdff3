"""The secret that seals the event chain: a key file outside the database, rotated by `fazhan keys rotate`.

Someone who can write to the database but cannot read this file cannot compute a seal, so an edited
event, a chain rewritten with recomputed plain hashes or a deleted dossier no longer verifies. Each key
is named by an id derived from the key itself, so a different key can never pose under an old name and
a wrong key file is reported as such. Events and ledger rows carry the id of the key that sealed them,
which lets a rotation re-seal dossier by dossier and an interrupted rotation still verify.

The file (`FAZHAN_CHAIN_KEY_FILE`, default `var/fazhan-chain.keys`) is JSON, written atomically with
mode 0600: `{"format": "fazhan-keys/1", "current": ID, "keys": {ID: hex secret, ...}}`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import FazhanError
from workflow.store.settings import Settings

FORMAT = "fazhan-keys/1"
SECRET_BYTES = 32


class KeyFileError(FazhanError):
    """The key file is missing, unreadable or malformed; nothing can be sealed or verified with it."""

    code = "KEY_FILE_INVALID"


def key_id(secret: bytes) -> str:
    """A public name for a key: 16 hex digits of an HMAC of a fixed text (reveals nothing of the key)."""
    return hmac.new(secret, b"fazhan/chain-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRing:
    path: Path
    current: str
    secrets: dict[str, bytes]

    def secret(self, kid: str | None) -> bytes | None:
        return self.secrets.get(kid) if kid else None

    def mac(self, text: str, kid: str | None = None) -> str:
        """HMAC-SHA256 of `text` under key `kid` (default: the current key), as 64 hex digits."""
        secret = self.secret(kid or self.current)
        if secret is None:
            raise KeyFileError(f"密钥文件 {self.path} 中没有密钥 {kid}", code="KEY_UNKNOWN")
        return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, text: str, kid: str | None, mac: str) -> bool | None:
        """True or False; None when the key `kid` is not in this ring (the seal cannot be judged)."""
        secret = self.secret(kid)
        if secret is None:
            return None
        expected = hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, mac or "")


ENV = "FAZHAN_CHAIN_KEY_FILE"


def key_path(settings: Settings | None = None) -> Path:
    """The configured key file. Without `settings`, read from the environment directly: building
    Settings() costs milliseconds, and writers ask on every event."""
    if settings is not None:
        return Path(settings.chain_key_file)
    return Path(os.environ.get(ENV) or Settings.model_fields["chain_key_file"].default)


def read(path: str | os.PathLike) -> KeyRing:
    """The ring in `path`; KeyFileError (KEY_FILE_MISSING or KEY_FILE_INVALID) says what is wrong."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"找不到密钥文件 {path}（FAZHAN_CHAIN_KEY_FILE）", code="KEY_FILE_MISSING",
                           file=str(path)) from None
    except OSError as exc:
        raise KeyFileError(f"无法读取密钥文件 {path}：{exc.strerror}", file=str(path)) from None
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError("format")
        found = {kid: bytes.fromhex(value) for kid, value in data["keys"].items()}
        current = data["current"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyFileError(f"密钥文件 {path} 格式不正确（应为 {FORMAT}）", file=str(path)) from None
    for kid, secret in found.items():
        if len(secret) < 16 or key_id(secret) != kid:
            raise KeyFileError(f"密钥文件 {path} 中的密钥 {kid} 与其编号不符（文件被改动或损坏）", file=str(path))
    if current not in found:
        raise KeyFileError(f"密钥文件 {path} 的当前密钥 {current} 不在文件中", file=str(path))
    return KeyRing(path, current, found)


def _serialise(current: str, found: dict[str, bytes]) -> bytes:
    body = {"format": FORMAT, "current": current, "keys": {kid: s.hex() for kid, s in found.items()}}
    return (json.dumps(body, indent=1) + "\n").encode()


def _temp_file(path: Path, content: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    return temp


def write(path: str | os.PathLike, current: str, found: dict[str, bytes]) -> KeyRing:
    """Replaces the key file atomically (a reader sees the old file or the new one, never half)."""
    path = Path(path)
    temp = _temp_file(path, _serialise(current, found))
    os.replace(temp, path)
    _cache.clear()
    return KeyRing(path, current, dict(found))


def create(path: str | os.PathLike) -> KeyRing:
    """A new ring with one fresh key, unless the file exists (then that one, unchanged).

    The complete file is hard-linked into place, which fails if another process created it first:
    two first writers never end up sealing with different keys."""
    path = Path(path)
    secret = secrets.token_bytes(SECRET_BYTES)
    temp = _temp_file(path, _serialise(key_id(secret), {key_id(secret): secret}))
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    except OSError as exc:
        raise KeyFileError(f"无法建立密钥文件 {path}：{exc.strerror}", file=str(path)) from None
    finally:
        os.unlink(temp)
    return read(path)


def add_key(path: str | os.PathLike) -> tuple[KeyRing, str]:
    """Adds a fresh key to the ring without making it current; returns the ring and the new id."""
    ring = read(path)
    secret = secrets.token_bytes(SECRET_BYTES)
    kid = key_id(secret)
    return write(ring.path, ring.current, {**ring.secrets, kid: secret}), kid


def make_current(path: str | os.PathLike, kid: str, *, keep_only: bool = False) -> KeyRing:
    """Makes `kid` the sealing key; with `keep_only`, every other key is dropped from the file."""
    ring = read(path)
    if kid not in ring.secrets:
        raise KeyFileError(f"密钥文件 {ring.path} 中没有密钥 {kid}", code="KEY_UNKNOWN")
    found = {kid: ring.secrets[kid]} if keep_only else ring.secrets
    return write(ring.path, kid, found)


_cache: dict[Path, tuple[tuple[int, int], KeyRing]] = {}
_lock = threading.Lock()


def active(settings: Settings | None = None) -> KeyRing:
    """The ring writers seal with: read once and again whenever the file changes; created on first use."""
    path = key_path(settings)
    try:
        stat = path.stat()
    except FileNotFoundError:
        with _lock:
            ring = create(path)
        stat = path.stat()
        _cache[path] = ((stat.st_mtime_ns, stat.st_ino), ring)
        return ring
    stamp = (stat.st_mtime_ns, stat.st_ino)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ring = read(path)
    _cache[path] = (stamp, ring)
    return ring
