"""The audit report as a PDF: the print variant of the HTML, styled by the static stylesheets.

Fonts come through fontconfig by family name ("Noto Serif CJK SC"); a character no font can draw
would print as a blank box (.notdef), so that warning is an error here, as for the forms.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache

from documents.errors import GlyphMissing, RenderFailed
from documents.reports.data import AuditReport
from documents.reports.html import SCREEN_CSS, STATIC, render_html

PRINT_CSS = STATIC / "report-print.css"
_LOCK = threading.Lock()


class _NotdefCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if ".notdef" in record.getMessage():
            self.messages.append(record.getMessage())


@lru_cache(maxsize=1)
def _weasy():
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(filename=str(path), font_config=fonts) for path in (SCREEN_CSS, PRINT_CSS)]
    return weasyprint, fonts, sheets


def html_to_pdf(html: str) -> bytes:
    weasyprint, fonts, sheets = _weasy()
    collector = _NotdefCollector()
    logger = logging.getLogger("weasyprint")
    with _LOCK:
        logger.addHandler(collector)
        try:
            pdf = weasyprint.HTML(string=html, base_url=str(STATIC)).write_pdf(stylesheets=sheets, font_config=fonts)
        except (OSError, ValueError) as exc:
            raise RenderFailed(f"PDF 生成失败：{exc}") from None
        finally:
            logger.removeHandler(collector)
    if collector.messages:
        raise GlyphMissing("字体缺少以下文字的字形，打印出来会是空白：" + "；".join(collector.messages),
                           details=[{"message": m} for m in collector.messages])
    return pdf


def render_pdf(report: AuditReport) -> bytes:
    return html_to_pdf(render_html(report, for_print=True))
