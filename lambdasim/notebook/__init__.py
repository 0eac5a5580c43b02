"""The notebooks' logic and ipywidgets panels (thin notebooks import these)."""
