"""Reading back what PDF/A-3b asks of a file's structure, and what a form PDF carries (text, bookmarks,
embedded font programs), for the documents tests."""
from __future__ import annotations

import hashlib
import io
import re

from pypdf import PdfReader

XMP_TITLE = re.compile(r"<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">(.*?)</rdf:li>", re.S)


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def outline_titles(reader: PdfReader) -> list[str]:
    out = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else out.append(str(item.title))
    walk(reader.outline)
    return out


def font_programs(reader: PdfReader) -> dict[str, str]:
    """BaseFont -> SHA-256 of the embedded font program, over every page."""
    out = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = next(descriptor[k] for k in ("/FontFile3", "/FontFile2", "/FontFile") if k in descriptor)
            out[str(font["/BaseFont"])] = hashlib.sha256(program.get_object().get_data()).hexdigest()
    return out


def pdfa_facts(pdf: bytes) -> dict:
    """What PDF/A-3b asks of a file's structure (ISO 19005-3 §6.1.2, 6.1.3, 6.2.2, 6.6, 6.8), read back."""
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object()
    xmp = metadata.get_data().decode("utf-8")
    intents = [i.get_object() for i in root["/OutputIntents"]]
    profile = intents[0]["/DestOutputProfile"].get_object()
    info = reader.metadata or {}
    title = XMP_TITLE.search(xmp)
    producer = re.search(r'pdf:Producer="([^"]*)"', xmp)
    return {
        "header": pdf[:8].decode(), "binary_comment": all(b > 127 for b in pdf.split(b"\n")[1][1:5]),
        "id": len(reader.trailer.get("/ID", [])) == 2, "encrypted": reader.is_encrypted,
        "metadata_stream": (metadata.get("/Type"), metadata.get("/Subtype")),
        "pdfaid": ('pdfaid:part="3"' in xmp, 'pdfaid:conformance="B"' in xmp),
        "title_agrees": title is not None and title.group(1) == info.get("/Title"),
        "producer_agrees": producer is not None and producer.group(1) == info.get("/Producer"),
        "intent": [(str(i["/S"]), str(i["/OutputConditionIdentifier"])) for i in intents],
        "icc_components": profile.get("/N"),
        "lang": str(root.get("/Lang")),
        "title": info.get("/Title"), "author": info.get("/Author"), "subject": info.get("/Subject"),
        "creator": info.get("/Creator"),
        "attachments": {name: [(str(spec.get_object()["/AFRelationship"]), spec.get_object()["/EF"]["/F"]
                                .get_object().get_data()) for spec in specs]
                        for name, specs in _specs(root).items()},
        "af": len(root.get("/AF", [])) > 0,
        "pages": len(reader.pages), "outline": outline_titles(reader),
    }


def _specs(root) -> dict[str, list]:
    if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
        return {}
    names = root["/Names"]["/EmbeddedFiles"].get_object()["/Names"]
    out: dict[str, list] = {}
    for name, spec in zip(names[::2], names[1::2]):
        out.setdefault(str(name), []).append(spec)
    return out
