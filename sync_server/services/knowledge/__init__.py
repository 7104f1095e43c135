"""The knowledge base: articles written by support staff, read by everyone once published."""
