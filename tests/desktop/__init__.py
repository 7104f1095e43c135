"""Tests of the desktop's cache, models and HTTP client, without windows."""
