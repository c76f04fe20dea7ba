"""Single-image loading and the image pyramids of SinGAN and ConSinGAN.

SinGAN (Shaham et al., 2019, official code ``tamarott/SinGAN``) resizes the training image so that
its longest side is at most ``max_size``, then builds scales whose short side shrinks by a factor
near ``scale_factor`` (0.75) down to exactly ``min_size`` at the coarsest scale. The number of
scales comes from the original image and ``scale_factor``; the factor is then recomputed so the
coarsest short side lands on ``min_size``. ConSinGAN (Hinz et al., 2021, ``tohinz/ConSinGAN``)
fixes the number of scales instead and spaces them more densely near the finest scale.
"""
import math
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from sase_mm.gan.models.singan.imresize import imresize

__all__ = ["load_image", "image_to_uint8", "compute_pyramid_sizes", "build_pyramid", "PYRAMID_SPACINGS"]

PYRAMID_SPACINGS = ("geometric", "consingan")


def load_image(path: str, channels: int = 3) -> torch.Tensor:
    """Read an image file into a ``(1, channels, H, W)`` float tensor in ``[-1, 1]``.

    Greyscale, palette, 16-bit and alpha images are converted (grey is repeated over three
    channels, alpha is dropped), so every readable image gives ``channels`` channels.

    Args:
        path: Image file readable by Pillow (PNG, JPEG, ...).
        channels: 3 for RGB or 1 for greyscale. Defaults to 3.

    Returns:
        The image tensor.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a readable image, or ``channels`` is not 1 or 3.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels={channels} is not supported; use 3 (RGB) or 1 (greyscale).")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Training image {path!r} not found; check image_path in the config.")
    try:
        with Image.open(path) as image:
            image.load()
            converted = image.convert("RGB" if channels == 3 else "L")
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(
            f"Cannot read image {path!r} ({error}); give a PNG or JPEG file."
        ) from error

    array = np.asarray(converted, dtype=np.float32) / 255.0
    if array.ndim == 2:
        array = array[:, :, None]
    tensor = torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0)
    return tensor * 2 - 1


def image_to_uint8(image: torch.Tensor) -> np.ndarray:
    """Convert one ``(C, H, W)`` image in ``[-1, 1]`` to an ``(H, W, 3)`` uint8 array."""
    image = image.detach().float().cpu().clamp(-1, 1)
    if image.shape[0] == 1:
        image = image.expand(3, -1, -1)
    array = ((image + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    return np.ascontiguousarray(array)


def _ceil(value: float) -> int:
    # Rounding first keeps 25.0000001 at 25, so the coarsest short side is exactly min_size.
    return math.ceil(round(value, 6))


def _geometric_exponents(num_scales: int) -> List[float]:
    last = num_scales - 1
    return [float(last - index) for index in range(num_scales)]


def _consingan_exponents(num_scales: int) -> List[float]:
    # ConSinGAN's spacing: exponent (n - 1) / ln(n) * ln(n - i) + 1 of the factor for scale i < n,
    # which puts more scales near the finest resolution than geometric spacing.
    last = num_scales - 1
    if last < 2:
        return _geometric_exponents(num_scales)
    exponents = [(last - 1) / math.log(last) * math.log(last - index) + 1 for index in range(last)]
    return exponents + [0.0]


def compute_pyramid_sizes(
    height: int,
    width: int,
    max_size: int = 250,
    min_size: int = 25,
    scale_factor: float = 0.75,
    num_scales: Optional[int] = None,
    spacing: str = "geometric",
) -> Tuple[List[Tuple[int, int]], float]:
    """Compute the ``(height, width)`` of every scale, coarsest first.

    Args:
        height: Height of the original image.
        width: Width of the original image.
        max_size: Longest side of the finest scale (the image is never enlarged). Defaults to 250.
        min_size: Short side of the coarsest scale. Defaults to 25.
        scale_factor: Initial factor between neighbouring scales; SinGAN derives the number of
            scales from it and then recomputes the factor. Defaults to 0.75.
        num_scales: Fixed number of scales (ConSinGAN); ``None`` derives it as SinGAN does.
        spacing: ``'geometric'`` (SinGAN: one factor between all scales) or ``'consingan'``
            (ConSinGAN's denser spacing near the finest scale). Defaults to ``'geometric'``.

    Returns:
        The sizes, coarsest first, and the recomputed factor between neighbouring scales.

    Raises:
        ValueError: If the image (after limiting it to ``max_size``) is smaller than ``min_size``,
            or an argument is out of range.
    """
    if spacing not in PYRAMID_SPACINGS:
        raise ValueError(f"spacing={spacing!r} is not supported; use one of {PYRAMID_SPACINGS}.")
    if not 0 < scale_factor < 1:
        raise ValueError(f"scale_factor={scale_factor} must lie in (0, 1), for example 0.75.")
    if min_size < 1 or max_size < min_size:
        raise ValueError(f"Need 1 <= min_size <= max_size; got min_size={min_size}, max_size={max_size}.")
    if num_scales is not None and num_scales < 1:
        raise ValueError(f"num_scales={num_scales} must be at least 1.")

    short, long = min(height, width), max(height, width)
    if short < min_size:
        raise ValueError(
            f"Image of {height}x{width} pixels is smaller than min_size={min_size} on its short "
            f"side; use a larger image or a smaller min_size."
        )
    resize = min(max_size / long, 1.0)
    finest = (_ceil(height * resize), _ceil(width * resize))
    if min(finest) < min_size:
        raise ValueError(
            f"Image of {height}x{width} pixels shrinks to {finest[0]}x{finest[1]} at "
            f"max_size={max_size}, below min_size={min_size} on its short side; raise max_size "
            f"or lower min_size."
        )

    if num_scales is None:
        # SinGAN: scales from the original image, minus those above max_size.
        total = math.ceil(round(math.log(min_size / short, scale_factor), 6)) + 1
        above_max = math.ceil(round(math.log(min(max_size, long) / long, scale_factor), 6))
        num_scales = max(total - above_max, 0) + 1

    last = num_scales - 1
    if last == 0:
        return [finest], 1.0
    factor = (min_size / min(finest)) ** (1.0 / last)
    exponents = (
        _geometric_exponents(num_scales) if spacing == "geometric" else _consingan_exponents(num_scales)
    )
    sizes = [
        (_ceil(finest[0] * factor**exponent), _ceil(finest[1] * factor**exponent))
        for exponent in exponents
    ]
    return sizes, factor


def build_pyramid(image: torch.Tensor, sizes: Sequence[Tuple[int, int]]) -> List[torch.Tensor]:
    """Resize ``image`` to every size with the MATLAB-style bicubic resize, coarsest first.

    The image is first resized to the finest size, and every other scale is resized from that
    finest image (not from its neighbour), as SinGAN does. SinGAN passes the scale factor
    ``factor ** k`` where this passes the exact size, so the kernel scale differs by the
    rounding of the size (under 1 % at SinGAN's sizes).

    Args:
        image: Image tensor ``(1, C, H, W)`` in ``[-1, 1]``.
        sizes: ``(height, width)`` of each scale, the finest last.

    Returns:
        One tensor per scale.
    """
    finest = imresize(image, output_size=sizes[-1])
    return [imresize(finest, output_size=size) for size in sizes[:-1]] + [finest]
