"""HTML to PDF/A-3b with WeasyPrint: one FontConfiguration and one stylesheet per process.

Fonts come through fontconfig by family name ("Noto Serif CJK SC"); an @font-face on the .ttc
would pick the Japanese face. A character no font can draw is rendered as .notdef (a blank box
on paper), so such a warning is turned into an error here rather than printed.

Writing a PDF subsets each CJK face it uses, and HarfBuzz reads the whole 26 MB face for every
subset whatever the text: about 20 ms a face, a third of a form. Documents that are produced
together (a bundle's forms, a stage's forms) therefore go through `PdfBatch`: each is laid out on
its own (its own page numbers "第 N 页 共 M 页", title and language), then all pages are painted
into one PDF, the fonts subset once, and that PDF is cut into one PDF/A-3b file per document
(`documents.pdf_split`). A document written alone (the API's one-form route) still pays what
WeasyPrint pays per PDF, less what `documents.pdf_tuning` removes with the same bytes out: the
whole-face copy, the second subset pass and the second deflate of every stream. While WeasyPrint
lays out and writes, Python's cyclic garbage collector is held off and run once afterwards over
what the document left (`documents.collector`): about 15 % of a form's CPU went to collections
that walked the process's long-lived objects again and again.

Measured and left out: `hb_subset_preprocess` (HarfBuzz 6) makes each later subset of a face
about 6 ms faster with the same bytes, but costs 1.5 s of CPU and about 280 MB of memory per CJK
face, once per process: too much for a server or a render worker.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from documents import collector, pdf_split, pdf_tuning
from documents.errors import GlyphMissing, RenderFailed

STATIC_DIR = Path(__file__).parent / "static"
STYLESHEET = STATIC_DIR / "print.css"
PDF_VARIANT = "pdf/a-3b"
_LOCK = threading.RLock()


@dataclass(frozen=True)
class PdfAttachment:
    name: str
    data: bytes
    description: str
    relationship: str = "Data"


class _NotdefCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message:
            self.messages.append(message)


@lru_cache(maxsize=1)
def _weasy():
    """WeasyPrint (with documents.pdf_tuning's single-pass font subset) and the process's one
    FontConfiguration (every PDF of this process shares it)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    pdf_tuning.install()
    return weasyprint, FontConfiguration()


@lru_cache(maxsize=1)
def _url_fetcher():
    """The process's one URL fetcher: `weasyprint.HTML` otherwise builds a urllib opener with ten
    handlers for every document (about 2 ms each), for pages that fetch nothing."""
    weasyprint, _ = _weasy()
    fetcher = getattr(weasyprint, "URLFetcher", None)
    return fetcher() if fetcher is not None else None


@lru_cache(maxsize=8)
def _stylesheets(paths: tuple[Path, ...]) -> list:
    weasyprint, fonts = _weasy()
    return [weasyprint.CSS(filename=str(path), font_config=fonts) for path in paths]


@lru_cache(maxsize=8)
def _stylesheet_texts(paths: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in paths)


def warm_up() -> None:
    """Loads WeasyPrint, fontconfig and the stylesheet once (worker initialiser)."""
    html_to_pdf('<html lang="zh-CN"><body><p>预热</p></body></html>')


@contextmanager
def _weasyprint_call() -> Iterator[None]:
    """One WeasyPrint call at a time in this process; its failures and .notdef warnings as our errors."""
    notdefs = _NotdefCollector()
    logger = logging.getLogger("weasyprint")
    with _LOCK, collector.paused():
        logger.addHandler(notdefs)
        try:
            yield
        except (OSError, ValueError) as exc:
            raise RenderFailed(f"PDF 生成失败：{exc}") from None
        finally:
            logger.removeHandler(notdefs)
    if notdefs.messages:
        raise GlyphMissing("字体缺少以下文字的字形，打印出来会是空白：" + "；".join(notdefs.messages),
                           details=[{"message": m} for m in notdefs.messages])


def _lay_out(html: str, stylesheets: tuple[Path, ...], base_url: Path):
    _, fonts = _weasy()
    html_class = pdf_tuning.html_class(html, *_stylesheet_texts(tuple(stylesheets)))
    return html_class(string=html, base_url=str(base_url), url_fetcher=_url_fetcher()).render(
        stylesheets=_stylesheets(tuple(stylesheets)), font_config=fonts, pdf_variant=PDF_VARIANT)


def _write(document, attachments: list[PdfAttachment]) -> bytes:
    weasyprint, _ = _weasy()
    return document.write_pdf(
        pdf_variant=PDF_VARIANT, finisher=pdf_tuning.keep_stream_bytes,
        attachments=[weasyprint.Attachment(string=a.data, name=a.name, description=a.description,
                                           relationship=a.relationship) for a in attachments])


def html_to_pdf(html: str, attachments: list[PdfAttachment] | None = None, *,
                stylesheets: tuple[Path, ...] = (STYLESHEET,), base_url: Path = STATIC_DIR) -> tuple[bytes, int]:
    """Renders `html` as PDF/A-3b with static `stylesheets`; returns the bytes and the page count. The
    collector's pause ends once the laid-out document is dropped, so that its one collection frees the
    document's cycles instead of walking a document still alive."""
    with collector.paused():
        return _rendered(html, list(attachments or []), stylesheets, base_url)


def _rendered(html: str, attachments: list[PdfAttachment], stylesheets: tuple[Path, ...],
              base_url: Path) -> tuple[bytes, int]:
    with _weasyprint_call():
        document = _lay_out(html, stylesheets, base_url)
        pdf = _write(document, attachments)
    return pdf, len(document.pages)


class PdfBatch:
    """Several HTML documents as PDF/A-3b files written together, each CJK face subset once for all.

    `add` lays a document out and returns its page count (so a 卷内目录 can number the pages of
    the documents before it is itself added); `write` returns one PDF per document, in order.
    """

    def __init__(self, stylesheets: tuple[Path, ...] = (STYLESHEET,), base_url: Path = STATIC_DIR) -> None:
        self._stylesheets = tuple(stylesheets)
        self._base_url = base_url
        self._parts: list[tuple[object, list[PdfAttachment]]] = []

    def add(self, html: str, attachments: list[PdfAttachment] | None = None) -> int:
        with _weasyprint_call():
            document = _lay_out(html, self._stylesheets, self._base_url)
        self._parts.append((document, list(attachments or [])))
        return len(document.pages)

    def write(self) -> list[bytes]:
        parts, self._parts = self._parts, []
        if not parts:
            return []
        if len(parts) == 1 or not all(_splittable(document) for document, _ in parts):
            out = []
            for document, attachments in parts:
                with _weasyprint_call():
                    out.append(_write(document, attachments))
            return out
        documents = [document for document, _ in parts]
        combined = documents[0].copy([page for document in documents for page in document.pages])
        with _weasyprint_call():
            pdf = _write(combined, [a for _, attachments in parts for a in attachments])
            return pdf_split.split(pdf, [_part(document, len(attachments)) for document, attachments in parts],
                                   PDF_VARIANT)


def _splittable(document) -> bool:
    """The split carries title, authors, description, keywords, generator and language; a document
    with more metadata than that (dates, custom fields, linked attachments) is written on its own."""
    m = document.metadata
    return not any(getattr(m, name, None) for name in ("created", "modified", "custom", "xmp_metadata", "attachments"))


def _part(document, attachments: int) -> pdf_split.Part:
    m = document.metadata
    return pdf_split.Part(pages=len(document.pages), title=m.title, authors=tuple(m.authors),
                          description=m.description, keywords=tuple(m.keywords), generator=m.generator,
                          lang=m.lang, attachments=attachments)
