"""Per-step series: counts of sorted times equal numpy's histogram exactly (edges, ties, the closed last bin)."""
import numpy as np
import pytest

from lambdasim.timeseries import bin_edges, counts


@pytest.mark.parametrize("seed", range(5))
def test_counts_of_sorted_times_are_histograms(seed):
    rng = np.random.default_rng(seed)
    edges = bin_edges(100.0, [7.0, 10.0, 33.3, 100.0, 250.0][seed])
    t = np.concatenate([rng.uniform(-5, 105, 500), edges, edges, [100.0, 100.0, 0.0]])  # ties on every edge
    t.sort()
    got = counts(t, edges)
    assert got.dtype == np.int64 and np.array_equal(got, np.histogram(t, bins=edges)[0])
    assert np.array_equal(counts(t[::-1], edges), got)  # unsorted: numpy's histogram itself
    with_nan = np.append(t, np.nan)
    assert np.array_equal(counts(with_nan, edges), np.histogram(with_nan, bins=edges)[0])
    assert np.array_equal(counts(np.empty(0), edges), np.zeros(len(edges) - 1, dtype=np.int64))
