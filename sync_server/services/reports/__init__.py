"""The reports: figures over tickets computed in SQL on PostgreSQL, one module per report."""
