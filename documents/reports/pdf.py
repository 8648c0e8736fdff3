"""The audit report as a PDF: the print variant of the HTML, styled by the static stylesheets.

Rendering (one FontConfiguration per process, .notdef as an error) is documents.pdf's, as for the forms.
"""
from __future__ import annotations

from documents.pdf import html_to_pdf
from documents.reports.data import AuditReport
from documents.reports.html import SCREEN_CSS, STATIC, render_html

PRINT_CSS = STATIC / "report-print.css"


def render_pdf(report: AuditReport) -> bytes:
    pdf, _ = html_to_pdf(render_html(report, for_print=True), stylesheets=(SCREEN_CSS, PRINT_CSS), base_url=STATIC)
    return pdf
