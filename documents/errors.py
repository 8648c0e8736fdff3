"""Errors of the documents room: each has a stable code and a Chinese message for people.

They subclass FazhanError so the CLI and the API answer them like any other expected failure:
code and message, never a traceback, and nothing half-written on disk. The status and page heading
of each code are in the one error table, api/error_table.py (keyed by code: a new class here needs
its row there, tests/api/test_error_table.py checks it).
"""
from __future__ import annotations

from workflow.errors import FazhanError


def _rebuild(cls, message, code, file, path, field, details):
    return cls(message, code=code, file=file, path=path, field=field, details=details)


class DocumentError(FazhanError):
    code = "DOCUMENT_ERROR"

    def __reduce__(self):
        """Keeps code, file, path and details when the error crosses from a worker process."""
        return (_rebuild, (type(self), self.message, self.code, self.file, self.path, self.field, self.details))


class FormUnknown(DocumentError):
    """A form id that is not in the rule set's form list."""

    code = "FORM_UNKNOWN"


class FormNotApplicable(DocumentError):
    """An overlay-only form asked for a dossier whose rule set does not require it."""

    code = "FORM_NOT_APPLICABLE"


class TemplateVariableMissing(DocumentError):
    """A template asked for a value the context does not carry (a bug in a template or the context)."""

    code = "TEMPLATE_VARIABLE_MISSING"


class TemplateMissing(DocumentError):
    code = "TEMPLATE_MISSING"


class GlyphMissing(DocumentError):
    """WeasyPrint drew .notdef for some character: the printed form would show a blank box."""

    code = "GLYPH_MISSING"


class RenderFailed(DocumentError):
    code = "RENDER_FAILED"


class OutputUnwritable(DocumentError):
    """The output directory cannot be created or written to."""

    code = "OUTPUT_UNWRITABLE"


class MaterialFileMissing(DocumentError):
    """A material names a file that is not where the dossier says it is."""

    code = "MATERIAL_FILE_MISSING"


class MaterialAltered(DocumentError):
    """A material file whose SHA-256 differs from the one the dossier recorded."""

    code = "MATERIAL_ALTERED"


class ArchiveIncomplete(DocumentError):
    """The final archive (s25) refused: `details` lists every missing required material."""

    code = "ARCHIVE_INCOMPLETE"


class BundleUnreadable(DocumentError):
    """The file is not a readable zip holding a BagIt bag."""

    code = "BUNDLE_UNREADABLE"


class BundleAltered(DocumentError):
    """A bundle failed verification; `details` names every missing, altered or unexpected file."""

    code = "BUNDLE_ALTERED"
