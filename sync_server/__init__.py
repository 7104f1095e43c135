"""The Ticketdesk sync server: the one authority on permissions, numbering and workflow."""

__version__ = "0.1.0"
