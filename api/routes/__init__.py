"""One module per resource; each route calls one use case and holds no logic of its own."""
