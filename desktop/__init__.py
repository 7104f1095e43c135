"""The Ticketdesk desktop client (PySide6): reads its local cache, syncs in the background."""
