"""Audit reports (HTML, PDF, Excel, audit/1 JSON) and the annual statistics workbook, for auditors."""
from documents.reports.data import AuditReport, build_report

__all__ = ["AuditReport", "build_report"]
