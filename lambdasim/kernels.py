"""Which loop runs: the Python reference or a compiled kernel (``LAMBDASIM_KERNEL``, ``pip install lambdasim[fast]``).

``LAMBDASIM_KERNEL=python`` never uses a kernel (the reference loops); ``numba`` always does where a run
qualifies (numba required); ``auto`` (the default) does when numba is installed and either that kernel
already ran in this process or the run is big enough to repay numba's start-up (about 1-1.5 s of CPU in a
fresh process). This module does not import numba: :func:`kernel` imports a kernel module only for a run
that will use it.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

from lambdasim.errors import LambdasimError

__all__ = ["kernel"]


def kernel(module: str, scenario, auto_min: float) -> ModuleType | None:
    """The kernel module ``module`` (e.g. ``"lambdasim.servers.kernel"``) for a run of ``scenario``, or None for
    the Python loop.

    Under ``auto`` a fresh process loads the kernel when the run expects ``auto_min`` arrivals or more (its
    horizon times its functions' mean rates); once loaded, every run of the process uses it."""
    want = os.environ.get("LAMBDASIM_KERNEL", "auto")
    if want not in ("auto", "numba", "python"):
        raise LambdasimError(f"LAMBDASIM_KERNEL: expected auto, numba or python, got {want!r}")
    if want == "python":
        return None
    if want == "auto" and module not in sys.modules:
        expected = scenario.horizon_s * sum(f.workload.mean_rate_per_s for f in scenario.functions)
        if expected < auto_min or importlib.util.find_spec("numba") is None:
            return None
    try:
        return importlib.import_module(module)  # imports numba: only for a run that can use it
    except ImportError as e:
        if want == "auto":
            return None
        raise LambdasimError(f"LAMBDASIM_KERNEL=numba: numba could not be imported ({e}); "
                             "pip install lambdasim[fast]") from None
