"""GAN benchmarks: SASE-FastGAN against SLE-FastGAN, and generator complexity.

Both FastGAN variants are built the same way, from ``sase_mm.gan``'s registry,
and differ only in the generator's skip layer. One training iteration is the
model's own ``train_step``: a discriminator update on real and generated
images, then a generator update and the EMA update. The reconstruction loss
is L1 instead of LPIPS, because LPIPS needs VGG weights that a clean machine
does not have. That loss runs on the discriminator's decoders, identically
for both variants, so it shifts both times alike.

Paper figures are quoted from "Learning Spatially-Adaptive Squeeze-Excitation
Networks for Image Synthesis and Image Recognition" (the SASE paper).
"""
from __future__ import annotations

import importlib
import logging
from typing import Callable, Dict, List, Optional, Sequence

import torch

from tools.benchmarks.complexity import PaperFigures, count_complexity
from tools.benchmarks.timing import median, paired_ratios, synchronizer, time_alternating

_logger = logging.getLogger(__name__)

__all__ = ['PAPER_FASTGAN', 'fastgan_unavailable', 'iteration_time_ratio', 'run_fastgan',
           'run_singan_complexity']

SASE_NAME = 'SASE-FastGAN'
SLE_NAME = 'SLE-FastGAN'

# Table 5 of the SASE paper: generator parameters and FLOPs (MACs).
PAPER_FASTGAN: Dict[tuple, PaperFigures] = {
    (SLE_NAME, 256): PaperFigures('SLE-FastGAN', 'Table 5', 29.1e6, 9.7933e9),
    (SASE_NAME, 256): PaperFigures('SASE-FastGAN', 'Table 5', 28.5e6, 9.7942e9),
    (SLE_NAME, 1024): PaperFigures('SLE-FastGAN', 'Table 5', 29.2e6, 16.1960e9),
    (SASE_NAME, 1024): PaperFigures('SASE-FastGAN', 'Table 5', 28.5e6, 16.1986e9),
}


def fastgan_unavailable() -> Optional[str]:
    """Return why the FastGAN models cannot be built here, or None if they can."""
    try:
        importlib.import_module('sase_mm.gan')
        from sase_mm.gan.registry import MODELS
    except ImportError as error:
        return f'sase_mm.gan failed to import: {error}'
    missing = [name for name in ('FastGAN', 'FastGANGenerator', 'FastGANDiscriminator', 'SLE',
                                 'SASE', 'L1ReconstructionLoss') if MODELS.get(name) is None]
    if missing:
        return (f'the GAN registry has no {", ".join(missing)} on this branch: the FastGAN '
                'models have not landed')
    return None


def _skip_layer(name: str) -> dict:
    return dict(type='SASE') if name == SASE_NAME else dict(type='SLE')


def build_fastgan(name: str, size: int, device: torch.device) -> torch.nn.Module:
    """Build the FastGAN training model ``name`` (SASE or SLE) at ``size``."""
    from sase_mm.gan.registry import MODELS

    config = dict(
        type='FastGAN',
        generator=dict(type='FastGANGenerator', im_size=size, skip_layer=_skip_layer(name)),
        discriminator=dict(type='FastGANDiscriminator', im_size=size),
        reconstruction_loss=dict(type='L1ReconstructionLoss'),
    )
    return MODELS.build(config).to(device)


def _iteration_function(model: torch.nn.Module, batch_size: int,
                        device: torch.device) -> Callable[[], object]:
    from mmengine.optim import OptimWrapper, OptimWrapperDict

    def adam(module: torch.nn.Module) -> OptimWrapper:
        return OptimWrapper(torch.optim.Adam(module.parameters(), lr=2e-4, betas=(0.5, 0.999)))

    optimizers = OptimWrapperDict(generator=adam(model.generator),
                                  discriminator=adam(model.discriminator))
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(batch_size, 3, model.im_size, model.im_size, generator=generator)
    data = dict(inputs=(images * 2 - 1).to(device))
    model.train()

    def run() -> object:
        return model.train_step(data, optimizers)

    return run


def iteration_time_ratio(seconds: Dict[str, List[float]]) -> float:
    """Median over rounds of SASE-FastGAN's iteration time over SLE-FastGAN's."""
    return median(paired_ratios(seconds[SASE_NAME], seconds[SLE_NAME]))


def run_fastgan(results, device: torch.device) -> None:
    """Count generator complexity and time training iterations of both variants.

    Fills ``results.gan_complexity`` and ``results.fastgan_seconds``, or
    records in ``results.skipped['fastgan']`` why it cannot run.
    """
    from tools.benchmarks.report import GanComplexityRow

    reason = fastgan_unavailable()
    if reason:
        results.skipped['fastgan'] = reason
        return
    settings = results.settings
    for size in (256, 1024):
        for name in (SLE_NAME, SASE_NAME):
            model = build_fastgan(name, size, torch.device('cpu'))
            latent = torch.randn(1, model.nz)
            counted = count_complexity(model.generator, [latent])
            results.gan_complexity.append(
                GanComplexityRow(name, f'{size}x{size}', counted, PAPER_FASTGAN.get((name, size))))

    for size in settings.gan_sizes:
        candidates = {name: _iteration_function(build_fastgan(name, size, device),
                                                settings.gan_batch_size, device)
                      for name in (SASE_NAME, SLE_NAME)}
        results.fastgan_seconds[size] = time_alternating(
            candidates, settings.gan_rounds, synchronize=synchronizer(device))
        _logger.info('FastGAN %d: SASE / SLE iteration time %.3f', size,
                     iteration_time_ratio(results.fastgan_seconds[size]))


def run_singan_complexity(results) -> None:
    """Count the SinGAN family's generator complexity (SASE paper, Table 7)."""
    results.skipped['singan'] = 'SinGAN complexity: not implemented yet on this branch'
