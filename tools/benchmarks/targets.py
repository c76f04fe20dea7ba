"""The library's speed and memory targets, checked against measured values."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ['Target', 'check_at_least', 'check_at_most', 'not_measured']

# Targets on sase_resnet50 against resnet50 (CPU, batch 8, 224x224, fp32),
# on the SASE layer sweep and on SASE-FastGAN against SLE-FastGAN.
INFERENCE_THROUGHPUT_MIN = 1.25
TRAINING_TIME_MAX = 0.95
TRAINING_MEMORY_MAX = 1.2
SWEEP_SPREAD_MAX = 0.20
FASTGAN_TIME_MAX = {256: 1.10, 1024: 1.125}


@dataclass
class Target:
    """One target with its measured value and verdict.

    Attributes:
        name: What is measured.
        requirement: The target, e.g. ``>= 1.25x``.
        measured: The measured value, formatted; empty if not measured.
        status: ``'met'``, ``'missed'`` or ``'not measured'``.
        shortfall: For a missed target, by how much, in words.
        reason: Why it is missed or not measured; measured evidence where
            the benchmark has it.
    """

    name: str
    requirement: str
    measured: str
    status: str
    shortfall: str = ''
    reason: str = ''


def check_at_least(name: str, measured: float, minimum: float, reason: str = '') -> Target:
    """Return a target that ``measured >= minimum`` (ratios, printed as ``x``)."""
    met = measured >= minimum
    shortfall = '' if met else (
        f'{measured:.3f}x is {(minimum - measured) / minimum:.1%} below {minimum:g}x')
    return Target(name, f'>= {minimum:g}x', f'{measured:.3f}x', 'met' if met else 'missed',
                  shortfall, '' if met else reason)


def check_at_most(name: str, measured: float, maximum: float, reason: str = '',
                  unit: str = 'x') -> Target:
    """Return a target that ``measured <= maximum``.

    Args:
        name: What is measured.
        measured: The value.
        maximum: The limit.
        reason: Explanation kept only if the target is missed.
        unit: ``'x'`` for a ratio, ``'%'`` for a fraction printed as percent.
    """
    met = measured <= maximum
    if unit == '%':
        measured_text, limit_text = f'{measured:.1%}', f'{maximum:.0%}'
        excess = (f'{measured:.1%} is {(measured - maximum) * 100:.1f} percentage points '
                  f'over {limit_text}')
    else:
        measured_text, limit_text = f'{measured:.3f}x', f'{maximum:g}x'
        excess = f'{measured_text} is {(measured - maximum) / maximum:.1%} over {limit_text}'
    return Target(name, f'<= {limit_text}', measured_text, 'met' if met else 'missed',
                  '' if met else excess, '' if met else reason)


def not_measured(name: str, requirement: str, reason: Optional[str]) -> Target:
    """Return a target that this run could not measure, with the reason."""
    return Target(name, requirement, '', 'not measured', '', reason or 'not run')
