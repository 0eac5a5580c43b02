"""Lambda results of the shipped scenarios do not move when the work model changes.

``lambda_fingerprints.json`` was recorded with the code and scenarios of commit cb1d16e
(before functions could state ``work``; ``default.yaml`` had no ``cpu_scaling`` then), over
the first 3,000 s of each scenario (support/lambda_fingerprint.py); recorded again when the
shipped scenarios took measured cold-start presets (`init: {preset: ...}`, issue 15) instead of
constants.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.lambda_fingerprint import lambda_fingerprint

RECORDED = json.loads((Path(__file__).parent / "lambda_fingerprints.json").read_text())


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_lambda_summary_matches_the_recorded_fingerprint(name):
    assert lambda_fingerprint(name) == RECORDED[name]
