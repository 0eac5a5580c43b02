"""Exactness: every case of ``support.fingerprint`` hashes to its stored baseline.

Speed work must not change a single number (same seed, same numbers in every
column). The baseline (``tests/fingerprint_baseline.json``) was generated from
the code before the speed work of issue 13; regenerate it only when a change
is MEANT to change numbers, and say why in the commit::

    .venv/bin/python tests/support/fingerprint.py --update
"""
from __future__ import annotations

import json

import pytest

from support.fingerprint import BASELINE, all_cases, compute

WANT = json.loads(BASELINE.read_text())
CASES = list(all_cases())


def test_baseline_covers_every_case():
    assert sorted(WANT) == sorted(f"{c}/{r}" for c in CASES for r in ("full", "summary"))


@pytest.mark.parametrize("kernel", ["python", "numba"])
@pytest.mark.parametrize("case", CASES)
def test_same_numbers_as_the_baseline(case, kernel, monkeypatch):
    """On both sync loops: the reference Python loop and the compiled kernel (``lambdasim[fast]``), which
    runs wherever a case qualifies (one sync function on a plain pool under mru) and falls back elsewhere."""
    if kernel == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv("LAMBDASIM_KERNEL", kernel)
    got = compute([case])
    for key, parts in got.items():
        diff = {p: (WANT[key].get(p), h) for p, h in parts.items() if WANT[key].get(p) != h}
        assert set(parts) == set(WANT[key]) and not diff, f"{key} changed: {sorted(diff) or 'parts differ'}"


def test_a_changed_number_changes_the_hash():
    from support.fingerprint import digest, hash_frame
    import pandas as pd

    df = pd.DataFrame({"x": [0.1, 0.2, 0.3]})
    nudged = df.copy()
    nudged.loc[1, "x"] = float.fromhex((0.2).hex()) + 2**-55  # the last bit of one value
    assert nudged.loc[1, "x"] != 0.2
    assert digest(hash_frame, df) != digest(hash_frame, nudged)
