"""Statistics: confidence intervals over replications and streaming percentile histograms.

Intervals respect each metric's range (one home for every table and sweep):

- :func:`wilson`: a proportion (cold-start, throttle, error rate) from pooled
  counts: the Wilson score interval, always inside [0, 1];
- :func:`mean_interval`: the mean of replication values of a latency, cost or
  count: a bootstrap percentile interval of the mean (2,000 resamples from a
  fixed seed: the same values give the same interval), which lies between the
  smallest and the largest value, so never below 0 (nor above 1 for rates).
  With fewer than :data:`MIN_REPLICATIONS` values there is no interval: show
  the values themselves.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["t_half_width", "LogHistogram", "wilson", "mean_interval", "MIN_REPLICATIONS"]

#: Fewest replications for which an interval is given (below: show the values).
MIN_REPLICATIONS = 3


def wilson(successes: float, trials: float, level: float = 0.95) -> tuple[float, float, float]:
    """Proportion and its Wilson score interval ``(p, lo, hi)``, inside [0, 1] (nan without trials)."""
    from scipy import stats

    if not trials > 0:
        return math.nan, math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / trials
    d = 1 + z * z / trials
    mid = (p + z * z / (2 * trials)) / d
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / d
    return p, min(p, max(0.0, mid - half)), max(p, min(1.0, mid + half))  # rounding never excludes p


def mean_interval(values, level: float = 0.95, resamples: int = 2000) -> tuple[float, float, float]:
    """Mean of the finite values and a bootstrap percentile interval ``(mean, lo, hi)`` of it.

    ``lo`` and ``hi`` are nan with fewer than :data:`MIN_REPLICATIONS` values; otherwise
    ``min(values) <= lo <= mean <= hi <= max(values)`` (up to rounding), so the interval never
    leaves the values' own range.
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < MIN_REPLICATIONS:
        return m, math.nan, math.nan
    if np.ptp(x) == 0:
        return m, m, m
    rng = np.random.default_rng(0)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return m, float(min(max(lo, x.min()), m)), float(max(min(hi, x.max()), m))


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
        self._padded = np.concatenate(([-np.inf], self.edges, [np.inf]))  # bin k holds (padded[k], padded[k + 1]]

    def bins(self, x: np.ndarray) -> np.ndarray:
        """``np.searchsorted(self.edges, x)``, the same index for every value (NaN, 0 and the edges included):
        each bin is guessed from the logarithm, checked against its edges, and any value whose guess fails the
        check is looked up by ``searchsorted``. Three to four times faster on a million latencies."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.ceil((np.log10(x) - np.log10(self.LO)) * self.PER_DECADE)
        k = np.clip(np.nan_to_num(g, nan=0.0), 0, len(self.edges)).astype(np.int64)
        p = self._padded
        bad = ~((p[k] < x) & (x <= p[k + 1]))
        if bad.any():
            k[bad] = np.searchsorted(self.edges, x[bad])
        return k

    def add(self, x: np.ndarray) -> None:
        self.counts += np.bincount(self.bins(x), minlength=len(self.counts))

    def quantile(self, q: float) -> float:
        total = self.counts.sum()
        if total == 0:
            return float("nan")
        k = int(np.searchsorted(np.cumsum(self.counts), q * total, side="left"))
        k = min(max(k, 1), len(self.edges) - 1)
        return float(np.sqrt(self.edges[k - 1] * self.edges[k]))  # geometric bin middle
