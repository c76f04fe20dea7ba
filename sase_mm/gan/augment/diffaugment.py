"""Differentiable augmentation (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
Training", NeurIPS 2020): color, translation and cutout."""
from typing import Callable, Dict, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from sase_mm.gan.registry import MODELS

__all__ = ["DiffAugment", "DIFF_AUGMENT_OPS"]


def random_brightness(images: torch.Tensor) -> torch.Tensor:
    """Add U(-0.5, 0.5) per image."""
    shift = torch.rand(images.shape[0], 1, 1, 1, dtype=images.dtype, device=images.device) - 0.5
    return images + shift


def random_saturation(images: torch.Tensor) -> torch.Tensor:
    """Scale the deviation from the per-pixel channel mean by U(0, 2) per image."""
    mean = images.mean(dim=1, keepdim=True)
    factor = torch.rand(images.shape[0], 1, 1, 1, dtype=images.dtype, device=images.device) * 2
    return (images - mean) * factor + mean


def random_contrast(images: torch.Tensor) -> torch.Tensor:
    """Scale the deviation from the per-image mean by U(0.5, 1.5) per image."""
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    factor = torch.rand(images.shape[0], 1, 1, 1, dtype=images.dtype, device=images.device) + 0.5
    return (images - mean) * factor + mean


def random_translation(images: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size in x and y, filling with zeros."""
    batch, _, height, width = images.shape
    shift_y = int(height * ratio + 0.5)
    shift_x = int(width * ratio + 0.5)
    device = images.device
    offset_y = torch.randint(-shift_y, shift_y + 1, (batch, 1, 1), device=device)
    offset_x = torch.randint(-shift_x, shift_x + 1, (batch, 1, 1), device=device)
    rows = torch.arange(height, device=device).view(1, height, 1) + offset_y
    columns = torch.arange(width, device=device).view(1, 1, width) + offset_x
    valid = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    rows, columns = rows.clamp(0, height - 1), columns.clamp(0, width - 1)
    batch_index = torch.arange(batch, device=device).view(batch, 1, 1)
    shifted = images.permute(0, 2, 3, 1)[batch_index, rows, columns].permute(0, 3, 1, 2)
    return shifted * valid.unsqueeze(1).to(images.dtype)


def random_cutout(images: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one square of ``ratio`` times the image size at a random centre per image."""
    batch, _, height, width = images.shape
    cut_height, cut_width = int(height * ratio + 0.5), int(width * ratio + 0.5)
    device = images.device
    centre_y = torch.randint(0, height + (1 - cut_height % 2), (batch, 1, 1), device=device)
    centre_x = torch.randint(0, width + (1 - cut_width % 2), (batch, 1, 1), device=device)
    rows = torch.arange(height, device=device).view(1, height, 1)
    columns = torch.arange(width, device=device).view(1, 1, width)
    top, left = centre_y - cut_height // 2, centre_x - cut_width // 2
    inside = (rows >= top) & (rows < top + cut_height) & (columns >= left) & (columns < left + cut_width)
    return images * (~inside).unsqueeze(1).to(images.dtype)


# Policy names and the ops they run, in order.
DIFF_AUGMENT_OPS: Dict[str, Tuple[Callable[[torch.Tensor], torch.Tensor], ...]] = {
    "color": (random_brightness, random_saturation, random_contrast),
    "translation": (random_translation,),
    "cutout": (random_cutout,),
}


@MODELS.register_module()
class DiffAugment(nn.Module):
    """Apply DiffAugment's differentiable ops with fresh random parameters per image and call.

    Args:
        policy (str): Comma-separated op names from ``color``, ``translation`` and ``cutout``.
            FastGAN uses ``'color,translation'``. Defaults to ``'color,translation'``.

    Raises:
        ValueError: If the policy names an unknown op.
    """

    def __init__(self, policy: str = "color,translation") -> None:
        super().__init__()
        names = [name.strip() for name in policy.split(",") if name.strip()]
        unknown = [name for name in names if name not in DIFF_AUGMENT_OPS]
        if unknown:
            raise ValueError(
                f"DiffAugment policy {policy!r} has unknown ops {unknown}; "
                f"use a comma-separated subset of {sorted(DIFF_AUGMENT_OPS)}."
            )
        self.policy = ",".join(names)
        self.ops = [op for name in names for op in DIFF_AUGMENT_OPS[name]]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        for op in self.ops:
            images = op(images)
        return images.contiguous()

    def extra_repr(self) -> str:
        return f"policy={self.policy!r}"
