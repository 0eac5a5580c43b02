"""Event-driven applications: function graphs, their runtime, lineage and results."""
