"""Hybrid: a server fleet serves what it can and Lambda the overflow (a composite of the server and Lambda models, not a sibling platform)."""
