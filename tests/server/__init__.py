"""Tests of the sync server: its API, services, command line and process, on a real PostgreSQL."""
