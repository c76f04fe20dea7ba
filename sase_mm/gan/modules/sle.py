"""Skip-layer excitation (SLE) of FastGAN (Liu et al., "Towards Faster and Stabilized GAN
Training for High-fidelity Few-shot Image Synthesis", ICLR 2021)."""
import torch
from torch import nn

from sase_mm.gan.modules.layers import Swish, sn_conv2d
from sase_mm.gan.registry import MODELS

__all__ = ["SLE"]


@MODELS.register_module()
class SLE(nn.Module):
    """Channel-wise excitation of a high-resolution map by a low-resolution one (eq. 3).

    The source is pooled to 4x4, mapped by a valid 4x4 convolution, Swish, a 1x1 convolution and a
    sigmoid to one weight per target channel, which multiplies the target.

    Args:
        source_channels (int): Channels of the low-resolution source map.
        target_channels (int): Channels of the high-resolution target map.
    """

    def __init__(self, source_channels: int, target_channels: int) -> None:
        super().__init__()
        self.source_channels = source_channels
        self.target_channels = target_channels
        self.excitation = nn.Sequential(
            nn.AdaptiveAvgPool2d(4),
            sn_conv2d(source_channels, target_channels, 4, 1, 0, bias=False),
            Swish(),
            sn_conv2d(target_channels, target_channels, 1, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return ``target`` scaled channel-wise by the excitation of ``source``."""
        return target * self.excitation(source)
