"""LPIPS perceptual distance (Zhang et al. 2018), version 0.1 with linear heads.

The network follows the layer layout and constants of the ``lpips`` package 0.1.4.
Inputs in [-1, 1] are shifted by (-0.030, -0.088, -0.188) and scaled by (0.458, 0.448,
0.450) per channel. Five ReLU outputs of an ImageNet AlexNet or VGG-16 are normalised to
unit length over channels. Their squared differences are weighted per channel by a 1x1
convolution without bias (the "linear head"), averaged over space and summed over the
five layers.

Two weight files are needed and never downloaded here:

* the torchvision backbone (``alexnet-owt-7be5be79.pth`` or ``vgg16-397923af.pth``), from
  a path or the torch hub cache (``<torch.hub.get_dir()>/checkpoints/``), where
  torchvision stores it;
* the linear heads (``alex.pth`` / ``vgg.pth``), from a path or from the installed
  ``lpips`` package, which ships them under ``lpips/weights/v0.1/``.

Our API takes images in [0, 1] and maps them to [-1, 1] itself.
"""
from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

import torch
from torch import nn
from torchvision.models import alexnet, vgg16

from sase_mm.gan.metrics.inception import resolve_weights_path

__all__ = ["LPIPS", "build_lpips"]

_logger = logging.getLogger(__name__)

# name -> (torchvision builder, ends of the five slices of .features, channels per slice,
#          backbone file in the hub cache, linear-head file name)
_BACKBONES = {
    "alex": (
        alexnet, (2, 5, 8, 10, 12), (64, 192, 384, 256, 256), "alexnet-owt-7be5be79.pth", "alex.pth"
    ),
    "vgg": (vgg16, (4, 9, 16, 23, 30), (64, 128, 256, 512, 512), "vgg16-397923af.pth", "vgg.pth"),
}
_BACKBONE_URLS = {
    "alex": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    "vgg": "https://download.pytorch.org/models/vgg16-397923af.pth",
}


class _LinearHead(nn.Module):
    """Per-channel weights as a bias-free 1x1 convolution (``model.1`` matches the lpips file)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Dropout(), nn.Conv2d(channels, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class LPIPS(nn.Module):
    """LPIPS distance between image pairs, with randomly initialised weights until loaded.

    Args:
        net (str): Backbone, ``'alex'`` or ``'vgg'``. Defaults to ``'alex'``.
    """

    def __init__(self, net: str = "alex") -> None:
        super().__init__()
        if net not in _BACKBONES:
            raise ValueError(f"net must be one of {sorted(_BACKBONES)}, got {net!r}")
        builder, slice_ends, channels, _, _ = _BACKBONES[net]
        self.net = net
        self.slice_ends = slice_ends
        self.features = builder(weights=None).features
        for index, width in enumerate(channels):
            self.add_module(f"lin{index}", _LinearHead(width))
        self.register_buffer("shift", torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "LPIPS":
        """Keep the network in eval mode (no dropout in the heads)."""
        return super().train(False)

    def _layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        start = 0
        for end in self.slice_ends:
            for index in range(start, end):
                x = self.features[index](x)
            outputs.append(x)
            start = end
        return outputs

    def forward(self, images1: torch.Tensor, images2: torch.Tensor) -> torch.Tensor:
        """Compute the distance of each pair.

        Gradients flow to the inputs (latent recovery uses them); the weights stay frozen.

        Args:
            images1: Float images in [0, 1], shape (N, 3, H, W).
            images2: Float images in [0, 1], same shape.

        Returns:
            Distances of shape (N,).
        """
        if images1.shape != images2.shape or images1.ndim != 4 or images1.shape[1] != 3:
            raise ValueError(
                "LPIPS needs two batches of shape (N, 3, H, W) of one size, got "
                f"{tuple(images1.shape)} and {tuple(images2.shape)}"
            )
        inputs1 = (2 * images1 - 1 - self.shift) / self.scale
        inputs2 = (2 * images2 - 1 - self.shift) / self.scale

        distance = images1.new_zeros(len(images1))
        layers = zip(self._layer_outputs(inputs1), self._layer_outputs(inputs2))
        for index, (features1, features2) in enumerate(layers):
            features1 = features1 / (features1.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10)
            features2 = features2 / (features2.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10)
            weighted = getattr(self, f"lin{index}")((features1 - features2) ** 2)
            distance = distance + weighted.mean(dim=(1, 2, 3))
        return distance

    def load_backbone(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Load a torchvision AlexNet / VGG-16 state dict (only ``features.*`` is used)."""
        features = {
            key[len("features."):]: value
            for key, value in state_dict.items()
            if key.startswith("features.")
        }
        self.features.load_state_dict(features)

    def load_linear_heads(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Load the lpips package's linear-head file (keys ``lin{i}.model.1.weight``)."""
        heads = {key: value for key, value in state_dict.items() if key.startswith("lin")}
        missing, unexpected = self.load_state_dict(heads, strict=False)
        missing = [key for key in missing if key.startswith("lin")]
        if missing or unexpected:
            raise RuntimeError(
                f"LPIPS linear-head file does not match net={self.net!r}: missing {missing}, "
                f"unexpected {unexpected}"
            )


def _packaged_linear_heads(filename: str) -> Path | None:
    spec = importlib.util.find_spec("lpips")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "weights" / "v0.1" / filename
    return path if path.is_file() else None


def build_lpips(
    net: str = "alex",
    backbone_weights: str | os.PathLike | None = None,
    linear_weights: str | os.PathLike | None = None,
    device: torch.device | str | None = None,
) -> LPIPS:
    """Build LPIPS and load the backbone and linear-head weights.

    Args:
        net: ``'alex'`` (the LPIPS default) or ``'vgg'``.
        backbone_weights: Path of the torchvision backbone file; None looks in the torch
            hub cache.
        linear_weights: Path of the linear-head file; None uses the file of the installed
            ``lpips`` package.
        device: Device to move the network to. Defaults to CPU.

    Returns:
        The network in eval mode.

    Raises:
        FileNotFoundError: A weight file is missing (the message names the expected path).
    """
    model = LPIPS(net)
    _, _, _, backbone_file, head_file = _BACKBONES[net]

    backbone_path = resolve_weights_path(
        backbone_weights, backbone_file, f"LPIPS {net} backbone",
        f"{_BACKBONE_URLS[net]} (torchvision ImageNet weights)",
    )
    model.load_backbone(torch.load(backbone_path, map_location="cpu", weights_only=True))

    if linear_weights is not None:
        head_path = Path(linear_weights).expanduser()
        if not head_path.is_file():
            raise FileNotFoundError(f"LPIPS linear-head file not found at {str(head_path)!r}")
    else:
        head_path = _packaged_linear_heads(head_file)
        if head_path is None:
            raise FileNotFoundError(
                f"LPIPS linear heads for net={net!r} not found: pass the path of {head_file} "
                "(lpips v0.1 weights) or install the 'lpips' package, which ships it"
            )
    model.load_linear_heads(torch.load(head_path, map_location="cpu", weights_only=True))
    _logger.info("Loaded LPIPS (%s) from %s and %s", net, backbone_path, head_path)
    return model.to(device) if device is not None else model
