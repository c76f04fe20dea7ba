"""Time breakdown of an inference pass or a training step by operator category.

The report uses this to explain a missed speed target with measurements:
the share of time outside convolutions, and the MAC rate the convolutions
reach (grouped convolutions run far below dense ones on most CPU kernels).
"""
from __future__ import annotations

from typing import Callable, Dict

import torch
from torch.profiler import ProfilerActivity, profile

__all__ = ['CATEGORIES', 'categorize', 'operator_seconds']

# Checked in order; the first category whose keys occur in the operator name wins.
CATEGORIES = (
    ('convolution', ('conv',)),
    ('matrix product / attention', ('mm', 'matmul', 'linear', 'attention', 'einsum')),
    ('batch norm', ('batch_norm',)),
    ('softmax', ('softmax',)),
    ('pooling / mean', ('pool', 'mean')),
    ('layout copies', ('copy', 'clone', 'contiguous', 'reorder', '_to_')),
    ('element-wise', ('mul', 'add', 'sub', 'div', 'sigmoid', 'relu', 'silu', 'exp',
                      'clamp', 'tanh', 'threshold', 'where', 'fill')),
)


def categorize(operator_name: str) -> str:
    """Return the category of a profiler operator name (``'other'`` if none)."""
    name = operator_name.lower()
    for category, keys in CATEGORIES:
        if any(key in name for key in keys):
            return category
    return 'other'


def operator_seconds(function: Callable[[], object], on_cuda: bool,
                     warmup: int = 1) -> Dict[str, float]:
    """Profile one call of ``function`` and sum self time per category.

    Self time (time in an operator minus its children) adds up to the whole
    call without double counting wrapper operators. On CUDA the device self
    time is used, on CPU the CPU self time.

    Args:
        function: One unit of work, such as an inference pass or a training
            step (see ``tools.benchmarks.models``).
        on_cuda: The work runs on a CUDA device.
        warmup: Unprofiled calls first, to keep lazy initialisation out.

    Returns:
        Category to seconds, including ``'other'``.
    """
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_cuda else [])
    for _ in range(warmup):
        function()
    with profile(activities=activities) as profiler:
        function()
        if on_cuda:
            torch.cuda.synchronize()

    seconds: Dict[str, float] = {category: 0.0 for category, _ in CATEGORIES}
    seconds['other'] = 0.0
    for event in profiler.key_averages():
        microseconds = event.self_device_time_total if on_cuda else event.self_cpu_time_total
        seconds[categorize(event.key)] += microseconds * 1e-6
    return seconds
