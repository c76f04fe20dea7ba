"""Shared helpers of the GAN metric tests: random weight files and small image folders.

No test downloads weights: the Inception and AlexNet files here hold random weights,
written once per test process, in the layouts of the real release files.
"""
import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import alexnet

from sase_mm.gan.metrics.inception import FIDInceptionV3


def random_inception(seed: int = 0) -> FIDInceptionV3:
    """Build the FID Inception with He-initialised convolutions, so features do not vanish."""
    torch.manual_seed(seed)
    model = FIDInceptionV3()
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return model


@functools.cache
def _scratch_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sase_gan_metrics_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def inception_weights_file() -> Path:
    """Write random FID Inception weights with the pytorch-fid file's keys (no prefix)."""
    path = _scratch_dir() / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(random_inception().network.state_dict(), path)
    return path


@functools.cache
def alexnet_weights_file() -> Path:
    """Write random torchvision AlexNet weights (the layout of alexnet-owt-7be5be79.pth)."""
    torch.manual_seed(0)
    path = _scratch_dir() / "alexnet-owt-7be5be79.pth"
    torch.save(alexnet(weights=None).state_dict(), path)
    return path


@functools.cache
def lpips_heads_file() -> Path:
    """Write positive random LPIPS linear heads with the lpips file's keys."""
    generator = torch.Generator().manual_seed(0)
    heads = {
        f"lin{index}.model.1.weight": torch.rand(1, width, 1, 1, generator=generator)
        for index, width in enumerate((64, 192, 384, 256, 256))
    }
    path = _scratch_dir() / "alex.pth"
    torch.save(heads, path)
    return path


def write_images(folder: Path, images: np.ndarray, prefix: str = "image") -> list[Path]:
    """Save uint8 images of shape (N, H, W, 3) as PNG files and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, image in enumerate(images):
        path = folder / f"{prefix}_{index:03d}.png"
        Image.fromarray(image).save(path)
        paths.append(path)
    return paths


def random_images(count: int, size: int, seed: int, low: int = 0, high: int = 256) -> np.ndarray:
    """Draw smooth random uint8 images (N, size, size, 3): noise blurred by upsampling."""
    rng = np.random.default_rng(seed)
    coarse_size = size // 4 + 1
    coarse = rng.integers(low, high, size=(count, 3, coarse_size, coarse_size)).astype(np.float32)
    smooth = torch.nn.functional.interpolate(
        torch.from_numpy(coarse), size=(size, size), mode="bilinear"
    )
    return smooth.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
