"""CBAM as a skip-layer module (Woo et al., "CBAM: Convolutional Block Attention Module",
ECCV 2018): channel attention, then spatial attention."""
import torch
from torch import nn

from sase_mm.gan.modules.layers import sn_conv2d
from sase_mm.gan.registry import MODELS

__all__ = ["CBAMSkip"]


@MODELS.register_module(name=["CBAMSkip", "CBAM"])
class CBAMSkip(nn.Module):
    """CBAM attention in skip-layer form: the source map drives the channel attention.

    Following CBAM, the channel attention is ``sigmoid(MLP(avgpool) + MLP(maxpool))`` with one shared
    two-layer MLP, and the spatial attention is ``sigmoid(conv7x7([mean_c, max_c]))`` computed on the
    channel-refined map, applied in that order. In a skip layer the channel descriptors are pooled
    from the low-resolution source map, so the MLP maps ``source_channels`` to ``target_channels``,
    and the spatial attention is computed from the channel-refined target.

    Args:
        source_channels (int): Channels of the low-resolution source map.
        target_channels (int): Channels of the high-resolution target map.
        reduction (int): Hidden width ratio of the channel MLP (CBAM uses 16); the hidden width is
            at least 1. Defaults to 16.
        spatial_kernel_size (int): Kernel of the spatial attention convolution. Defaults to 7.
    """

    def __init__(
        self,
        source_channels: int,
        target_channels: int,
        reduction: int = 16,
        spatial_kernel_size: int = 7,
    ) -> None:
        super().__init__()
        if spatial_kernel_size % 2 != 1:
            raise ValueError(f"spatial_kernel_size={spatial_kernel_size} must be odd.")
        hidden = max(1, source_channels // reduction)
        self.source_channels = source_channels
        self.target_channels = target_channels
        self.channel_mlp = nn.Sequential(
            sn_conv2d(source_channels, hidden, 1, bias=False),
            nn.ReLU(inplace=True),
            sn_conv2d(hidden, target_channels, 1, bias=False),
        )
        self.spatial_conv = sn_conv2d(
            2, 1, spatial_kernel_size, padding=spatial_kernel_size // 2, bias=False
        )

    def channel_attention(self, source: torch.Tensor) -> torch.Tensor:
        """Return the channel attention ``(B, C_target, 1, 1)`` pooled from ``source``."""
        average = self.channel_mlp(source.mean(dim=(2, 3), keepdim=True))
        maximum = self.channel_mlp(source.amax(dim=(2, 3), keepdim=True))
        return torch.sigmoid(average + maximum)

    def spatial_attention(self, features: torch.Tensor) -> torch.Tensor:
        """Return the spatial attention ``(B, 1, H, W)`` of ``features``."""
        descriptors = torch.cat(
            [features.mean(dim=1, keepdim=True), features.amax(dim=1, keepdim=True)], dim=1
        )
        return torch.sigmoid(self.spatial_conv(descriptors))

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Refine ``target`` by channel attention from ``source``, then by spatial attention."""
        refined = target * self.channel_attention(source)
        return refined * self.spatial_attention(refined)
