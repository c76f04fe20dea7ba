"""Whole-network speed and memory of sase_resnet50 against timm's peers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from tools.benchmarks.memory import measure_training_memory
from tools.benchmarks.models import (create_classifier, inference_function, make_batch,
                                     training_step_function)
from tools.benchmarks.timing import median, paired_ratios, synchronizer, time_alternating

__all__ = ['SpeedResult', 'run_speed', 'run_memory']


@dataclass
class SpeedResult:
    """Per-round seconds of each model, all from the same alternating rounds."""

    reference: str
    inference_seconds: Dict[str, List[float]] = field(default_factory=dict)
    training_seconds: Dict[str, List[float]] = field(default_factory=dict)

    def inference_throughput_ratio(self, peer: str) -> float:
        """Median over rounds of the reference's throughput over the peer's."""
        return median(paired_ratios(self.inference_seconds[peer],
                                    self.inference_seconds[self.reference]))

    def training_time_ratio(self, peer: str) -> float:
        """Median over rounds of the reference's step time over the peer's."""
        return median(paired_ratios(self.training_seconds[self.reference],
                                    self.training_seconds[peer]))


def _prepare(model: nn.Module, device: torch.device, channels_last: bool,
             compile_model: bool) -> nn.Module:
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(device=device, memory_format=memory_format)
    if compile_model:
        # NOTE: compiled and run on the 2-core development CPU: sase_resnet50
        # and resnet50, inference and training. The other peers were not tried.
        model = torch.compile(model)
    return model


def run_speed(names: Sequence[str], reference: str, batch_size: int, img_size: int, rounds: int,
              device: torch.device, channels_last: bool, compile_model: bool = False,
              warmup: int = 1, log: Optional[Callable[[str], None]] = None) -> SpeedResult:
    """Time inference and training steps of every model in alternating rounds.

    Args:
        names: Models to time; must contain ``reference``.
        reference: The model every ratio is taken against (``sase_resnet50``).
        batch_size: Images per call.
        img_size: Image side in pixels.
        rounds: Alternating rounds per phase; the ratios are medians over them.
        device: Where the models run.
        channels_last: Run models and inputs in channels-last format.
        compile_model: Wrap every model in ``torch.compile``; the warm-up
            calls then include compilation.
        warmup: Untimed calls per model and phase.
        log: Progress callback.

    Returns:
        The per-round seconds of both phases.

    Raises:
        ValueError: If ``reference`` is not among ``names``.
    """
    if reference not in names:
        raise ValueError(f'reference model {reference!r} must be among the timed models {names}')
    log = log or (lambda message: None)
    images, labels = make_batch(batch_size, img_size, 1000, device, channels_last)
    models = {}
    for name in names:
        models[name] = _prepare(create_classifier(name, img_size), device, channels_last,
                                compile_model)
    synchronize = synchronizer(device)
    result = SpeedResult(reference)

    inference = {name: inference_function(model, images) for name, model in models.items()}
    result.inference_seconds = time_alternating(inference, rounds, warmup=warmup,
                                                synchronize=synchronize)
    log('inference: ' + _format_medians(result.inference_seconds))

    training = {name: training_step_function(model, images, labels)
                for name, model in models.items()}
    result.training_seconds = time_alternating(training, rounds, warmup=warmup,
                                               synchronize=synchronize)
    log('training step: ' + _format_medians(result.training_seconds))
    return result


def run_memory(names: Sequence[str], batch_size: int, img_size: int, device: torch.device,
               channels_last: bool, threads: int,
               log: Optional[Callable[[str], None]] = None) -> Dict[str, Dict[str, float]]:
    """Measure each model's peak training memory, one fresh subprocess each."""
    results = {}
    for name in names:
        results[name] = measure_training_memory(name, batch_size, img_size, str(device),
                                                channels_last, threads)
        if log is not None:
            log(f'training memory {name}: {results[name]["training_bytes"] / 2 ** 20:.0f} MiB')
    return results


def _format_medians(seconds: Dict[str, List[float]]) -> str:
    return ', '.join(f'{name} {median(values) * 1e3:.0f} ms' for name, values in seconds.items())
