"""The help desk's core records: tickets and comments with the workflow applied, their reads,
and the catalog of categories and priorities."""
