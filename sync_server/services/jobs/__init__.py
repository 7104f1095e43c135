"""Background work one server process does for the whole cluster, under a lease."""
