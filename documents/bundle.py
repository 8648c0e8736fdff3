"""The archive bundle of one dossier: a BagIt bag (SHA-256 manifests) packed in a zip.

The bag holds the 卷内目录 first, then every document in archive order (see `catalogue`), the
dossier's `dossier/1` JSON and a machine-readable catalogue. Every uploaded scan travels in it, in
personal-file order, listed with its pages and SHA-256: files of a `dossier/1` on disk are read
next to it (`base_dir`), files kept in the store arrive as bytes by SHA-256 (`files`), so the
command line, the API and the web page build the same bundle. The zip is built in a temporary
place and renamed into the output directory only when complete. `verify_bundle` re-reads a zip
and names every file that is missing, altered or unexpected.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import bagit

from documents import catalogue
from documents.atomic import atomic_path, ensure_output_dir
from documents.completeness import MissingMaterial, check_archivable
from documents.errors import BundleAltered, BundleUnreadable, MaterialAltered, MaterialFileMissing
from documents.forms import RenderedForm, render_forms, safe_name
from documents.inforce import current_rule_set
from workflow.dossier import Dossier

BUNDLE_FORMAT = "fazhan-bundle/1"
CATALOGUE_FORM = "archive_catalogue"
CATALOGUE_FILE = f"00-P-{CATALOGUE_FORM}.pdf"
DOSSIER_FILE = "dossier.json"
CATALOGUE_JSON = "catalogue.json"
_ONE_PAGE = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
_STORED = {".pdf", ".jpg", ".jpeg", ".png"}  # compressed already: deflating them again costs time and saves nothing
_SUFFIX_BY_MAGIC = ((b"%PDF-", ".pdf"), (b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))
logging.getLogger("bagit").setLevel(logging.WARNING)


@dataclass
class BundleResult:
    dossier_id: str
    path: Path
    documents: int
    pages: int
    missing: list[MissingMaterial]
    pending: int

    def to_dict(self) -> dict:
        return {"dossier": self.dossier_id, "path": str(self.path), "documents": self.documents,
                "pages": self.pages, "missing": [m.to_dict() for m in self.missing], "pending": self.pending}


def bundle_filename(dossier: Dossier) -> str:
    return f"{safe_name(dossier.id)}.zip"


def _stored_bytes(entry: catalogue.Entry, files: Mapping[str, bytes] | None) -> bytes | None:
    """A file the store keeps, by the SHA-256 the dossier records; checked again on the way in."""
    if not files or not entry.sha256 or entry.sha256 not in files:
        return None
    data = files[entry.sha256]
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise MaterialAltered(f"材料“{entry.title}”的存储文件与档案记录的 SHA-256 不符", file=entry.source,
                              field="sha256")
    return data


def _material_bytes(entry: catalogue.Entry, base_dir: Path | None) -> bytes | None:
    """The bytes of a material file, checked against its recorded SHA-256; None when no base dir."""
    if base_dir is None or not entry.source:
        return None
    relative = Path(entry.source)
    resolved = (base_dir / relative).resolve()
    if relative.is_absolute() or not resolved.is_relative_to(base_dir.resolve()):
        raise MaterialFileMissing(f"材料“{entry.title}”的文件路径 {entry.source} 不在档案所在目录内",
                                  file=entry.source, field="file")
    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise MaterialFileMissing(f"材料“{entry.title}”的文件 {entry.source} 无法读取：{exc.strerror}",
                                  file=str(resolved), field="file") from None
    if entry.sha256 and hashlib.sha256(data).hexdigest() != entry.sha256:
        raise MaterialAltered(f"材料“{entry.title}”的文件 {entry.source} 与档案记录的 SHA-256 不符",
                              file=str(resolved), field="sha256")
    return data


def _page_count(name: str, data: bytes) -> int | None:
    """pypdf's count for a PDF, 1 for an image; None (counted by hand) for what cannot be read."""
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader
        try:
            return len(PdfReader(io.BytesIO(data)).pages)
        except Exception:  # an unreadable PDF still travels; its pages are counted by hand
            return None
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        return 1
    return 1 if Path(name).suffix.lower() in _ONE_PAGE else None


def _suffix(entry: catalogue.Entry, data: bytes, stored: bool) -> str:
    """A stored upload's from its content (its name came from a browser); a file on disk keeps its own."""
    named = "" if stored else Path(entry.source or "").suffix.lower()
    return named or next((suffix for magic, suffix in _SUFFIX_BY_MAGIC if data.startswith(magic)), ".bin")


def _payload(dossier: Dossier, plan: catalogue.Plan, base_dir: Path | None, files: Mapping[str, bytes] | None,
             executor, today) -> tuple[list[tuple[str, bytes]], RenderedForm, int]:
    """The bag's documents in catalogue order, the 卷内目录 and the total page count. Material files
    are read first (their pages count), then the forms are rendered together and the 卷内目录 last,
    once every page number is known (see forms.render_forms)."""
    carried: dict[int, tuple[bytes, str]] = {}
    for entry in plan.entries:
        if entry.kind != "file":
            continue
        data = _stored_bytes(entry, files)
        stored = data is not None
        if data is None:
            data = _material_bytes(entry, base_dir)
        if data is None:
            where = entry.source or (entry.sha256 or "")[:12]
            entry.kind, entry.note = "paper", f"电子件未随档案提供（{where}）" if where else "电子件未随档案提供"
            continue
        suffix = _suffix(entry, data, stored)
        entry.pages = _page_count(entry.source or suffix, data)
        carried[id(entry)] = data, suffix
    generated = [e for e in plan.entries if e.kind == "generated"]
    total = 0

    def numbered(pages: dict[str, int]) -> tuple[str, dict]:
        nonlocal total
        for entry in generated:
            entry.pages = pages[entry.form]
        total = catalogue.assign_pages(plan.entries)
        return CATALOGUE_FORM, catalogue.template_context(plan, total)

    *forms, catalogue_pdf = render_forms(dossier, [e.form for e in generated], executor=executor, today=today,
                                         then=numbered)
    rendered = {r.form_id: r for r in forms}
    payload = []
    for entry in plan.entries:
        if entry.kind == "generated":
            data, suffix = rendered[entry.form].pdf, ".pdf"
        elif id(entry) in carried:
            data, suffix = carried[id(entry)]
        else:
            continue
        entry.path = f"data/{entry.number:02d}-{entry.section}-{entry.form or entry.material}{suffix}"
        entry.sha256 = hashlib.sha256(data).hexdigest()
        payload.append((entry.path, data))
    return payload, catalogue_pdf, total


def build_bundle(dossier: Dossier, out_dir: str | os.PathLike, *, base_dir: str | os.PathLike | None = None,
                 files: Mapping[str, bytes] | None = None, final: bool = False, executor=None,
                 today: dt.date | None = None) -> BundleResult:
    """Writes `<id>.zip` into `out_dir` atomically. With `final`, refuses while a required material is
    missing (ARCHIVE_INCOMPLETE); otherwise the catalogue lists what is missing. Material files come
    from `files` (SHA-256 → bytes, the store's uploads) or from `base_dir` (beside a dossier file)."""
    if final:
        check_archivable(dossier)
    out = ensure_output_dir(out_dir)
    rs = current_rule_set(dossier)
    plan = catalogue.plan(dossier, rs)
    payload, catalogue_pdf, total = _payload(dossier, plan, Path(base_dir) if base_dir is not None else None,
                                             files, executor, today)
    machine = {"format": "fazhan-catalogue/1", "dossier": dossier.id, "rule_set": rs.label,
               "generated_on": (today or dt.date.today()).isoformat(), "total_pages": total,
               "catalogue": f"data/{CATALOGUE_FILE}",
               "entries": [e.to_dict() for e in plan.entries], "missing": [m.to_dict() for m in plan.missing],
               "pending": plan.pending, "closed": plan.closed}
    files = [(f"data/{CATALOGUE_FILE}", catalogue_pdf.pdf), *payload,
             (f"data/{DOSSIER_FILE}", json.dumps(dossier.to_json_dict(), ensure_ascii=False, indent=1).encode()),
             (f"data/{CATALOGUE_JSON}", json.dumps(machine, ensure_ascii=False, indent=1).encode())]
    info = {"Source-Organization": dossier.person.organisation or "未填写",
            "External-Identifier": dossier.id,
            "External-Description": f"{dossier.person.name} 发展党员档案",
            "Fazhan-Bundle-Format": BUNDLE_FORMAT, "Fazhan-Rule-Set": rs.label,
            "Fazhan-Missing-Materials": str(len(plan.missing))}
    target = out / bundle_filename(dossier)
    root_name = safe_name(dossier.id)
    with tempfile.TemporaryDirectory(prefix="fazhan-bag-") as work:
        root = Path(work) / root_name
        for name, data in files:
            path = root / PurePosixPath(name).relative_to("data")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        bagit.make_bag(str(root), bag_info=info, checksums=["sha256"])
        with atomic_path(target) as temp:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"{root_name}/{path.relative_to(root).as_posix()}",
                                      compress_type=zipfile.ZIP_STORED if path.suffix.lower() in _STORED else None)
    return BundleResult(dossier_id=dossier.id, path=target, documents=len(payload) + 1,
                        pages=total + catalogue_pdf.pages, missing=plan.missing, pending=len(plan.pending))


def bundle_bytes(dossier: Dossier, **kwargs) -> bytes:
    """The bundle as bytes (for the API): built in a private temporary directory, then read."""
    with tempfile.TemporaryDirectory(prefix="fazhan-out-") as out:
        return build_bundle(dossier, out, **kwargs).path.read_bytes()


# ---------------------------------------------------------------- verification

@dataclass
class Problem:
    code: str
    file: str
    message: str


@dataclass
class VerifyReport:
    path: str
    dossier_id: str | None
    files: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"path": self.path, "dossier": self.dossier_id, "files": self.files, "ok": self.ok,
                "problems": [asdict(p) for p in self.problems]}


def _extract(path: Path, into: Path) -> tuple[Path, list[Problem], int]:
    """Extracts the zip safely; a member that fails its CRC is reported altered, not extracted."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BundleUnreadable(f"找不到档案包 {path}", file=str(path)) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleUnreadable(f"档案包 {path} 不是可读的 zip 文件：{exc}", file=str(path)) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        roots = {PurePosixPath(m.filename).parts[0] for m in members if PurePosixPath(m.filename).parts}
        if len(roots) != 1:
            raise BundleUnreadable(f"档案包 {path} 应只含一个顶层目录，实有 {len(roots)} 个", file=str(path))
        root = into / roots.pop()
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise BundleUnreadable(f"档案包 {path} 含有不安全的路径 {member.filename}", file=str(path))
            relative = PurePosixPath(*name.parts[1:]).as_posix()
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                target.unlink(missing_ok=True)
                problems.append(Problem("BUNDLE_ALTERED", relative, f"文件 {relative} 已损坏或被改动（{exc}）"))
    return root, problems, len(members)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_bundle(path: str | os.PathLike) -> VerifyReport:
    """Checks every file of a bundle against its bag manifests; names each missing, altered or extra file."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="fazhan-verify-") as work:
        root, problems, count = _extract(path, Path(work))
        damaged = {p.file for p in problems}
        if not (root / "bagit.txt").exists() and "bagit.txt" not in damaged:
            raise BundleUnreadable(f"档案包 {path} 不是 BagIt 包（缺少 bagit.txt）", file=str(path))
        try:
            bag = bagit.Bag(str(root))
        except bagit.BagError as exc:
            problems.append(Problem("BUNDLE_INVALID", "bagit.txt", f"BagIt 结构无效：{exc}"))
            return VerifyReport(str(path), None, count, problems)
        listed = set()
        for name, hashes in sorted(bag.entries.items()):
            listed.add(name)
            if name in damaged:
                continue
            file = root / name
            expected = hashes.get("sha256")
            if not file.is_file():
                problems.append(Problem("BUNDLE_FILE_MISSING", name, f"缺少文件 {name}"))
            elif expected and _sha256(file) != expected:
                problems.append(Problem("BUNDLE_ALTERED", name, f"文件 {name} 的 SHA-256 与清单不符，已被改动"))
        tag_files = {"bagit.txt", "bag-info.txt"} | {Path(m).name for m in bag.manifest_files()} \
            | {Path(m).name for m in bag.tagmanifest_files()}
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            name = file.relative_to(root).as_posix()
            if name not in listed and name not in tag_files:
                problems.append(Problem("BUNDLE_FILE_UNEXPECTED", name, f"清单之外多出文件 {name}"))
        if not problems:
            try:
                bag.validate(processes=1)
            except bagit.BagValidationError as exc:
                problems.append(Problem("BUNDLE_INVALID", "bag-info.txt", f"BagIt 校验未通过：{exc.message}"))
        dossier_id = bag.info.get("External-Identifier")
        return VerifyReport(str(path), dossier_id if isinstance(dossier_id, str) else None, count, problems)


def check_bundle(path: str | os.PathLike) -> VerifyReport:
    """Like `verify_bundle`, but raises BundleAltered naming every problem."""
    report = verify_bundle(path)
    if not report.ok:
        names = "、".join(p.file for p in report.problems)
        raise BundleAltered(f"档案包 {path} 校验未通过：{names}", file=str(path),
                            details=[asdict(p) for p in report.problems])
    return report
