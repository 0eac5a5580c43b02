"""Replicated runs with common random numbers, and their confidence intervals.

A :class:`Runner` runs a scenario on a platform once per replication seed
(``scenario.seed + r`` for r in 0..R-1), so the Lambda and the EC2 runs of
replication r see the same arrivals and drawn work. Runs are memoised by
(scenario, platform, seed), so a comparison, a sizing search and a
break-even search that meet the same configuration run it once; a fixed
EC2 fleet sized to load and the same fleet with its size written out are
one configuration (:func:`run_key`). Besides its headline metrics, a server run
keeps its fleet's instance lives (:class:`FleetTrace`), so a plot of the
instances over time needs no second run with full records.

:meth:`Runner.prefetch` runs the missing runs of several rows at once on
worker processes (``workers``; ``"auto"``: one per core left free by the
machine's load when the first batch starts, so a busy machine runs them
here, one after another), the longest (server platforms) first. Every run
is seeded by its identity alone, so the numbers are the same on any number
of workers.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, TYPE_CHECKING

import numpy as np

from lambdasim.ec2.model import initial_instances
from lambdasim.stats import t_half_width
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
from lambdasim.timeseries import bin_edges, occupancy, window_lives

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Runner", "FleetTrace", "ci95", "headline", "run_key", "free_cores", "busy_cores_now"]

#: Platforms whose runs keep their instance lives (a server fleet's ``instances``: launched_s, retired_s).
FLEET_PLATFORMS = ("ec2", "fargate", "lmi")

#: The metrics a comparison reports for both platforms (see :func:`headline`).
METRICS = ["completed", "dropped", "latency_mean_s", "latency_p50_s", "latency_p95_s", "latency_p99_s",
           "queue_wait_mean_s", "cold_start_rate", "mean_instances", "utilization", "cpu_utilization",
           "queue_at_end", "cost_usd", "cost_per_million_usd"]


def headline(summary: dict[str, Any], platform: str) -> dict[str, float]:
    """The comparison metrics of one run's summary, defined alike on both platforms.

    Besides :data:`METRICS`, ``cold_starts`` and ``started`` (the counts behind the cold-start rate).
    Lambda's ``dropped`` is throttled + failed calls; its ``utilization`` is
    busy / live execution environments; it has no queue (wait 0). EC2 has
    no per-request cold start (rate 0).
    """
    s = dict(summary)
    if platform == "lambda":
        s["dropped"] = s.get("throttled", 0) + s.get("failed", 0)
        s["utilization"] = s["mean_busy_instances"] / s["mean_instances"] if s["mean_instances"] else math.nan
        s["queue_wait_mean_s"] = 0.0
        s["cpu_utilization"] = math.nan  # Lambda's CPU is the memory's share, never shared
        s["queue_at_end"] = 0.0
    elif platform == "hybrid":  # a base fleet runs full by design: the overflow, not a queue, takes the excess
        s["utilization"] = s["cpu_utilization"] = math.nan
    else:
        s["cold_start_rate"] = 0.0
        s.setdefault("cpu_utilization", math.nan)  # server platforms that do not share vCPUs (Fargate, LMI)
        s.setdefault("queue_at_end", 0.0)
    out = {k: float(s[k]) for k in METRICS}
    # the counts behind the cold-start rate, for a Wilson interval on the pooled counts (compare.py)
    out["cold_starts"] = float(s.get("cold_starts", 0))
    out["started"] = float(s["invocations"] - s.get("throttled", 0)) if platform == "lambda" else float(s["invocations"])
    return out


def _hybrid(sc: Scenario, seed: int) -> dict[str, Any]:
    """The summary of the scenario's hybrid (``hybrid.base_instances`` of ``hybrid.base`` + Lambda) at ``seed``."""
    from lambdasim.billing.catalogue import load_catalogue
    from lambdasim.hybrid.model import run_hybrid

    h = sc.hybrid
    if h.base_instances is None:
        raise ValueError("hybrid.base_instances must be set to run a hybrid (compare and optimize choose one).")
    s = sc.with_overrides({"seed": seed})
    return run_hybrid(s, load_catalogue(s.pricing), h.base_instances, h.routing, h.queue_limit, base=h.base).summary


def ci95(values) -> tuple[float, float]:
    """Mean and half-width of the 95 % t-interval (half-width nan for fewer than 2 values)."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan
    if len(x) < 2:
        return float(x[0]), math.nan
    sd = x.std(ddof=1) if np.ptp(x) > 0 else 0.0  # identical values: exactly 0, not float noise
    return float(x.mean()), float(t_half_width(sd, len(x)))


def run_key(sc: Scenario, platform: str, seed: int) -> tuple[str, str, int]:
    """The identity of a run: the scenario without its seed, the platform and the seed.

    A fixed EC2 fleet without ``instances`` runs as the fleet of :func:`initial_instances` (the EC2
    model launches that many and no autoscaler acts), so it gets the key of that size written out:
    the configured row and an SLO sizing that lands on the same size share their runs.
    """
    p = sc.ec2.scaling if platform == "ec2" else None
    if p is not None and p.policy == "fixed" and p.instances is None and not p.schedule:
        sc = sc.with_overrides({"ec2.scaling.instances": initial_instances(sc)})
    return sc.model_dump_json(exclude={"seed"}), platform, seed


class FleetTrace:
    """The instances over time of one server run, kept from its summary-mode run (no records needed).

    What a plot of the fleet reads from a result (:func:`lambdasim.viz.comparison.plot_fleets`):
    ``platform``, ``scenario``, ``seed`` and :meth:`timeseries`, whose ``instances`` column is the
    result's own (the same lives, the same :func:`~lambdasim.timeseries.occupancy`).
    """

    def __init__(self, scenario: Scenario, platform: str, seed: int, launched_s: np.ndarray, retired_s: np.ndarray):
        self.scenario, self.platform, self.seed = scenario, platform, seed
        self.launched_s, self.retired_s = launched_s, retired_s  # retired NaN: live at the end

    def __repr__(self) -> str:
        return f"<FleetTrace {self.platform} {self.scenario.name!r} seed {self.seed}: {len(self.launched_s)} instances>"

    def timeseries(self, step_s: float) -> pd.DataFrame:
        """Per step of ``step_s`` seconds: ``t_s`` and the mean number of live ``instances``."""
        import pandas as pd
        edges = bin_edges(self.scenario.horizon_s, step_s)
        launched, _, retired = window_lives(self.launched_s, self.launched_s, self.retired_s, 0.0,
                                            self.scenario.horizon_s)
        return pd.DataFrame({"t_s": edges[:-1], "instances": occupancy(launched, retired, edges)})


def _one(sc: Scenario, platform: str, seed: int) -> tuple[dict[str, float], tuple | None, float]:
    """A run's headline metrics, its fleet's lives (server platforms) and the CPU seconds it took."""
    t = time.process_time()
    if platform == "hybrid":
        return headline(_hybrid(sc, seed), platform), None, time.process_time() - t
    r = simulate(sc, platform, seed=seed, records="summary")
    lives = None
    if platform in FLEET_PLATFORMS:
        ins = r.instances
        lives = (ins["launched_s"].to_numpy(dtype=float), ins["retired_s"].to_numpy(dtype=float))
    return headline(r.summary, platform), lives, time.process_time() - t


def _one_packed(args: tuple[Scenario, str, int]) -> tuple[dict[str, float], tuple | None, float]:
    return _one(*args)


def _with_records(sc: Scenario, platform: str) -> tuple[Any, float]:
    """A run of the scenario's own seed with full records (the whole result, for plots) and its CPU seconds."""
    t = time.process_time()
    return simulate(sc, platform), time.process_time() - t


def _expected_work(sc: Scenario, platform: str) -> float:
    """A rough relative cost of a run, to start the longest first: server runs take about 4x Lambda's."""
    return (4.0 if platform in FLEET_PLATFORMS or platform == "hybrid" else 1.0) * sc.horizon_s


def busy_cores_now(interval_s: float = 0.25) -> float | None:
    """Cores' worth of CPU time the whole machine spent busy over the next ``interval_s`` (``/proc/stat``, sampled
    twice), or None where there is no ``/proc/stat``."""
    def sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        if len(fields) < 5:
            return None
        return sum(fields[:8]), fields[3] + fields[4]  # total (without guest time, counted in user) and idle + iowait

    a = sample()
    if a is None:
        return None
    time.sleep(interval_s)
    b = sample()
    if b is None or b[0] <= a[0]:
        return None
    busy = 1.0 - (b[1] - a[1]) / (b[0] - a[0])
    return max(0.0, busy) * (os.cpu_count() or 1)


def free_cores(busy_now=busy_cores_now) -> int:
    """Cores not busy with other work: the usable cores minus the cores busy right now, rounded (``/proc/stat``
    sampled over a quarter second), at least 1. Where that cannot be read, the whole cores' worth of the 1-minute
    load average counts instead; it lags: right after a finished two-core job (``make run``, a test run) it still
    reads 1-2 with nothing running, so the sample comes first."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = busy_now()
    if busy is not None:
        return max(1, min(cores, cores - round(busy)))
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this system: assume a quiet machine
        load = 0.0
    return max(1, min(cores, cores - math.floor(load)))


class _Family:
    """What one :class:`Runner` and its siblings share: worker processes (made on first use), run counts."""

    def __init__(self):
        self.runs, self.cpu_s, self.worker_cpu_s = 0, 0.0, 0.0
        self.executor: ProcessPoolExecutor | None = None
        self.auto: int | None = None  # "auto" workers, decided once (later the load counts our own workers)

    def workers(self, asked: int | str) -> int:
        if asked != "auto":
            return int(asked)
        if self.auto is None:
            self.auto = free_cores()
        return self.auto

    def get(self, workers: int) -> ProcessPoolExecutor:
        if self.executor is None:
            # forkserver, as the sweeps' pool: workers fork from a clean process that imported lambdasim
            # (and pandas, which a run's bill needs) once; the workers live until close()
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["lambdasim.comparison.replication", "pandas"])
            self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


class Runner:
    """Runs scenarios ``replications`` times each (records="summary"), remembering every run.

    ``workers``: processes for :meth:`prefetch` (1: everything runs here, in order; ``"auto"``:
    :func:`free_cores`, decided at the first prefetch of the runner and its siblings, before their own
    workers load the machine). A runner with workers keeps its processes until :meth:`close`
    (``with Runner(...) as runner:`` closes it). ``tick`` (optional) is called after every simulation
    actually run (not memoised), here or on a worker: a progress bar's ``update``. ``runs`` counts
    the simulations actually run by the runner and its siblings, ``cpu_s`` their CPU seconds.
    """

    def __init__(self, replications: int = 3, cache: dict | None = None, workers: int | str = 1,
                 tick: Callable[[], Any] | None = None):
        if not (isinstance(replications, int) and replications >= 1):
            raise ValueError(f"replications must be an int >= 1. Got {replications!r} instead.")
        if workers != "auto" and not (isinstance(workers, int) and workers >= 1):
            raise ValueError(f"workers must be an int >= 1 or 'auto'. Got {workers!r} instead.")
        self.replications = replications
        self.cache: dict = {} if cache is None else cache
        self.lives: dict = {}  # run key -> (launched_s, retired_s) of a server run's fleet
        self.workers = workers
        self.tick = tick
        self._family = _Family()

    @property
    def runs(self) -> int:
        """Simulations actually run (not memoised) by this runner and its siblings."""
        return self._family.runs

    @property
    def cpu_s(self) -> float:
        """Their CPU seconds, here or on workers."""
        return self._family.cpu_s

    @property
    def worker_cpu_s(self) -> float:
        """The CPU seconds of the runs made on worker processes (which the main process's own CPU time omits)."""
        return self._family.worker_cpu_s

    def sibling(self, replications: int) -> Runner:
        """A runner of ``replications`` that shares this one's memo and worker processes."""
        other = Runner(replications, cache=self.cache, workers=self.workers, tick=self.tick)
        other._family, other.lives = self._family, self.lives
        return other

    def close(self) -> None:
        """Stop the worker processes (if any were started)."""
        self._family.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def seeds(self, sc: Scenario) -> list[int]:
        return [sc.seed + r for r in range(self.replications)]

    def run(self, sc: Scenario, platform: str, seed: int) -> dict[str, float]:
        """The headline metrics of one run."""
        key = run_key(sc, platform, seed)
        if key not in self.cache:
            self._keep(key, _one(sc, platform, seed))
        return self.cache[key]

    def _keep(self, key: tuple, out: tuple[dict[str, float], tuple | None, float], on_worker: bool = False) -> None:
        self.cache[key], lives, cpu_s = out
        if lives is not None:
            self.lives[key] = lives
        self._family.runs += 1
        self._family.cpu_s += cpu_s
        self._family.worker_cpu_s += cpu_s if on_worker else 0.0
        if self.tick is not None:
            self.tick()

    def fleet(self, sc: Scenario, platform: str, seed: int | None = None) -> FleetTrace:
        """The instances over time of a server run (seed: the scenario's own), run in summary mode if not yet run."""
        seed = sc.seed if seed is None else seed
        key = run_key(sc, platform, seed)
        if key not in self.lives:  # not run yet, or its memo came from elsewhere (a shared cache)
            self._keep(key, _one(sc, platform, seed))
        return FleetTrace(sc, platform, seed, *self.lives[key])

    def submit(self, sc: Scenario, platform: str) -> Callable[[], Any] | None:
        """Start a run of ``sc`` (its own seed) with full records on a worker, ahead of the batches to come.

        Returns a call that waits for the whole result (for plots), or None with fewer than two workers
        (run it when needed). Not memoised, not counted in :attr:`runs` (its CPU is in :attr:`worker_cpu_s`).
        """
        workers = self._family.workers(self.workers)
        if workers < 2:
            return None
        future = self._family.get(workers).submit(_with_records, sc, platform)

        def wait():
            result, cpu_s = future.result()
            self._family.worker_cpu_s += cpu_s
            return result
        return wait

    def prefetch(self, rows: Iterable[tuple[Scenario, str] | tuple[Scenario, str, int]]) -> int:
        """Run the missing replications of these rows on worker processes, the longest first.

        A row is (scenario, platform), run at this runner's replications, or (scenario, platform,
        replications), so rows of sibling runners share one batch. Does nothing with fewer than two
        workers or two missing runs (:meth:`run` then runs them when asked). Returns how many runs
        were made here.
        """
        todo: dict[tuple, tuple[Scenario, str, int]] = {}
        for sc, platform, *reps in rows:
            for r in range(reps[0] if reps else self.replications):
                key = run_key(sc, platform, sc.seed + r)
                if key not in self.cache:
                    todo.setdefault(key, (sc, platform, sc.seed + r))
        workers = self._family.workers(self.workers)
        if min(len(todo), workers) < 2:
            return 0
        pool = self._family.get(workers)
        order = sorted(todo, key=lambda k: -_expected_work(todo[k][0], todo[k][1]))  # stable: ties keep their order
        for key, out in zip(order, pool.map(_one_packed, [todo[k] for k in order])):
            self._keep(key, out, on_worker=True)
        return len(todo)

    def summaries(self, sc: Scenario, platform: str) -> list[dict[str, float]]:
        return [self.run(sc, platform, s) for s in self.seeds(sc)]

    def mean(self, sc: Scenario, platform: str) -> dict[str, float]:
        """Each metric's mean over the replications."""
        rows = self.summaries(sc, platform)
        return {k: float(np.mean([r[k] for r in rows])) for k in METRICS}
