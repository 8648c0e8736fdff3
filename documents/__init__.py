"""Forms and archive bundles rendered from dossiers; knows nothing of HTTP."""
