"""What the compiled loops share (``pip install lambdasim[fast]``: numba): the decorator and a heap of pairs.

Imported only by the kernels (:mod:`lambdasim.awslambda.kernel`, :mod:`lambdasim.servers.kernel`), which
:mod:`lambdasim.kernels` loads when a run can use one: ``import lambdasim`` does not import numba.

The heap holds ``(key, id)`` pairs in two arrays (``he`` keys, ``hg`` ids) and sifts them by the same
algorithm as :mod:`heapq`, with ties in the key broken by the id as Python compares the tuples: the same
pushes and pops leave the same layout as a Python heap of tuples, and pop the same pairs in the same order.
"""
from __future__ import annotations

import numba

__all__ = ["jit", "less", "siftdown", "push", "pop"]


def jit(fn):
    """``numba.njit``, cached on disk (in ``__pycache__`` beside the module, else the user's cache directory);
    where no directory is writable it is compiled once per process instead."""
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available": nowhere writable
        return numba.njit(nogil=True)(fn)


@jit
def less(e1, g1, e2, g2):
    """``(e1, g1) < (e2, g2)`` as Python compares the tuples."""
    return e1 < e2 or (e1 == e2 and g1 < g2)


@jit
def siftdown(he, hg, pos, e, g):
    """heapq._siftdown(heap, 0, pos) with ``(e, g)`` at ``pos``: it moves up past every parent larger than it."""
    while pos > 0:
        parent = (pos - 1) >> 1
        if not less(e, g, he[parent], hg[parent]):
            break
        he[pos] = he[parent]
        hg[pos] = hg[parent]
        pos = parent
    he[pos] = e
    hg[pos] = g


@jit
def push(he, hg, n, e, g):
    """heapq.heappush on the first ``n`` entries; returns the new size."""
    siftdown(he, hg, n, e, g)
    return n + 1


@jit
def pop(he, hg, n):
    """heapq.heappop on the first ``n`` entries (n > 0): the smallest ``(key, id)``; the size becomes n - 1."""
    n -= 1
    le, lg = he[n], hg[n]
    if n == 0:
        return le, lg
    re, rg = he[0], hg[0]
    pos = 0  # heapq._siftup(heap, 0): the smaller child moves up to a leaf, then the last item sifts down
    child = 1
    while child < n:
        right = child + 1
        if right < n and not less(he[child], hg[child], he[right], hg[right]):
            child = right
        he[pos] = he[child]
        hg[pos] = hg[child]
        pos = child
        child = 2 * pos + 1
    siftdown(he, hg, pos, le, lg)
    return re, rg
