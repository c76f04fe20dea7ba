"""Small FastGAN building blocks: spectral-normalised convolutions, GLU, noise injection, Swish."""
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = ["GLU", "NoiseInjection", "Swish", "sn_conv2d", "sn_conv_transpose2d", "sn_linear"]


def sn_conv2d(*args, **kwargs) -> nn.Module:
    """Build an ``nn.Conv2d`` with spectral normalisation, as every FastGAN convolution is."""
    return spectral_norm(nn.Conv2d(*args, **kwargs))


def sn_conv_transpose2d(*args, **kwargs) -> nn.Module:
    """Build an ``nn.ConvTranspose2d`` with spectral normalisation."""
    return spectral_norm(nn.ConvTranspose2d(*args, **kwargs))


def sn_linear(*args, **kwargs) -> nn.Module:
    """Build an ``nn.Linear`` with spectral normalisation."""
    return spectral_norm(nn.Linear(*args, **kwargs))


class GLU(nn.Module):
    """Gated linear unit over channels: the first half times the sigmoid of the second half."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] % 2 != 0:
            raise ValueError(f"GLU needs an even number of channels; got {x.shape[1]}.")
        value, gate = x.chunk(2, dim=1)
        return value * torch.sigmoid(gate)


class NoiseInjection(nn.Module):
    """Per-pixel Gaussian noise, shared by all channels, scaled by one learned scalar (init 0)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        noise = torch.randn(batch, 1, height, width, device=x.device, dtype=x.dtype)
        return x + self.weight * noise


class Swish(nn.Module):
    """Swish activation ``x * sigmoid(x)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)
