"""The edge: the command line and HTTP. The only room that knows about terminals and requests."""
