"""What the benchmark scripts share: timing, the scheme under test, cases, process scaling.

Imported by the scripts in this directory (``python benchmarks/bench_*.py`` puts it on the
path); not part of any distribution.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections.abc import Callable

from medins_sdk import synthetic
from medins_sdk.models import Encounter
from medins_sdk.plugins import get_plugin_manager
from medins_sdk.schemes import Grouper, PaymentScheme, Pricer

Worker = Callable[[tuple[int, int, int, threading.Barrier]], float]
"""A scaling worker: (cases, seed, repeat, barrier) → seconds its timed loop took."""


def best_time(run: Callable[[], None], repeat: int) -> float:
    """Seconds of the best of ``repeat`` runs (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def best_rate(run: Callable[[], None], count: int, repeat: int) -> float:
    """Cases per second of the best of ``repeat`` runs over ``count`` cases."""
    return count / best_time(run, repeat)


def scheme_parts(name: str) -> tuple[PaymentScheme, Grouper, Pricer]:
    """The installed scheme ``name`` with its grouper and pricer (it must group)."""
    registry = get_plugin_manager().registry
    scheme = registry.scheme(name)
    grouper = registry.grouper_for(scheme)
    assert grouper is not None, f"{name} does not group"
    return scheme, grouper, registry.pricer_for(scheme)


def realistic(count: int, seed: int) -> list[Encounter]:
    """Inpatient encounters of 10 diagnoses and 5 procedures, as the issues specify."""
    rng = random.Random(seed)
    return [
        synthetic.encounter(rng, index=i, lines=1, diagnoses=10, operations=5) for i in range(count)
    ]


def scaling(worker: Worker, count: int, processes: int, repeat: int) -> float:
    """Wall-clock cases/s of ``processes`` workers, each timing ``count`` cases of its own
    (generated before a shared barrier, so only the timed loops overlap)."""
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(processes)
        with multiprocessing.Pool(processes) as pool:
            times = pool.map(worker, [(count, seed, repeat, barrier) for seed in range(processes)])
    return processes * count * repeat / max(times)
