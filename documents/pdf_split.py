"""Cuts one PDF/A-3b, written by WeasyPrint for several documents at once, into one PDF/A-3b per document.

Why: the font subset is the dearest part of writing a form (HarfBuzz reads the 26 MB Noto CJK face
for each subset, whatever the text), so forms rendered together are painted into one PDF whose
fonts are subset once, then cut here by page ranges. Each piece is a complete PDF/A-3b file of its
own, as WeasyPrint would have written it alone: its pages, only the fonts its pages draw with (the
shared subsets: a form without bold text carries no bold face), the sRGB output intent, its own
title, author, subject and language in both the document information and the XMP packet (PDF/A
wants the two to agree), its bookmarks, and its embedded files with their relationship (/AF).
pypdf copies the compressed streams as they are, so nothing is compressed twice. The glyph-width
arrays of the fonts (/W, about two thousand numbers for the two faces) are the same in every piece:
they are copied and written as one object each (`_SharedArray`), not number by number for each piece.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, Fit, FloatObject, IndirectObject, NameObject, NullObject,
                           NumberObject, TextStringObject)

_NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dc": "http://purl.org/dc/elements/1.1/",
       "pdf": "http://ns.adobe.com/pdf/1.3/", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
       "xmp": "http://ns.adobe.com/xap/1.0/"}
for _prefix, _uri in _NS.items():
    register_namespace(_prefix, _uri)
_FONT_USE = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+.\d]+\s+Tf\b")
_XOBJECT_USE = re.compile(rb"\sDo\b")
_VARIANT = re.compile(r"^pdf/a-(\d)([abu])$")


@dataclass(frozen=True)
class Part:
    """One document's share of the combined PDF: its page count, metadata and embedded-file count."""
    pages: int
    title: str | None = None
    authors: tuple[str, ...] = ()
    description: str | None = None
    keywords: tuple[str, ...] = ()
    generator: str | None = None
    lang: str | None = None
    attachments: int = 0


@dataclass
class _Source:
    reader: PdfReader
    producer: str
    specs: list = field(default_factory=list)
    outline: list = field(default_factory=list)  # (depth, title, page index, destination) in document order


def split(pdf: bytes, parts: list[Part], variant: str) -> list[bytes]:
    """The combined `pdf` cut into one file per part, in order; `variant` is WeasyPrint's ("pdf/a-3b")."""
    match = _VARIANT.match(variant)
    if match is None:
        raise ValueError(f"cannot split a PDF of variant {variant!r}")
    reader = PdfReader(io.BytesIO(pdf))
    if sum(p.pages for p in parts) != len(reader.pages):
        raise ValueError(f"{len(reader.pages)} pages for parts of {sum(p.pages for p in parts)}")
    source = _Source(reader, str((reader.metadata or {}).get("/Producer") or ""))
    root = reader.trailer["/Root"]
    if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
        source.specs = list(root["/Names"]["/EmbeddedFiles"].get_object()["/Names"][1::2])
    if sum(p.attachments for p in parts) != len(source.specs):
        raise ValueError(f"{len(source.specs)} embedded files for parts of {sum(p.attachments for p in parts)}")
    _read_outline(reader, reader.outline, 0, source.outline)
    shared: set[int] = set()
    for page in reader.pages:
        _keep_used_fonts(page)
        _share_font_arrays(page, shared)
    out, first, spec = [], 0, 0
    for part in parts:
        out.append(_write(source, part, range(first, first + part.pages), source.specs[spec:spec + part.attachments],
                          match.group(1), match.group(2).upper()))
        first += part.pages
        spec += part.attachments
    return out


def _keep_used_fonts(page) -> None:
    """Gives the page its own resources listing only the fonts its content selects (Tf), so that a piece
    carries only the faces it draws with. A page that paints form XObjects keeps every font."""
    resources = page.get("/Resources")
    if resources is None or "/Font" not in resources.get_object():
        return
    content = page.get_contents()
    data = content.get_data() if content is not None else b""
    if _XOBJECT_USE.search(data):
        return
    used = {name.decode("latin-1") for name in _FONT_USE.findall(data)}
    resources = resources.get_object()
    fonts = resources["/Font"].get_object()
    own = DictionaryObject({NameObject(k): v for k, v in resources.items() if k != "/Font"})
    own[NameObject("/Font")] = DictionaryObject({NameObject(k): v for k, v in fonts.items() if k[1:] in used})
    page[NameObject("/Resources")] = own


class _SharedArray(ArrayObject):
    """An array of numbers and names (and such arrays) that no piece changes: a copy into another file
    shares the items (they are immutable values) and the bytes, written once the first time they are
    asked for, exactly as `ArrayObject.write_to_stream` writes them."""

    def __init__(self, items, written: list | None = None) -> None:
        super().__init__(items)
        self._written = written if written is not None else []

    def clone(self, pdf_dest, force_duplicate: bool = False, ignore_fields=()) -> ArrayObject:
        try:
            if self.indirect_reference.pdf == pdf_dest and not force_duplicate:
                return self
        except AttributeError:
            pass
        return self._reference_clone(_SharedArray(self, self._written), pdf_dest, force_duplicate=True)

    def write_to_stream(self, stream, encryption_key=None) -> None:
        if not self._written:
            buffer = io.BytesIO()
            ArrayObject(self).write_to_stream(buffer)
            self._written.append(buffer.getvalue())
        stream.write(self._written[0])


def _plain(array) -> bool:
    """Whether `array` holds only numbers, names and such arrays (nothing a copy would renumber)."""
    return all(isinstance(item, (NumberObject, FloatObject, NameObject))
               or (type(item) is ArrayObject and _plain(item)) for item in array)


def _share_font_arrays(page, done: set[int]) -> None:
    """Makes the width arrays of the page's CID fonts `_SharedArray`s (once per font)."""
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources is not None else None
    for reference in (fonts.get_object().values() if fonts is not None else ()):
        font = reference.get_object()
        for descendant in font.get("/DescendantFonts", ()):
            cid_font = descendant.get_object()
            if id(cid_font) in done:
                continue
            done.add(id(cid_font))
            widths = cid_font.raw_get("/W") if "/W" in cid_font else None
            if type(widths) is ArrayObject and _plain(widths):
                cid_font[NameObject("/W")] = _SharedArray(widths)


def _read_outline(reader: PdfReader, items: list, depth: int, out: list) -> None:
    for item in items:
        if isinstance(item, list):
            _read_outline(reader, item, depth + 1, out)
            continue
        page = reader.get_destination_page_number(item)
        if page is not None and page >= 0:
            out.append((depth, str(item.title), page, item))


def _fit(destination) -> Fit:
    if destination.typ == "/XYZ":
        def number(value):
            return None if value is None or isinstance(value, NullObject) else float(value)
        return Fit.xyz(number(destination.left), number(destination.top), number(destination.zoom))
    return Fit.fit()


def _write(source: _Source, part: Part, pages: range, specs: list, version: str, conformance: str) -> bytes:
    reader = source.reader
    writer = PdfWriter()
    writer.pdf_header = reader.pdf_header
    for index in pages:
        writer.add_page(reader.pages[index])
    root = writer.root_object
    catalog = reader.trailer["/Root"]
    root[NameObject("/OutputIntents")] = catalog["/OutputIntents"].clone(writer)
    if part.lang:
        root[NameObject("/Lang")] = TextStringObject(part.lang)
    parents: dict[int, IndirectObject] = {}
    for depth, title, page, destination in source.outline:
        if page in pages:
            parents = {d: p for d, p in parents.items() if d < depth}
            parents[depth] = writer.add_outline_item(title=title, page_number=page - pages.start,
                                                     parent=parents.get(depth - 1), fit=_fit(destination))
    if specs:
        names, related = ArrayObject(), ArrayObject()
        for spec in specs:
            copied = spec.get_object().clone(writer)
            reference = copied.indirect_reference
            names.extend([TextStringObject(str(copied["/F"])), reference])
            related.append(reference)
        root[NameObject("/Names")] = DictionaryObject(
            {NameObject("/EmbeddedFiles"): DictionaryObject({NameObject("/Names"): names})})
        root[NameObject("/AF")] = related
    info = {"/Producer": source.producer}
    if part.title:
        info["/Title"] = part.title
    if part.authors:
        info["/Author"] = ", ".join(part.authors)
    if part.description:
        info["/Subject"] = part.description
    if part.keywords:
        info["/Keywords"] = ", ".join(part.keywords)
    if part.generator:
        info["/Creator"] = part.generator
    writer.add_metadata(info)
    writer.xmp_metadata = xmp_packet(part, source.producer, version, conformance)
    metadata = root["/Metadata"].get_object()
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    writer.generate_file_identifiers()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def xmp_packet(part: Part, producer: str, version: str, conformance: str) -> bytes:
    """The XMP packet PDF/A asks for: the part and conformance, and the same title, author, subject,
    keywords, creator tool and producer as the document information dictionary."""
    rdf = Element(f"{{{_NS['rdf']}}}RDF")
    about = f"{{{_NS['rdf']}}}about"
    SubElement(rdf, f"{{{_NS['rdf']}}}Description", {about: "", f"{{{_NS['pdfaid']}}}part": version,
                                                     f"{{{_NS['pdfaid']}}}conformance": conformance})
    SubElement(rdf, f"{{{_NS['rdf']}}}Description", {about: "", f"{{{_NS['pdf']}}}Producer": producer})

    def described(namespace: str, name: str) -> Element:
        return SubElement(SubElement(rdf, f"{{{_NS['rdf']}}}Description", {about: ""}), f"{{{_NS[namespace]}}}{name}")

    def alternative(namespace: str, name: str, text: str) -> None:
        item = SubElement(SubElement(described(namespace, name), f"{{{_NS['rdf']}}}Alt"), f"{{{_NS['rdf']}}}li",
                          {"{http://www.w3.org/XML/1998/namespace}lang": "x-default"})
        item.text = text

    if part.title:
        alternative("dc", "title", part.title)
    if part.authors:
        sequence = SubElement(described("dc", "creator"), f"{{{_NS['rdf']}}}Seq")
        for author in part.authors:
            SubElement(sequence, f"{{{_NS['rdf']}}}li").text = author
    if part.description:
        alternative("dc", "description", part.description)
    if part.keywords:
        described("pdf", "Keywords").text = ", ".join(part.keywords)
    if part.generator:
        described("xmp", "CreatorTool").text = part.generator
    return b"\n".join((b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>',
                       b'<x:xmpmeta xmlns:x="adobe:ns:meta/">', tostring(rdf, encoding="utf-8", xml_declaration=False),
                       b"</x:xmpmeta>", b'<?xpacket end="r"?>'))
