"""Reading image folders and converting image tensors for the metrics.

Every metric works on float RGB images in [0, 1] of shape (N, 3, H, W). Image files are
read with Pillow, converted to RGB (greyscale is repeated, alpha is dropped) and divided
by 255 once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

__all__ = [
    "IMAGE_EXTENSIONS",
    "iterate_batches",
    "list_images",
    "load_image",
    "load_images",
    "to_unit_range",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")


def list_images(folder: str | os.PathLike) -> list[Path]:
    """List the image files directly inside a folder, sorted by name.

    Raises:
        FileNotFoundError: The folder does not exist.
        ValueError: The folder contains no image file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {str(folder)!r} does not exist")
    files = sorted(
        path for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS
    )
    if not files:
        raise ValueError(
            f"image folder {str(folder)!r} contains no image file "
            f"(looked for {', '.join(IMAGE_EXTENSIONS)})"
        )
    return files


def load_image(path: str | os.PathLike) -> torch.Tensor:
    """Read one image file as a float tensor in [0, 1] of shape (3, H, W)."""
    with Image.open(path) as image:
        array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(255)


def load_images(paths: Sequence[str | os.PathLike]) -> torch.Tensor:
    """Read image files of one size into a float tensor in [0, 1] of shape (N, 3, H, W).

    Raises:
        ValueError: The images do not all have the same size; the message names two.
    """
    images = [load_image(path) for path in paths]
    first_size = tuple(images[0].shape[1:])
    for path, image in zip(paths, images):
        if tuple(image.shape[1:]) != first_size:
            raise ValueError(
                f"images differ in size: {str(paths[0])!r} is {first_size[0]}x{first_size[1]} "
                f"but {str(path)!r} is {image.shape[1]}x{image.shape[2]} (height x width); "
                "resize them to one size first"
            )
    return torch.stack(images)


def to_unit_range(
    images: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0)
) -> torch.Tensor:
    """Map images from ``value_range`` to float images in [0, 1], clamped.

    Greyscale images (one channel) are repeated to three channels.

    Args:
        images: Tensor of shape (N, C, H, W) or (C, H, W), C in {1, 3}.
        value_range: The (low, high) values of the input, e.g. (-1, 1) for generator
            outputs or (0, 255) for packed dataset images. Defaults to (-1, 1).

    Returns:
        Float tensor of shape (N, 3, H, W).

    Raises:
        ValueError: The shape or the range is invalid.
    """
    if images.ndim == 3:
        images = images.unsqueeze(0)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"expected images of shape (N, C, H, W) with C = 1 or 3, got {tuple(images.shape)}"
        )
    low, high = (float(value) for value in value_range)
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range}")
    images = (images.float() - low) / (high - low)
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return images.clamp(0, 1)


def iterate_batches(paths: Sequence[Path], batch_size: int) -> Iterator[torch.Tensor]:
    """Yield the images of ``paths`` in batches, as from :func:`load_images`."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    for start in range(0, len(paths), batch_size):
        yield load_images(paths[start:start + batch_size])
