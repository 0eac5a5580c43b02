"""Statistics: confidence intervals over replications and streaming percentile histograms."""
from __future__ import annotations

import numpy as np

__all__ = ["t_half_width", "LogHistogram"]


def t_half_width(std, n, level: float = 0.95):
    """Half-width of the ``level`` t-interval of a mean of ``n`` values with sample sd ``std``.

    Works on scalars and arrays; NaN where ``n < 2``.
    """
    from scipy import stats  # imported here: scipy.stats costs ~1 s at `import lambdasim`

    n = np.asarray(n, dtype=float)
    t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    return np.where(n >= 2, t * np.asarray(std, dtype=float) / np.sqrt(np.maximum(n, 1)), np.nan)


class LogHistogram:
    """Latency histogram with log-spaced bins for streaming percentiles.

    Bins are 0.06 % wide: fine enough that the spread of a percentile over
    replications (about 0.1 % at a million invocations) is not hidden by them.

    Quantiles follow the inverted-CDF definition (the smallest observed value
    whose rank reaches q·n), as the exact path does, to within half a bin.
    """

    # HI above the longest horizon (1e9 s), so any latency a run can have falls in a bin; the edges
    # below 1e6 s are the same numbers as with the former HI of 1e6 s.
    LO, HI, PER_DECADE = 1e-6, 1e10, 4000

    def __init__(self):
        self.edges = np.logspace(np.log10(self.LO), np.log10(self.HI), 16 * self.PER_DECADE + 1)
        self.counts = np.zeros(len(self.edges) + 1, dtype=np.int64)

    def add(self, x: np.ndarray) -> None:
        self.counts += np.bincount(np.searchsorted(self.edges, x), minlength=len(self.counts))

    def quantile(self, q: float) -> float:
        total = self.counts.sum()
        if total == 0:
            return float("nan")
        k = int(np.searchsorted(np.cumsum(self.counts), q * total, side="left"))
        k = min(max(k, 1), len(self.edges) - 1)
        return float(np.sqrt(self.edges[k - 1] * self.edges[k]))  # geometric bin middle
