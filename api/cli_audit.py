"""`fazhan audit`, and the plain file audit run without typer (issue 13).

`run_audit` is the command: `api/cli_app.py` declares its options for typer and calls it. Typer costs
about 35 ms of a one-file audit before the audit starts (importing typer and its click, building the
command table, then a pydantic TypeAdapter for each option to coerce its value): about 165 million of
the command's 1,100 million instructions. So `api.cli.main` first asks `plain_file_audit` whether the
command line is nothing but `audit PATH… [--as-of DAY] [--format json|table]` (each option at most
once, as `--as-of DAY` or `--as-of=DAY`, anywhere among the paths); if so it calls `run_plain` with
exactly the values typer would have passed, and typer is never imported. Any other command line
(another command, `--help`, another option, a value that typer would refuse or reshape, `--`, a path
that looks like an option, shell completion) goes to typer as before. `run_plain` ends as typer's
standalone mode does: the command's exit status, 130 on Ctrl-C, 1 on a closed output pipe, and an error
escaping the command printed as `api.cli.main` prints it. tests/cli/test_start.py runs both ways on the
same command lines and compares standard output, standard error and the exit status byte for byte.
"""
from __future__ import annotations

import errno
import sys
from collections.abc import Mapping
from enum import Enum

from api.cli_common import parse_as_of
from api.output import audit_table, print_error
from workflow.errors import FazhanError, InputError


class Format(str, Enum):
    json = "json"
    table = "table"


def run_audit(paths: list[str] | None, as_of: str | None, format: Format, organisation: int | None = None,
              all_stored: bool = False, workers: int | None = None) -> int:
    """Audits the files (or the stored dossiers) and prints the result; returns the exit status."""
    from api.progress import audit_progress
    from workflow.audit_stream import AuditWriter, audit_sources
    from workflow.inputs import expand, iter_sources

    try:
        day = parse_as_of(as_of)
        if organisation is not None or all_stored:
            from sqlmodel import Session

            from workflow import bootstrap
            from workflow.store.calendar_admin import sync_calendar
            from workflow.store.db import make_engine
            from workflow.store.scan import count_subtree, subtree_sources

            engine = make_engine(bootstrap.settings().database_url)
            with Session(engine) as session:  # the working days a system administrator entered (workers inherit them)
                sync_calendar(session, bootstrap.calendar())
            total = count_subtree(engine, organisation)
            sources = subtree_sources(engine, organisation)
        elif paths:
            names = list(expand(paths))
            total, sources = len(names), iter_sources(names)
        else:
            raise InputError("请给出档案文件或目录，或用 --organisation/--all 审计数据库", code="INPUT_MISSING")
    except FazhanError as exc:
        print_error(exc)
        return 2
    if workers is None:
        workers = 0 if total < 2000 else None
    results = audit_sources(sources, day, workers=workers)
    unreadable = violating = 0
    if format is Format.json:
        writer = AuditWriter(sys.stdout, day)
        for result in audit_progress(results, total):
            if result.error:
                print_error(FazhanError(result.error["message"], code=result.error["code"],
                                        file=result.error.get("file"), path=result.error.get("path")))
            writer.add(result)
        summary = writer.close()
        unreadable, violating = writer.unreadable, summary["with_violations"]
    else:
        from workflow.audit import summarise_entries

        entries = []
        for result in audit_progress(results, total):
            if result.error:
                print_error(FazhanError(result.error["message"], code=result.error["code"],
                                        file=result.error.get("file"), path=result.error.get("path")))
                unreadable += 1
                continue
            entries.append(result.audit)
        document = {"format": "audit/1", "as_of": day.isoformat(), "dossiers": entries,
                    "summary": summarise_entries(entries)}
        audit_table(document)
        violating = document["summary"]["with_violations"]
    if unreadable:
        return 2
    return 1 if violating else 0


PLAIN_OPTIONS = {"--as-of": "as_of", "--format": "format"}


def plain_file_audit(args: list[str], environ: Mapping[str, str]) -> dict | None:
    """`run_audit`'s arguments when `args` (the command line after the program's name) is a plain file
    audit that typer would parse to exactly these values, else None (typer parses it)."""
    if not args or args[0] != "audit":
        return None
    if any(name.endswith("_COMPLETE") and value for name, value in environ.items()):
        return None  # a shell asking for completions: typer answers
    paths: list[str] = []
    chosen: dict[str, str] = {}
    rest = iter(args[1:])
    for token in rest:
        try:
            token.encode("utf-8")
        except UnicodeEncodeError:
            return None  # an undecodable name (surrogate escapes): left to typer's coercion
        if token == "-" or not token.startswith("-"):
            if not token:
                return None
            paths.append(token)
            continue
        name, equals, value = token.partition("=")
        if name not in PLAIN_OPTIONS or PLAIN_OPTIONS[name] in chosen:
            return None  # --help, --organisation, --workers, an option given twice, `--`, a path like -x …
        if not equals:
            value = next(rest, None)
            if value is None:
                return None
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return None
        if not value or value.startswith("-"):
            return None
        chosen[PLAIN_OPTIONS[name]] = value
    if not paths or chosen.get("format", Format.table.value) not in {f.value for f in Format}:
        return None
    return {"paths": paths, "as_of": chosen.get("as_of"), "format": Format(chosen.get("format", Format.table.value))}


class _QuietOnClosedPipe:
    """A stream whose `flush` ignores a reader that went away (EPIPE), as click leaves stdout and stderr
    when the output pipe closes, so that the interpreter's last flush prints nothing more."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str):
        return getattr(self.wrapped, name)


def run_plain(arguments: dict) -> int:
    """`run_audit(**arguments)` ended as typer's standalone mode and `api.cli.main` end a command."""
    try:
        try:
            return run_audit(**arguments)
        except FazhanError as exc:  # escaped the command: api.cli.main's own handler
            print_error(exc)
            return 2
    except KeyboardInterrupt:
        return 130
    except EOFError:
        print(file=sys.stderr)
        from api import cli_help

        cli_help.install()
        from typer import rich_utils

        rich_utils.rich_abort_error()
        return 1
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.stdout = _QuietOnClosedPipe(sys.stdout)
        sys.stderr = _QuietOnClosedPipe(sys.stderr)
        return 1
