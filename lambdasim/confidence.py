"""Student-t confidence intervals for a mean over replications."""
from __future__ import annotations

import numpy as np

__all__ = ["t_half_width"]


def t_half_width(std, n, level: float = 0.95):
    """Half-width of the ``level`` t-interval of a mean of ``n`` values with sample sd ``std``.

    Works on scalars and arrays; NaN where ``n < 2``.
    """
    from scipy import stats  # imported here: scipy.stats costs ~1 s at `import lambdasim`

    n = np.asarray(n, dtype=float)
    t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    return np.where(n >= 2, t * np.asarray(std, dtype=float) / np.sqrt(np.maximum(n, 1)), np.nan)
