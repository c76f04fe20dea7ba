"""SPAP as a skip-layer module (Sun and Wu, "Learning Spatial Pyramid Attentive Pooling in Image
Synthesis and Image-to-Image Translation", arXiv 1901.06322, 2019)."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from sase_mm.gan.modules.layers import sn_conv2d
from sase_mm.gan.registry import MODELS

__all__ = ["SPAPSkip"]


@MODELS.register_module(name=["SPAPSkip", "SPAP"])
class SPAPSkip(nn.Module):
    """Spatial pyramid attentive pooling in skip-layer form.

    SPAP combines three parts: an atrous spatial pyramid (parallel 3x3 convolutions at several
    dilation rates), attention that weighs the pyramid levels at every pixel, and a residual
    connection. Here the pyramid runs on the low-resolution source map (after a 1x1 squeeze), a 1x1
    convolution gives one attention logit per level and pixel, a softmax over the levels pools the
    levels into one map, and a 1x1 convolution with a sigmoid turns it into a per-channel,
    per-pixel gate. The gate is upsampled (nearest) to the target size and applied residually:
    ``Y' = Y + Y * gate``.

    Args:
        source_channels (int): Channels of the low-resolution source map.
        target_channels (int): Channels of the high-resolution target map.
        dilations (Sequence[int]): Dilation rate of each pyramid level. Defaults to (1, 2, 4).
        reduction (int): Width ratio of the 1x1 squeeze before the pyramid; the width is at least
            1. Defaults to 4.

    Raises:
        ValueError: If ``dilations`` is empty or holds a rate below 1.
    """

    # NOTE: the SPAP paper describes a cascade of attention maps across pyramid levels; the exact
    # layer layout here (softmax over levels, then a sigmoid channel gate) is this library's reading.

    def __init__(
        self,
        source_channels: int,
        target_channels: int,
        dilations: Sequence[int] = (1, 2, 4),
        reduction: int = 4,
    ) -> None:
        super().__init__()
        dilations = tuple(dilations)
        if not dilations or min(dilations) < 1:
            raise ValueError(f"dilations={dilations} must be a non-empty list of rates >= 1.")
        hidden = max(1, source_channels // reduction)
        self.source_channels = source_channels
        self.target_channels = target_channels
        self.squeeze = nn.Sequential(
            sn_conv2d(source_channels, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        )
        self.levels = nn.ModuleList(
            [
                nn.Sequential(
                    sn_conv2d(hidden, hidden, 3, padding=rate, dilation=rate, bias=False),
                    nn.BatchNorm2d(hidden),
                    nn.ReLU(inplace=True),
                )
                for rate in dilations
            ]
        )
        self.level_attention = sn_conv2d(hidden * len(dilations), len(dilations), 1)
        self.gate = sn_conv2d(hidden, target_channels, 1)

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Gate ``target`` residually by the attentively pooled pyramid of ``source``."""
        squeezed = self.squeeze(source)
        levels = torch.stack([level(squeezed) for level in self.levels], dim=1)
        weights = torch.softmax(self.level_attention(levels.flatten(1, 2)), dim=1)
        pooled = (levels * weights.unsqueeze(2)).sum(dim=1)
        gate = torch.sigmoid(self.gate(pooled))
        gate = F.interpolate(gate, size=target.shape[-2:], mode="nearest")
        return target + target * gate
