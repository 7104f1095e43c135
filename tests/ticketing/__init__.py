"""Tests of the shared rules in ``ticketing`` and of the dependency rules between packages."""
