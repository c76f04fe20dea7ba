"""Parameter and FLOP counts of the single-image GANs' generators.

FLOPs are counted with MMEngine's ``FlopAnalyzer`` (the fvcore counter), which counts one fused
multiply-add as one FLOP. It counts convolutions and matrix products but not element-wise
activations such as sigmoid and tanh. The count covers one pass of every generator scale that
sampling runs, without the resizing between scales.
"""
from typing import List, Sequence, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from torch import nn

from sase_mm.gan.models.singan.base import SingleImageGAN
from sase_mm.gan.models.singan.consingan import ConSinGAN

__all__ = ["generator_parameter_count", "discriminator_parameter_count", "generator_flops"]


def generator_parameter_count(model: SingleImageGAN) -> int:
    """Count the parameters of every generator scale (the figure of the SASE paper's Table 7)."""
    networks = model.generator if isinstance(model, ConSinGAN) else model.generators
    return sum(parameter.numel() for parameter in networks.parameters())


def discriminator_parameter_count(model: SingleImageGAN) -> int:
    """Count the parameters of every critic (ConSinGAN has one for all stages)."""
    networks = model.discriminator if isinstance(model, ConSinGAN) else model.discriminators
    return sum(parameter.numel() for parameter in networks.parameters())


class _ConSinGANPass(nn.Module):
    # Tensor-only forward for the tracer: sizes and amplitudes are fixed attributes.
    def __init__(self, model: ConSinGAN, sizes: Sequence[Tuple[int, int]]) -> None:
        super().__init__()
        self.generator = model.generator
        self.sizes = list(sizes)
        self.amplitudes = model.noise_amps

    def forward(self, *noise: torch.Tensor) -> torch.Tensor:
        return self.generator(list(noise), self.sizes, self.amplitudes)


def _count(module: nn.Module, inputs: tuple) -> int:
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


@torch.no_grad()
def generator_flops(
    model: SingleImageGAN,
    height_factor: float = 1.0,
    width_factor: float = 1.0,
    finest_only: bool = False,
) -> int:
    """Count the FLOPs of generating one image.

    Args:
        model: The model (trained or not; the count depends on the architecture only).
        height_factor: Output height relative to the training image. Defaults to 1.
        width_factor: Output width relative to the training image. Defaults to 1.
        finest_only: Count only the finest scale's network of SinGAN and its variants (ConSinGAN
            is one network and is always counted whole). The SASE paper's Table 7 figures match
            this count. Defaults to False.

    Returns:
        FLOPs (fused multiply-adds).
    """
    was_training = model.training
    model.eval()
    sizes = model.scaled_sizes(height_factor, width_factor)
    channels = model.in_channels
    try:
        if isinstance(model, ConSinGAN):
            margin = model.generator.stage_margin
            noise: List[torch.Tensor] = [torch.zeros(1, channels, *sizes[0])]
            noise += [
                torch.zeros(1, model.generator.channels, height + 2 * margin, width + 2 * margin)
                for height, width in sizes[1:]
            ]
            return _count(_ConSinGANPass(model, sizes), tuple(noise))
        total = 0
        first = len(sizes) - 1 if finest_only else 0
        for generator, (height, width) in list(zip(model.generators, sizes))[first:]:
            image = torch.zeros(1, channels, height, width)
            total += _count(generator, (image, image))
        return total
    finally:
        model.train(was_training)
