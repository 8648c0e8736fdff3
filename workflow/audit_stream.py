"""Auditing many dossiers as a stream: bounded memory, all cores, input order kept.

Each input is one document's text (a file, a database row) plus, for stored dossiers, the rule-set
pin and overlay its organisation uses now. Texts are read and audited in worker processes, a few
batches at a time, so memory stays flat however many dossiers pass; results come back as compact
`audit/1` entries, already JSON text (or the error that kept a document from being read), in input
order. The JSON writer emits the `audit/1` document entry by entry, keeping only the summary counters.

A text is read fast (workflow.dossier_facts, msgspec) and audited as it is; only a document that
path refuses is validated by `parse_dossier`, which accepts it or names its exact error.
"""
from __future__ import annotations

import datetime as dt
import gc
import json
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as _json_string
from operator import attrgetter
from typing import IO

import msgspec

from workflow.audit import audit_dossier
from workflow.dossier_facts import read_facts, with_organisation
from workflow.errors import FazhanError
from workflow.findings import findings_json

_ENTRY_ENCODER = msgspec.json.Encoder()
_code = attrgetter("code")


class Source(msgspec.Struct, frozen=True):
    """One document to audit: its name for error messages, its text, and what its organisation uses
    now (a rule-set pin and an overlay; None keeps the dossier's own). A msgspec record: sources
    cross to the worker processes by the hundred thousand, and these are cheap to make and pickle."""

    name: str
    text: str | bytes = b""
    error: dict | None = None
    rule_set: str | None = None
    overlay: str | dict | None = None
    organisation: str | None = None


class Result(msgspec.Struct, frozen=True):
    """One audited document: its `audit/1` entry already written as JSON (in the worker, so that the
    process writing the document only copies text) with the codes of its findings, or its error."""

    source: str
    entry: str | None = None
    codes: tuple[str, ...] = ()
    error: dict | None = None
    has_violations: bool = False

    @property
    def audit(self) -> dict | None:
        """The `audit/1` entry as data."""
        return None if self.entry is None else json.loads(self.entry)


def read_source(source: Source):
    """The dossier of a source as its organisation judges it now: its facts read fast
    (workflow.dossier_facts), or, when that path refuses, the validated model with its precise error."""
    dossier = read_facts(source.text)
    if dossier is not None and source.rule_set is None and source.overlay is None:
        return dossier  # most sources: no call to find that nothing changes
    return _as_organised(dossier, source)


def _as_organised(facts, source: Source):
    """`read_source` once `read_facts` has answered (`facts`, None when it refused)."""
    if facts is not None:
        return with_organisation(facts, source.rule_set, source.overlay)
    from workflow.dossier import (
        parse_dossier,  # only now: the validating models cost time to build
    )

    dossier = parse_dossier(source.text, source=source.name)
    update = {}
    if source.rule_set is not None:
        update["rule_set"] = source.rule_set
    if source.overlay is not None:
        update["overlay"] = source.overlay
    return dossier.model_copy(update=update) if update else dossier


def entry_text(entry: dict) -> str:
    """An `audit/1` entry as JSON text, the very text of `json.dumps(entry, ensure_ascii=False)` in
    about half its time (a stream of a million dossiers writes a million of them): msgspec writes it
    compact, and `format(indent=0)` puts back the space after each ',' and ':'. The two agree for what
    an entry holds (strings, booleans, null, integers, lists, string keys); they would differ only in
    a float's exponent (1e16 against 1e+16) and in NaN, which an entry never carries."""
    return msgspec.json.format(_ENTRY_ENCODER.encode(entry), indent=0).decode()


_STATE_TEXTS: dict[str, str] = {}


def _state_text(state: str) -> str:
    """`, "state": …, "findings": ` of an entry, written once per state (a few dozen step ids): only
    for text, as `_json_string` takes nothing else (TypeError: the caller writes the general way).
    The memory is bounded: emptied when full."""
    text = ', "state": ' + _json_string(state) + ', "findings": '
    if len(_STATE_TEXTS) >= 256:
        _STATE_TEXTS.clear()
    _STATE_TEXTS[state] = text
    return text


def _audit_one(source: Source, as_of: dt.date) -> Result:
    """One source's Result. The entry's text is put together here rather than built as data and
    encoded: the id and organisation escaped by json's own C string writer, the state's part kept
    per state, the findings written by `findings_json`, which writes each one's fixed fields once for
    all. The text is the very text of `entry_text(entry)` (tests/workflow/test_stream_fast.py); a
    field of an unexpected type (TypeError) is written that general way."""
    if source.error is not None:
        return Result(source.name, error=source.error)
    try:
        dossier = read_facts(source.text)
        if dossier is None or source.rule_set is not None or source.overlay is not None:
            dossier = _as_organised(dossier, source)  # as `read_source`, without its call for most sources
        audit = audit_dossier(dossier, as_of)
    except FazhanError as exc:
        return Result(source.name, error=exc.to_dict() | ({"file": source.name} if not exc.file else {}))
    organisation = source.organisation
    findings = audit.findings
    try:
        state = audit.state
        head = '{"id": ' + _json_string(audit.id) + (_STATE_TEXTS.get(state) or _state_text(state))
        if organisation is None:
            if not findings:
                return Result(source.name, head + "[]}")
            text, violation = findings_json(findings, head, "}")
        else:
            tail = ', "organisation": ' + _json_string(organisation) + "}"
            if not findings:
                return Result(source.name, head + "[]" + tail)
            text, violation = findings_json(findings, head, tail)
    except TypeError:
        entry = audit.to_dict()
        if organisation is not None:
            entry["organisation"] = organisation
        return Result(source.name, entry_text(entry), tuple(map(_code, findings)), None, audit.has_violations)
    return Result(source.name, text, tuple(map(_code, findings)), None, violation)


def _warm_worker(parent_pid: int) -> None:
    """Dies with the parent (a `kill -9` of the audit leaves no orphan holding dossiers); loads the
    checklists and the machine once, then freezes them out of the collector's way."""
    from workflow.lifetime import die_with_parent  # here: a one-process audit starts no worker
    from workflow.machine import procedure_machine

    die_with_parent(parent_pid)
    procedure_machine()
    gc.freeze()


def _audit_batch(batch: list[Source], as_of: dt.date) -> list[Result]:
    return [_audit_one(source, as_of) for source in batch]


def _batches(sources: Iterable[Source], size: int) -> Iterator[list[Source]]:
    batch: list[Source] = []
    for source in sources:
        batch.append(source)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def audit_sources(sources: Iterable[Source], as_of: dt.date, *, workers: int | None = None,
                  batch_size: int = 500) -> Iterator[Result]:
    """Results in input order. `workers` 0 or 1 audits in this process; None uses every core."""
    workers = os.cpu_count() or 1 if workers is None else workers
    if workers <= 1:
        for batch in _batches(sources, batch_size):
            yield from _audit_batch(batch, as_of)
        return
    in_flight: deque = deque()
    from workflow import scratch  # only with workers: its tempfile and shutil cost a one-file audit time

    scratch.claim()  # the workers inherit a private temporary directory, swept of dead runs' files
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only when there are workers

    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker, initargs=(os.getpid(),)) as pool:
        for batch in _batches(sources, batch_size):
            in_flight.append(pool.submit(_audit_batch, batch, as_of))
            if len(in_flight) >= 2 * workers:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()


class AuditWriter:
    """Writes an `audit/1` document to a stream as results arrive; keeps only the summary counters."""

    def __init__(self, out: IO[str], as_of: dt.date):
        self.out = out
        self.count = self.with_violations = self.unreadable = 0
        self.by_code: Counter[str] = Counter()
        out.write('{"format": "audit/1", "as_of": ' + json.dumps(as_of.isoformat()) + ', "dossiers": [')

    def add(self, result: Result) -> None:
        if result.entry is None:
            self.unreadable += 1
            return
        self.out.write(("\n  " if self.count == 0 else ",\n  ") + result.entry)
        self.count += 1
        self.with_violations += result.has_violations
        if result.codes:
            self.by_code.update(result.codes)

    def close(self) -> dict:
        summary = {"dossiers": self.count, "with_violations": self.with_violations,
                   "by_code": dict(sorted(self.by_code.items()))}
        self.out.write("\n], \"summary\": " + json.dumps(summary, ensure_ascii=False) + "}\n")
        self.out.flush()
        return summary
