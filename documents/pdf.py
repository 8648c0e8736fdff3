"""HTML to PDF/A-3b with WeasyPrint: one FontConfiguration and one stylesheet per process.

Fonts come through fontconfig by family name ("Noto Serif CJK SC"); an @font-face on the .ttc
would pick the Japanese face. A character no font can draw is rendered as .notdef (a blank box
on paper), so such a warning is turned into an error here rather than printed.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from documents.errors import GlyphMissing, RenderFailed

STATIC_DIR = Path(__file__).parent / "static"
STYLESHEET = STATIC_DIR / "print.css"
PDF_VARIANT = "pdf/a-3b"
_LOCK = threading.Lock()


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
    """WeasyPrint and the process's one FontConfiguration (every PDF of this process shares it)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    return weasyprint, FontConfiguration()


@lru_cache(maxsize=8)
def _stylesheets(paths: tuple[Path, ...]) -> list:
    weasyprint, fonts = _weasy()
    return [weasyprint.CSS(filename=str(path), font_config=fonts) for path in paths]


def warm_up() -> None:
    """Loads WeasyPrint, fontconfig and the stylesheet once (worker initialiser)."""
    html_to_pdf('<html lang="zh-CN"><body><p>预热</p></body></html>')


def html_to_pdf(html: str, attachments: list[PdfAttachment] | None = None, *,
                stylesheets: tuple[Path, ...] = (STYLESHEET,), base_url: Path = STATIC_DIR) -> tuple[bytes, int]:
    """Renders `html` as PDF/A-3b with static `stylesheets`; returns the bytes and the page count."""
    weasyprint, fonts = _weasy()
    sheets = _stylesheets(tuple(stylesheets))
    collector = _NotdefCollector()
    logger = logging.getLogger("weasyprint")
    with _LOCK:
        logger.addHandler(collector)
        try:
            document = weasyprint.HTML(string=html, base_url=str(base_url)).render(
                stylesheets=sheets, font_config=fonts, pdf_variant=PDF_VARIANT)
            pdf = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                attachments=[weasyprint.Attachment(string=a.data, name=a.name, description=a.description,
                                                   relationship=a.relationship)
                             for a in attachments or []])
        except (OSError, ValueError) as exc:
            raise RenderFailed(f"PDF 生成失败：{exc}") from None
        finally:
            logger.removeHandler(collector)
    if collector.messages:
        raise GlyphMissing("字体缺少以下文字的字形，打印出来会是空白：" + "；".join(collector.messages),
                           details=[{"message": m} for m in collector.messages])
    return pdf, len(document.pages)
