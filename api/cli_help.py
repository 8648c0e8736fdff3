"""Typer's rich help and error panels without the two rich modules fazhan never uses (issue 13).

typer.rich_utils, which draws every help screen and usage error, imports rich.markdown (markdown-it,
pygments) and rich.traceback (rich.pretty, attrs) at module level: about a third of the CPU of
`fazhan --help`. They serve only `rich_markup_mode="markdown"` and typer's pretty exceptions; fazhan's
apps use the default "rich" markup and `pretty_exceptions_enable=False`. `install()` puts a finder on
`sys.meta_path` that, when typer imports rich_utils, runs typer's own module with stand-ins for those
two modules whose `Markdown(...)` and `Traceback.from_exception(...)` build the real objects when
called, then takes the stand-ins out of `sys.modules`. The screens are drawn by typer's code, byte for
byte (tests/cli/test_start.py compares them with typer's unaided import), and any later import of
either module gets the real one. If typer's rich_utils wants more of either module than the stand-ins
offer, it is imported again the ordinary way.
"""
from __future__ import annotations

import importlib.machinery
import sys
import types

TARGET = "typer.rich_utils"


class Markdown:
    """Builds rich's Markdown (imported at that moment)."""

    def __new__(cls, *args, **kwargs):
        from rich.markdown import Markdown as RichMarkdown

        return RichMarkdown(*args, **kwargs)


class Traceback:
    """Builds rich's Traceback (imported at that moment)."""

    @staticmethod
    def from_exception(*args, **kwargs):
        from rich.traceback import Traceback as RichTraceback

        return RichTraceback.from_exception(*args, **kwargs)


def _stand_ins() -> dict[str, types.ModuleType]:
    markdown, traceback = types.ModuleType("rich.markdown"), types.ModuleType("rich.traceback")
    markdown.Markdown, traceback.Traceback = Markdown, Traceback
    return {"rich.markdown": markdown, "rich.traceback": traceback}


class _Loader:
    """typer's own loader, run with the stand-ins in `sys.modules` (importlib's ABCs are not imported:
    they cost more than this saves on a small command)."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name: str):  # get_source, get_filename, … for tracebacks and inspect
        return getattr(self.real, name)

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module) -> None:
        stand_ins = {name: m for name, m in _stand_ins().items() if name not in sys.modules}
        sys.modules.update(stand_ins)
        try:
            self.real.exec_module(module)
            return
        except ImportError:
            pass  # a typer that wants more than the stand-ins offer: run it again with the real modules
        finally:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
        self.real.exec_module(module)


class _Finder:
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)  # once: rich_utils stays in sys.modules afterwards
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Makes the next import of typer.rich_utils skip rich.markdown and rich.traceback (once)."""
    if TARGET not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
