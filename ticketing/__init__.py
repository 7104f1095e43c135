"""Rules and wire shapes shared by the sync server and the desktop client.

Nothing here imports Qt, an HTTP library or a database driver: both sides import this package
so that a status, a transition or a visibility rule is written exactly once.
"""
