"""Forms and archive bundles: Jinja2 templates rendered with WeasyPrint, and the BagIt packer.

Reads dossiers through `workflow`, the procedure through `checklists`; writes files; knows
nothing of HTTP or terminals (those live in `api`).
"""
from documents.bundle import BundleResult, VerifyReport, build_bundle, bundle_bytes, check_bundle, verify_bundle
from documents.completeness import MissingMaterial, check_archivable, missing_required_materials
from documents.forms import RenderedForm, applicable_forms, render_form, render_forms

__all__ = ["BundleResult", "MissingMaterial", "RenderedForm", "VerifyReport", "applicable_forms", "build_bundle",
           "bundle_bytes", "check_archivable", "check_bundle", "missing_required_materials", "render_form",
           "render_forms", "verify_bundle"]
