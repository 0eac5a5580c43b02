"""Explicit random streams, one per stochastic input, from the scenario seed.

Each stream is identified by (seed, input name, index), e.g. the duration
draws of function 2. Identity, not creation order, fixes a stream, so adding
an input or a function never shifts another's numbers, and a run gives the
same result wherever and in whatever order it executes.
"""
from __future__ import annotations

import numpy as np

__all__ = ["stream", "Streams", "INPUTS"]

#: The stochastic inputs of a run; append new ones at the end, never reorder.
INPUTS = ("arrivals", "duration", "init", "selection", "errors", "retries", "ec2", "application", "keep_alive",
          "fargate", "wait")


def stream(seed: int, name: str, index: int = 0) -> np.random.Generator:
    """The generator for input ``name`` of item ``index`` (a function, usually)."""
    if name not in INPUTS:
        raise ValueError(f"Unknown random input {name!r}; known: {', '.join(INPUTS)}")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(INPUTS.index(name), index)))


class Streams:
    """The streams of input ``name`` for items 0, 1, ..., each made on first use.

    A stream's numbers depend only on (seed, name, index), so making it
    later (or never, when an item draws nothing) changes no number.
    """

    def __init__(self, seed: int, name: str):
        stream(seed, name)  # an unknown input fails here, at once
        self.seed, self.name = seed, name
        self._made: dict[int, np.random.Generator] = {}

    def __getitem__(self, index: int) -> np.random.Generator:
        g = self._made.get(index)
        if g is None:
            g = self._made[index] = stream(self.seed, self.name, index)
        return g
