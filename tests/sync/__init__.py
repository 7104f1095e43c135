"""Tests of sync end to end: real clients against a real server process."""
