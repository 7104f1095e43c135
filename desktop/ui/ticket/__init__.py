"""One ticket: its header, controls, conversation, reply box, and the new-ticket form."""
