"""What may reach a log: no ID number, no calendar-feed secret, no SQL parameters or dossier snapshot.

Log lines are kept for months and read by people who may not see the dossiers, so every record is
scrubbed by one filter before any handler writes it: uvicorn's access lines (the `.ics` feed URL
carries its secret in the path), uvicorn's "Exception in ASGI application" tracebacks (a failed
INSERT quotes every column of the row, the snapshot and the ID number included) and our own loggers.
"""
from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from workflow.store.idnumber import redact_id_numbers

FEED_PATH = re.compile(r"(/calendar/)[^/\s\"'?#]+(\.ics)")
# SQLAlchemy appends the bound values of a failed statement: the whole row, personal data included
SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background|$))", re.DOTALL)
# PostgreSQL's "DETAIL:  Key (person_name, birth_date)=(张三, 2001-01-01) already exists."
KEY_VALUES = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")
SNAPSHOT = re.compile(r"\{[^\n]*[\"']format[\"']\s*:\s*[\"']dossier/1[\"'][^\n]*\}")
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fazhan", "fazhan.api", "fazhan.web", "fazhan.security",
           "sqlalchemy", "sqlalchemy.engine")


def scrub(text: str) -> str:
    """The text with feed secrets, SQL parameters, key values, snapshots and ID numbers taken out."""
    if not isinstance(text, str):
        return text
    text = FEED_PATH.sub(r"\1[已隐去]\2", text)
    text = SQL_PARAMETERS.sub("[parameters: 已隐去]", text)
    text = KEY_VALUES.sub(r"\1=(已隐去)", text)
    text = SNAPSHOT.sub("{档案内容已隐去}", text)
    return redact_id_numbers(text)


def _scrub_arg(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return scrub(str(value))


class RedactingFilter(logging.Filter):
    """Scrubs a record in place; it never drops one (a missing line would hide an incident)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_fazhan_scrubbed", False):
            return True
        if isinstance(record.args, tuple):
            # uvicorn's access formatter unpacks the args by position: keep their number and order
            record.args = tuple(_scrub_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _scrub_arg(v) for k, v in record.args.items()}
        record.msg = scrub(record.msg) if isinstance(record.msg, str) else scrub(str(record.msg))
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._fazhan_scrubbed = True
        return True


_FILTER = RedactingFilter()


def install_redaction() -> None:
    """Puts the filter on the loggers that create records and on every handler already configured.

    A logger's filter sees only records created on that logger, a handler's sees every record it
    writes, including those propagated from child loggers; both are needed, and installing twice is
    harmless. Called when the app is created, after uvicorn has configured its handlers.
    """
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


def uvicorn_log_config() -> dict:
    """uvicorn's own logging configuration with the filter on both of its handlers (for `fazhan serve`)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"fazhan_redact": {"()": RedactingFilter}}
    for handler in config["handlers"].values():
        handler["filters"] = ["fazhan_redact"]
    return config
