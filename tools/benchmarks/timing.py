"""Alternating-run timer.

Timing candidates one after the other, round by round, exposes them to the
same machine load. On a shared machine the load drifts over seconds, so the
ratio of two timings taken within one round is far steadier than the ratio of
two medians taken minutes apart. The order is reversed every other round so
that neither candidate always runs first after the other's cache footprint.
"""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import torch

__all__ = ['synchronizer', 'time_alternating', 'paired_ratios', 'median']


def synchronizer(device: torch.device) -> Callable[[], None]:
    """Return a function that waits for all queued work on ``device``.

    CUDA kernels run asynchronously, so a wall-clock timer must synchronize
    before reading the clock. CPU work is synchronous and needs nothing.
    """
    if device.type == 'cuda':
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def time_alternating(
        candidates: Mapping[str, Callable[[], object]],
        rounds: int,
        warmup: int = 1,
        repeats: int = 1,
        synchronize: Optional[Callable[[], None]] = None,
        min_sample_s: float = 0.0,
) -> Dict[str, List[float]]:
    """Time each candidate once per round, alternating the order every round.

    Args:
        candidates: Name to zero-argument callable; each call is one unit of
            work (a forward pass or a training step).
        rounds: Number of rounds; every candidate gets one sample per round.
        warmup: Untimed calls of each candidate before the first round, so
            that lazy initialisation (oneDNN primitive caches, allocator
            growth, cuDNN autotuning) stays out of the samples.
        repeats: Calls per sample; the sample is their mean time.
        synchronize: Called before each clock read; see ``synchronizer``.
        min_sample_s: Raise a candidate's calls per sample above ``repeats``
            until one sample lasts about this long, judged from the last
            warm-up call. Short samples are at the mercy of a single
            scheduler preemption on a loaded machine.

    Returns:
        Name to the list of per-call seconds, one entry per round, in round
        order, so that entry ``i`` of two candidates comes from the same round.

    Raises:
        ValueError: If ``rounds`` or ``repeats`` is below 1, ``warmup`` is
            negative or ``candidates`` is empty.
    """
    if not candidates:
        raise ValueError('time_alternating needs at least one candidate, got none')
    if rounds < 1 or repeats < 1:
        raise ValueError(f'rounds and repeats must be >= 1, got rounds={rounds}, repeats={repeats}')
    if warmup < 0:
        raise ValueError(f'warmup must be >= 0, got {warmup}')
    synchronize = synchronize or (lambda: None)

    calls_per_sample = {name: repeats for name in candidates}
    for name, function in candidates.items():
        for _ in range(warmup):
            synchronize()
            start = time.perf_counter()
            function()
            synchronize()
            seconds = time.perf_counter() - start
        if warmup and min_sample_s > 0:
            calls_per_sample[name] = max(repeats, math.ceil(min_sample_s / max(seconds, 1e-9)))

    names = list(candidates)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        order = names if round_index % 2 == 0 else names[::-1]
        for name in order:
            function = candidates[name]
            synchronize()
            start = time.perf_counter()
            for _ in range(calls_per_sample[name]):
                function()
            synchronize()
            samples[name].append((time.perf_counter() - start) / calls_per_sample[name])
    return samples


def paired_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> List[float]:
    """Return the per-round ratios ``numerator[i] / denominator[i]``.

    Raises:
        ValueError: If the two sample lists differ in length, which means they
            do not come from the same rounds.
    """
    if len(numerator) != len(denominator):
        raise ValueError(
            f'paired samples must come from the same rounds, got {len(numerator)} and '
            f'{len(denominator)} samples')
    return [top / bottom for top, bottom in zip(numerator, denominator)]


def median(values: Sequence[float]) -> float:
    """Return the median of a non-empty sequence."""
    if not values:
        raise ValueError('median of an empty sequence is undefined')
    return statistics.median(values)
