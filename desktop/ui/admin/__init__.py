"""The admin console: users, categories and priorities, settings, audit log, and their dialogs."""
