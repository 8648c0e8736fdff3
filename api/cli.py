"""The `fazhan` command line: audit and plan dossiers, list the rules, draw the machine.

Exit codes follow DOSSIER_FORMAT.md: 0 clean, 1 a violation found, 2 an input could not be read.
Errors are one Chinese line with a stable code on stderr; a traceback reaching a user is a bug.

This module is the entry point only, and imports neither typer nor the commands: a plain file audit
(`fazhan audit FILE… [--as-of DAY] [--format json|table]`) runs without typer (api/cli_audit.py),
every other command line goes to the typer app in api/cli_app.py. `api.cli.app` is that app.
"""
from __future__ import annotations

import os
import sys

# Pydantic looks for plugins the first time it builds a model, by reading the entry points of every
# installed distribution (importlib.metadata): about 20 ms of a one-file `fazhan audit`, and fazhan
# uses no pydantic plugin. Set before the command modules define their models. Someone who wants
# pydantic's plugins sets PYDANTIC_DISABLE_PLUGINS (empty, or the plugins not wanted): a value already
# set is left as it is.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from api import cli_help  # noqa: E402 (after the line above, on purpose)


def __getattr__(name: str):
    """`api.cli.app` (and the commands) as before: the typer app is imported when first asked for."""
    if name.startswith("__"):
        raise AttributeError(name)
    from api import cli_app

    try:
        return getattr(cli_app, name)
    except AttributeError:
        raise AttributeError(f"module 'api.cli' has no attribute '{name}'") from None


def main() -> None:
    from api.cli_audit import plain_file_audit

    plain = plain_file_audit(sys.argv[1:], os.environ)
    if plain is not None:
        from api.cli_audit import run_plain

        raise SystemExit(run_plain(plain))
    run_typer()


def run_typer() -> None:
    """The command line parsed and run by typer (every command; tests compare it with the plain audit)."""
    cli_help.install()  # help screens and usage errors without rich.markdown and rich.traceback
    from api.cli_app import app
    from api.output import print_error
    from workflow.errors import FazhanError

    try:
        app()
    except FazhanError as exc:
        print_error(exc)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
