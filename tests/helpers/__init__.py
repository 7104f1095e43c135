"""Helpers the tests share: API logins, files, limits, stores, sync runs, widgets, a fault proxy."""
