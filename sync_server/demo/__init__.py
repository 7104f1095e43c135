"""Demo data for ``make run`` and the screenshots: accounts, categories, tickets and files."""
