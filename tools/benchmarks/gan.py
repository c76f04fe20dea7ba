"""GAN benchmarks: SASE-FastGAN against SLE-FastGAN, and generator complexity.

Both FastGAN variants are built from the repository's configs
(``configs/fastgan/fastgan_{sase,sle}_{size}_diffaug.py``) and differ only in
the generator's skip layers. One training iteration is the
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
import os
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional

import torch

from tools.benchmarks.complexity import Complexity, PaperFigures, count_complexity
from tools.benchmarks.timing import median, paired_ratios, synchronizer, time_alternating

_logger = logging.getLogger(__name__)

__all__ = ['PAPER_FASTGAN', 'PAPER_SINGAN', 'fastgan_unavailable', 'iteration_time_ratio',
           'run_fastgan', 'run_singan_complexity', 'singan_unavailable']

SASE_NAME = 'SASE-FastGAN'
SLE_NAME = 'SLE-FastGAN'

REPO_ROOT = Path(__file__).resolve().parents[2]

# Table 5 of the SASE paper: generator parameters and FLOPs (MACs).
PAPER_FASTGAN: Dict[tuple, PaperFigures] = {
    (SLE_NAME, 256): PaperFigures('SLE-FastGAN', 'Table 5', 29.1e6, 9.7933e9),
    (SASE_NAME, 256): PaperFigures('SASE-FastGAN', 'Table 5', 28.5e6, 9.7942e9),
    (SLE_NAME, 1024): PaperFigures('SLE-FastGAN', 'Table 5', 29.2e6, 16.1960e9),
    (SASE_NAME, 1024): PaperFigures('SASE-FastGAN', 'Table 5', 28.5e6, 16.1986e9),
}

# Model name and config of each row of the SASE paper's Table 7.
SINGAN_CONFIGS = (
    ('SinGAN', 'configs/singan/singan_250px.py'),
    ('SLE-SinGAN', 'configs/singan/sle-singan_250px.py'),
    ('SASE-SinGAN', 'configs/singan/sase-singan_250px.py'),
    ('ConSinGAN', 'configs/singan/consingan_250px.py'),
)

# Table 7 of the SASE paper: generator parameters and FLOPs (MACs).
PAPER_SINGAN: Dict[tuple, PaperFigures] = {}
for _name, _parameters, _small, _large in (
        ('SinGAN', 1.02e6, 19.33e9, 38.20e9),
        ('SLE-SinGAN', 1.63e6, 19.33e9, 38.21e9),
        ('SASE-SinGAN', 1.25e6, 22.85e9, 44.65e9),
        ('ConSinGAN', 0.77e6, 8.92e9, 17.73e9)):
    PAPER_SINGAN[(_name, '165x250')] = PaperFigures(_name, 'Table 7', _parameters, _small)
    PAPER_SINGAN[(_name, '330x250')] = PaperFigures(_name, 'Table 7', _parameters, _large)


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
        return (f'the GAN registry has no {", ".join(missing)}: the FastGAN models are not '
                'in this checkout')
    for name in (SASE_NAME, SLE_NAME):
        for size in (256, 1024):
            if not _fastgan_config_path(name, size).is_file():
                return f'config {_fastgan_config_path(name, size)} not found'
    return None


def _fastgan_config_path(name: str, size: int) -> Path:
    variant = 'sase' if name == SASE_NAME else 'sle'
    return REPO_ROOT / 'configs' / 'fastgan' / f'fastgan_{variant}_{size}_diffaug.py'


def build_fastgan(name: str, size: int, device: torch.device) -> torch.nn.Module:
    """Build the FastGAN training model ``name`` at ``size`` from the repository's config.

    The configs are ``configs/fastgan/fastgan_{sase,sle}_{size}_diffaug.py``,
    with the reconstruction loss switched to L1 (see the module docstring).
    """
    from mmengine.config import Config

    from sase_mm.gan.registry import MODELS

    config = Config.fromfile(str(_fastgan_config_path(name, size)))
    config.model.reconstruction_loss = dict(type='L1ReconstructionLoss')
    return MODELS.build(config.model).to(device)


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
    for size in settings.fastgan_complexity_sizes:
        for name in (SLE_NAME, SASE_NAME):
            model = build_fastgan(name, size, torch.device('cpu'))
            latent = torch.randn(1, model.nz)
            counted = count_complexity(model.generator, [latent])
            results.gan_complexity.append(
                GanComplexityRow(name, f'{size}x{size}', counted, PAPER_FASTGAN.get((name, size))))

    for size in settings.gan_sizes:
        batch_size = settings.gan_batch_sizes[size]
        candidates = {name: _iteration_function(build_fastgan(name, size, device), batch_size,
                                                device)
                      for name in (SASE_NAME, SLE_NAME)}
        results.fastgan_seconds[size] = time_alternating(
            candidates, settings.gan_rounds, synchronize=synchronizer(device))
        _logger.info('FastGAN %d: SASE / SLE iteration time %.3f', size,
                     iteration_time_ratio(results.fastgan_seconds[size]))


def singan_unavailable() -> Optional[str]:
    """Return why the SinGAN family cannot be counted here, or None if it can."""
    try:
        importlib.import_module('sase_mm.gan')
        importlib.import_module('sase_mm.gan.models.singan.complexity')
    except ImportError as error:
        return f'the SinGAN models are not in this checkout: {error}'
    for _, config in SINGAN_CONFIGS:
        if not (REPO_ROOT / config).is_file():
            return f'config {config} not found'
    return None


def run_singan_complexity(results) -> None:
    """Count the SinGAN family's generator complexity (SASE paper, Table 7).

    Each model is built from its config on a 165x250 (height x width) image
    written here, the size of Table 7. The FLOPs are those of the finest
    scale's generator, the count ``sase_mm.gan.models.singan.complexity``
    documents as matching Table 7, at the image size and at twice its height
    (Table 7's 330x250 column). The parameters are those of all scales.
    """
    from tools.benchmarks.report import GanComplexityRow

    reason = singan_unavailable()
    if reason:
        results.skipped['singan'] = reason
        return
    from mmengine.config import Config
    from PIL import Image

    from sase_mm.gan.models.singan.complexity import (generator_flops,
                                                       generator_parameter_count)
    from sase_mm.gan.registry import MODELS

    with tempfile.TemporaryDirectory() as folder:
        image_path = os.path.join(folder, 'image_165x250.png')
        pixels = torch.randint(0, 256, (165, 250, 3), generator=torch.Generator().manual_seed(0))
        Image.fromarray(pixels.to(torch.uint8).numpy()).save(image_path)
        for name, config_path in SINGAN_CONFIGS:
            config = Config.fromfile(str(REPO_ROOT / config_path))
            config.model.image_path = image_path
            model = MODELS.build(config.model)
            parameters = generator_parameter_count(model)
            for resolution, height_factor in (('165x250', 1.0), ('330x250', 2.0)):
                if resolution not in results.settings.singan_heights:
                    continue
                macs = generator_flops(model, height_factor=height_factor,
                                       finest_only=name != 'ConSinGAN')
                results.gan_complexity.append(GanComplexityRow(
                    name, resolution, Complexity(parameters, float(macs)),
                    PAPER_SINGAN.get((name, resolution))))
