"""Windows, dialogs, widgets and controllers: they read the cache and queue commands, no SQL."""
