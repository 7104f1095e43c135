"""The agents' queue: console, table, filters, bulk actions, key numbers and menu lists."""
