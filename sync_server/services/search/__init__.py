"""Full-text search over tickets, comments and articles (``GET /api/search``)."""
