"""Storage and use cases: tables, the append-only hash-chained event log, and the service layer.

The event log is the truth; a dossier's `dossier/1` snapshot is a projection kept beside it for
fast reads and re-derived from the events by `verify`.
"""
