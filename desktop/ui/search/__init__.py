"""The one search box (Ctrl+K): tickets, comments and articles of the cache, ranked, opened where
they matched."""
