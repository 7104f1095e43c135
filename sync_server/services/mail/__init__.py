"""Email: who is told about what, the outbox, the SMTP sender, templates and the test mail."""
