"""The end user's window: their own tickets and the conversation with support."""
