"""Scenario sweeps: the expander, executors, the results store and summaries."""
