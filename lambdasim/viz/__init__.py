"""Figures (matplotlib): every plot the notebooks, CLI and report draw."""
