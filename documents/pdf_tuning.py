"""Costs WeasyPrint 70 pays again and again when it writes a PDF (three) and lays a document out (two),
paid once or not at all here; the PDF is the same, byte for byte.

Why: a form alone (the API's one-form route) spent about half of its CPU in these three places.

- The whole font file, copied for every document. Each document's `Font` copies its face's whole
  blob into Python bytes (`file_content`, 26 MB for a Noto CJK .ttc), only to replace it with the
  subset a moment later. `face_bytes` keeps that copy per face of the process (the few faces the
  forms use; Pango keeps the faces themselves alive anyway), so a document no longer copies 50 MB.
- Font subsetting. WeasyPrint subsets each face in two HarfBuzz passes: the first keeps the used
  glyphs at their ids (RETAIN_GIDS), the second keeps glyphs 0..highest used id of the first
  pass's result and drops hinting. With RETAIN_GIDS HarfBuzz already ends the font at the highest
  kept id, so unless its closure kept a glyph above the highest used one, a single pass with the
  second pass's no-hinting flag gives the same font program, byte for byte, at about 40 % of the
  cost (the second pass walks tens of thousands of empty CJK glyphs). `single_pass_subset`
  replaces `Font._harfbuzz_subset` and runs the second pass only in that case; if HarfBuzz
  refuses, WeasyPrint's own two passes run instead.
- Stream compression. pydyf builds (and deflates at level 9) every stream when it writes the file,
  then builds them all again to hash them into the PDF/A file identifier: the ~1 MB CJK font
  programs are deflated twice. `keep_stream_bytes` is a `write_pdf(finisher=...)`, WeasyPrint's
  public hook right before the file is written: it makes each stream keep its bytes once built.

Two more are in the layout, with the same pages out:

- A reference cycle per document. WeasyPrint's LayoutContext keeps `partial(get_image_from_uri,
  context=self)`: a cycle through which the context held every computed style, the cascade and the
  page-making state of its document, so that about 160,000 objects per bundle (two thirds of what
  a bundle leaves) waited for the cyclic garbage collector, which walks each of them before freeing
  it. `_context_class` holds the context weakly there instead; the document is then freed by
  reference counting as soon as it is dropped (documents.collector still collects what cycles
  remain).
- Pseudo-element styles nothing uses. WeasyPrint 70's user-agent stylesheet has five rules for the
  footnote and note pseudo-elements (`::footnote-call`, `::footnote-marker`, `::note-call`,
  `::note-marker`, `::note-callback`) with no element selector: they match every element, so
  every element of every form got five computed styles more, built and never read (about 5 % of a
  bundle's CPU). They only dress an element floated as a footnote or placed as a note, which the
  forms never do (WeasyPrint would fail on such an element without them). `html_class` is
  `weasyprint.HTML` with that stylesheet less those five rules (the ::marker rule stays: a list
  item needs it), unless the document's HTML or stylesheets mention a footnote or a note at all.

They are installed only on the WeasyPrint major version they were checked against
(`CHECKED_MAJOR`); on another one WeasyPrint runs as shipped. tests/documents/test_pdf_tuning.py
compares the whole PDFs with and without them, so an upgrade that changes any of this fails there
first (tests/documents/test_layout_speed_rules.py checks the two layout ones further).
"""
from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

CHECKED_MAJOR = "70"
FACES_KEPT = 4  # whole-face copies kept per process (regular and bold CJK in practice), oldest dropped
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT",
                   b"SVG ")  # WeasyPrint's list
_ORIGINAL: dict[str, object] = {}  # WeasyPrint's functions this module replaces, by name
_FOOTNOTE_OR_NOTE = re.compile(r"footnote|note\s*\(|note-(?:call|marker|callback|area)", re.IGNORECASE)
_UNUSED_UA_RULES = ("::footnote-call", "::footnote-marker", "::note-call", "::note-marker", "::note-callback")
_STATE = {"checked": False, "active": False, "face": None}  # face: the Pango face a Font being built asked for last
_FACES: OrderedDict[int, tuple[object, bytes]] = OrderedDict()
_COUNTS: Counter[str] = Counter()
_LOCK = threading.Lock()


def install() -> bool:
    """Puts the tuning in place (once per process); whether it is active."""
    with _LOCK:
        if not _STATE["checked"]:
            _STATE["checked"] = True
            import weasyprint
            from weasyprint.pdf import fonts
            if weasyprint.__version__.split(".")[0] != CHECKED_MAJOR or not _replaceable(fonts):
                return False
            _ORIGINAL.update(harfbuzz_subset=fonts.Font._harfbuzz_subset, hb_object_data=fonts.get_hb_object_data,
                             pango_face=fonts.get_pango_font_hb_face)
            from weasyprint import document
            if isinstance(getattr(document, "LayoutContext", None), type):
                _ORIGINAL["layout_context"] = document.LayoutContext
            _switch(fonts, on=True)
        return _STATE["active"]


def _replaceable(fonts) -> bool:
    return (getattr(fonts, "harfbuzz_subset", None) is not None and hasattr(fonts.Font, "_harfbuzz_subset")
            and callable(getattr(fonts, "get_hb_object_data", None))
            and callable(getattr(fonts, "get_pango_font_hb_face", None))
            and bool(fonts.harfbuzz.hb_version_atleast(4, 1, 0)))


def _switch(fonts, *, on: bool) -> None:
    fonts.Font._harfbuzz_subset = single_pass_subset if on else _ORIGINAL["harfbuzz_subset"]
    fonts.get_hb_object_data = face_bytes if on else _ORIGINAL["hb_object_data"]
    fonts.get_pango_font_hb_face = _pango_face if on else _ORIGINAL["pango_face"]
    if "layout_context" in _ORIGINAL:
        from weasyprint import document
        document.LayoutContext = _context_class(_ORIGINAL["layout_context"]) if on else _ORIGINAL["layout_context"]
    _STATE["active"] = on


class _WeakContextGetter:
    """`functools.partial(get_image_from_uri, context=<the layout context>)` as WeasyPrint makes it,
    holding the context by a weak reference: called the same way, and with the same `keywords`
    (WeasyPrint's inline <svg> handler reads `url_fetcher` and `context` there), the context itself
    given on each call or reading, so an SVG image keeps it for drawing later, strongly."""

    __slots__ = ("func", "_context")

    def __init__(self, func, context):
        self.func = func
        self._context = weakref.ref(context)

    def __call__(self, *args, **kwargs):
        return self.func(*args, context=self._context(), **kwargs)

    @property
    def keywords(self) -> dict:
        return {**getattr(self.func, "keywords", {}), "context": self._context()}


@functools.lru_cache(maxsize=None)
def _context_class(original: type) -> type:
    """WeasyPrint's LayoutContext, its image getter holding the context by a weak reference (see the
    module docstring and `_WeakContextGetter`)."""
    def __init__(self, style_for, get_image_from_uri, *args, **kwargs):
        original.__init__(self, style_for, get_image_from_uri, *args, **kwargs)
        self.get_image_from_uri = _WeakContextGetter(get_image_from_uri, self)

    return type(original.__name__, (original,), {"__init__": __init__, "__module__": __name__,
                                                  "__doc__": f"{original.__qualname__} without a reference cycle."})


@contextmanager
def as_shipped() -> Iterator[None]:
    """WeasyPrint without the tuning for the duration (tests compare the two outputs). Not thread-safe:
    call it where nothing else renders."""
    active = install()
    if active:
        from weasyprint.pdf import fonts
        _switch(fonts, on=False)
    try:
        yield
    finally:
        if active:
            _switch(fonts, on=True)


def html_class(*texts: str) -> type:
    """`weasyprint.HTML`, or while the tuning is active its subclass whose user-agent stylesheet lacks
    the footnote and note pseudo-element rules (see the module docstring). `texts`: the document's
    HTML and stylesheets; if any mentions a footnote or a note (`float: footnote`, `position: note()`,
    the pseudo-elements), the document gets `weasyprint.HTML` and the whole stylesheet."""
    import weasyprint
    if not install() or any(_FOOTNOTE_OR_NOTE.search(text) for text in texts):
        return weasyprint.HTML
    return _lean_html()


@functools.lru_cache(maxsize=1)
def _lean_html() -> type:
    """The subclass, its stylesheet parsed once per process; `weasyprint.HTML` itself when the shipped
    stylesheet does not hold those five rules, one a line, as checked."""
    import weasyprint
    from weasyprint import html
    from weasyprint.css.counters import CounterStyle
    lines = html.UA.splitlines(keepends=True)
    kept = [line for line in lines if not line.lstrip().startswith(tuple(f"{rule} {{" for rule in _UNUSED_UA_RULES))]
    if len(lines) - len(kept) != len(_UNUSED_UA_RULES) or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return weasyprint.HTML
    # Its own counter styles: parsing must not touch the shared UA_COUNTER_STYLE (documents copy that one).
    sheet = weasyprint.CSS(string="".join(kept), counter_style=CounterStyle())

    class LeanHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms=False):
            return [sheet, html.UA_FORM_STYLESHEET] if forms else [sheet]

    return LeanHTML


def counts() -> dict[str, int]:
    """What the tuning did in this process so far: font subsets, of which second passes, and whole-face
    copies (tests and benchmarks read these)."""
    return {name: _COUNTS[name] for name in ("subsets", "second_passes", "whole_face_copies")}


def _pango_face(pango_font):
    """`get_pango_font_hb_face`, remembering the face: `Font.__init__` asks for its whole data next."""
    face = _ORIGINAL["pango_face"](pango_font)
    _STATE["face"] = face
    return face


def face_bytes(hb_object, ot_color=None, glyph=None):
    """`get_hb_object_data`; the whole data of a Pango face (what `Font.__init__` asks for) is copied
    once per face and then shared. Safe because a face's data never changes and the kept reference
    keeps the face alive, so its address cannot be reused by another face while it is a key."""
    if ot_color is not None or hb_object is not _STATE["face"]:
        return _ORIGINAL["hb_object_data"](hb_object, ot_color, glyph)
    _STATE["face"] = None
    from weasyprint.pdf.fonts import ffi
    key = int(ffi.cast("uintptr_t", hb_object))
    with _LOCK:
        kept = _FACES.get(key)
        if kept is not None:
            _FACES.move_to_end(key)
            return kept[1]
    data = _ORIGINAL["hb_object_data"](hb_object)
    with _LOCK:
        _COUNTS["whole_face_copies"] += 1
        _FACES[key] = (hb_object, data)
        while len(_FACES) > FACES_KEPT:
            _FACES.popitem(last=False)
    return data


def single_pass_subset(font, to_unicode: dict, hinting: bool) -> None:
    """`Font._harfbuzz_subset` in one HarfBuzz pass when that gives WeasyPrint's result: used glyphs
    kept at their ids, hinting dropped unless asked for, WeasyPrint's tables dropped; the result
    replaces `font.file_content`.

    HarfBuzz's closure may keep glyphs the text does not use, above the highest used id (a
    variation-sequence glyph of the cmap, format 14): the font then ends at that glyph, and
    WeasyPrint's second pass renumbers those glyphs right after the highest used id. That second
    pass then runs here too, as WeasyPrint runs it, and the result is again the same."""
    from weasyprint.pdf import fonts
    ffi, harfbuzz, subset = fonts.ffi, fonts.harfbuzz, fonts.harfbuzz_subset
    hb_input = ffi.gc(subset.hb_subset_input_create_or_fail(), subset.hb_subset_input_destroy)
    if hb_input:
        glyphs = sorted(to_unicode)
        glyph_set = subset.hb_subset_input_glyph_set(hb_input)
        harfbuzz.hb_set_add_sorted_array(glyph_set, ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
        flags = subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        if not hinting:
            flags |= subset.HB_SUBSET_FLAGS_NO_HINTING
        if font.missing:
            flags |= subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
        subset.hb_subset_input_set_flags(hb_input, flags | subset.HB_SUBSET_FLAGS_RETAIN_GIDS)
        tags = [harfbuzz.hb_tag_from_string(name, -1) for name in _DROPPED_TABLES]
        harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_set(hb_input, subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                         ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
        face = _subset(fonts, font.hb_face, hb_input)
        _COUNTS["subsets"] += 1
        if face and harfbuzz.hb_face_get_glyph_count(face) > glyphs[-1] + 1:
            _COUNTS["second_passes"] += 1
            keep = tuple(range(glyphs[-1] + 1))  # WeasyPrint's second pass: 0 .. highest used id, renumbered
            harfbuzz.hb_set_add_sorted_array(glyph_set, ffi.new(f"hb_codepoint_t[{len(keep)}]", keep), len(keep))
            subset.hb_subset_input_set_flags(hb_input, flags)
            face = _subset(fonts, face, hb_input)
        data = _ORIGINAL["hb_object_data"](face) if face else None
        if data:
            font.file_content = data
            return
    _ORIGINAL["harfbuzz_subset"](font, to_unicode, hinting)  # WeasyPrint's own passes (and its warning if they fail)


def _subset(fonts, face, hb_input):
    result = fonts.harfbuzz_subset.hb_subset_or_fail(face, hb_input)
    return fonts.ffi.gc(result, fonts.harfbuzz.hb_face_destroy) if result else None


def keep_stream_bytes(document, pdf) -> None:
    """A `write_pdf` finisher: every stream of `pdf` builds (and deflates) its bytes once, not once to
    write and once more to hash for the file identifier."""
    if not _STATE["active"]:
        return
    import pydyf
    for item in pdf.objects:
        if isinstance(item, pydyf.Stream):
            item.__class__ = _built_once(type(item))


@functools.lru_cache(maxsize=None)
def _built_once(cls: type) -> type:
    """`cls` whose `data` is built on first use and kept (the stream is finished when the file is written)."""
    def data(self) -> bytes:
        return super(kept, self).data
    kept = type(cls.__name__, (cls,), {"data": functools.cached_property(data), "__module__": __name__,
                                        "__doc__": f"{cls.__qualname__} whose bytes are built once."})
    return kept
