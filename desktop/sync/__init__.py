"""The sync engine: outbox up, changes down, off the UI thread, with no Qt.

:class:`desktop.sync.engine.SyncEngine` is the entry point; the UI drives it through callbacks
(re-emitted as Qt signals by the UI layer).
"""
