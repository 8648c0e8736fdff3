"""Storage: tables, the append-only hash-chained event log, keys, the ledger and scope, and the use cases
not yet moved up to workflow/service_layer (accounts, admin, roster, cultivation, pairing…). Only the two
modules tests/test_layers.py names import a use case from there; the unit of work is workflow/adapters/sql.py.

The event log is the truth; a dossier's `dossier/1` snapshot is a projection kept beside it for
fast reads and re-derived from the events by `verify`.
"""
