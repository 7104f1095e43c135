"""The desktop's HTTP clients of the sync server: the sync/auth client and the admin endpoints."""
