"""Kept for the ~60 modules and tests that import the unit of work from here: it lives in
workflow/adapters/sql.py (issue 14: storage in `adapters/`, use cases in `service_layer/`)."""
from workflow.adapters.sql import CONFLICT_MESSAGE, DossierRepository, UnitOfWork, loads

__all__ = ["CONFLICT_MESSAGE", "DossierRepository", "UnitOfWork", "loads"]
