"""A progress bar on standard error for long runs (it stays out of the JSON on standard output)."""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator


def audit_progress(results: Iterable, total: int) -> Iterator:
    """Yields `results` unchanged, drawing a bar when a person is watching and the run is long (rich's
    progress module is imported only then: a one-file audit does not pay for it)."""
    if total < 200 or not sys.stderr.isatty():
        yield from results
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("审计"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("audit", total=total)
        for result in results:
            yield result
            progress.advance(task)
