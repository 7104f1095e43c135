"""The frame every account's window shares: login, main window, status bar, sync problems, and
the objects that carry the session to each window."""
