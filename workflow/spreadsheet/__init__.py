"""The 纪实表 spreadsheet: a template to fill in, an import of it (and of CSV) into `dossier/1`, an export."""
from workflow.spreadsheet.errors import RowError, SpreadsheetUnreadable
from workflow.spreadsheet.importer import ImportResult, read_records
from workflow.spreadsheet.template import write_template
from workflow.spreadsheet.writer import write_records

__all__ = ["ImportResult", "RowError", "SpreadsheetUnreadable", "read_records", "write_records", "write_template"]
