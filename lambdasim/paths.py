"""Where lambdasim's shipped data (price catalogues, scenarios, traces) lives."""
from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]


def data_dir() -> Path:
    """The ``data/`` folder: the repository's, or the copy packaged in a wheel."""
    here = Path(__file__).resolve().parent
    for cand in (here / "data", here.parent / "data"):
        if (cand / "pricing").is_dir():
            return cand
    raise FileNotFoundError(f"lambdasim's data folder was not found beside {here}")
