"""Parameter and multiply-accumulate counts, next to the SASE paper's figures.

Convention: fvcore's ``FlopCountAnalysis`` (fvcore 0.1.5) with its default
operator handles. It counts one fused multiply-add as one operation, i.e.
MACs. That is the convention behind the usual "ResNet-50 = 4.1 GFLOPs" figure
and the "FLOPs" columns of the SASE paper ("Learning Spatially-Adaptive
Squeeze-Excitation Networks for Image Synthesis and Image Recognition"), whose
ResNet-50 rows match fvcore's counts. Its default handles count convolutions, linear layers,
matrix products and einsum, plus batch norm (2 per element in eval mode),
group/layer/instance norm, nearest and bilinear upsampling and adaptive
average pooling. Element-wise products, activations and softmax are not
counted; the report lists which such operators each model contains.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn

_logger = logging.getLogger(__name__)

__all__ = ['Complexity', 'PaperFigures', 'PAPER_CLASSIFICATION', 'count_complexity']


@dataclass(frozen=True)
class PaperFigures:
    """Parameters and FLOPs as printed in the SASE paper."""

    row: str
    table: str
    parameters: float
    flops: float


# Table 8 of the SASE paper (ImageNet-1k, 224x224); "ResNet50-Strikesback (A2)"
# is the plain ResNet-50 architecture.
PAPER_CLASSIFICATION: Dict[str, PaperFigures] = {
    'sase_resnet50': PaperFigures('SASE-ResNet50', 'Table 8', 18.66e6, 3.36e9),
    'resnet50': PaperFigures('ResNet50-Strikesback (A2)', 'Table 8', 25.60e6, 4.10e9),
    'seresnet50': PaperFigures('SE-ResNet50', 'Table 8', 28.09e6, 4.13e9),
    'resnext50_32x4d': PaperFigures('ResNeXt-32x4d-50', 'Table 8', 25.03e6, 4.27e9),
    'bot_s1_50': PaperFigures('BoT-S1-50', 'Table 8', 20.80e6, 4.27e9),
}


@dataclass
class Complexity:
    """Counted complexity of one model at one input size."""

    parameters: int
    macs: float
    uncounted_operators: Tuple[str, ...] = field(default_factory=tuple)


def count_parameters(model: nn.Module, module: Optional[nn.Module] = None) -> int:
    """Return the number of parameter elements of ``module`` (default: ``model``)."""
    return sum(parameter.numel() for parameter in (module or model).parameters())


def count_complexity(model: nn.Module, inputs: Sequence[torch.Tensor],
                     parameter_module: Optional[nn.Module] = None) -> Complexity:
    """Count parameters and fvcore MACs of one forward pass.

    Args:
        model: The module to trace; switched to eval mode.
        inputs: Positional inputs of ``model.forward``.
        parameter_module: Count the parameters of this submodule instead of
            the whole model (the SASE paper counts a GAN's generator alone).

    Returns:
        The counts and the sorted names of traced operators that fvcore does
        not count.
    """
    from fvcore.nn import FlopCountAnalysis

    model.eval()
    analysis = FlopCountAnalysis(model, tuple(inputs))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    with torch.no_grad():
        macs = float(analysis.total())
    uncounted = tuple(sorted(analysis.unsupported_ops()))
    return Complexity(count_parameters(model, parameter_module), macs, uncounted)
