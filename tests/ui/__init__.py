"""Tests of the windows with real widgets (pytest-qt), against a live server where they sync."""
