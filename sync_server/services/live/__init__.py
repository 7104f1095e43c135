"""Live notices: the write layer's NOTIFY, each process's one LISTEN, and SSE fan-out."""
