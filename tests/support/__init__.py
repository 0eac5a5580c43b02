"""Scenario builders shared by the tests (import as ``from support.scenarios import ...``)."""
