"""The FID Inception v3 network (the TensorFlow 2015-12-05 graph ported to PyTorch).

FID, KID, density/coverage and SIFID all read features from this network. It is
torchvision's ``Inception3`` with the block changes of the TensorFlow graph that
pytorch-fid reproduces (read in pytorch-fid 0.3.0, ``pytorch_fid/inception.py``):

* 1008 output classes and no auxiliary classifier;
* the average pools inside ``Mixed_5b``-``Mixed_7b`` exclude the zero padding
  (``count_include_pad=False``);
* ``Mixed_7c`` pools its pooling branch with a 3x3 max-pool instead of an average pool.

The weights are never downloaded here. They are the pytorch-fid release file
``pt_inception-2015-12-05-6726825d.pth``, read from a path the caller gives or from the
torch hub cache (``<torch.hub.get_dir()>/checkpoints/``), where pytorch-fid itself stores it.

Preprocessing (pytorch-fid's): images in [0, 1] are resized to 299x299 with bilinear
interpolation (``align_corners=False``, no antialiasing) and mapped to [-1, 1] by
``2 * x - 1``. SIFID features skip the resize (see :meth:`FIDInceptionV3.forward_stem`).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.inception import Inception3, InceptionA, InceptionC, InceptionE

__all__ = [
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "FIDInceptionV3",
    "build_fid_inception",
    "resolve_weights_path",
]

_logger = logging.getLogger(__name__)

FID_WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_WEIGHTS_FILENAME
)
INPUT_SIZE = 299


class FIDInceptionA(InceptionA):
    """InceptionA block whose pooling branch averages without the zero padding."""

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        branch1x1 = self.branch1x1(x)

        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))

        branch3x3dbl = self.branch3x3dbl_1(x)
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(branch3x3dbl))

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        branch_pool = self.branch_pool(branch_pool)
        return [branch1x1, branch5x5, branch3x3dbl, branch_pool]


class FIDInceptionC(InceptionC):
    """InceptionC block whose pooling branch averages without the zero padding."""

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        branch1x1 = self.branch1x1(x)

        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))

        branch7x7dbl = self.branch7x7dbl_1(x)
        branch7x7dbl = self.branch7x7dbl_3(self.branch7x7dbl_2(branch7x7dbl))
        branch7x7dbl = self.branch7x7dbl_5(self.branch7x7dbl_4(branch7x7dbl))

        branch_pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        branch_pool = self.branch_pool(branch_pool)
        return [branch1x1, branch7x7, branch7x7dbl, branch_pool]


class FIDInceptionE(InceptionE):
    """InceptionE block with the TensorFlow graph's pooling branch.

    Args:
        in_channels (int): Input channels.
        pool (str): ``'avg'`` averages without the zero padding (``Mixed_7b``), ``'max'``
            max-pools (``Mixed_7c``). Defaults to ``'avg'``.
    """

    def __init__(self, in_channels: int, pool: str = "avg") -> None:
        super().__init__(in_channels)
        if pool not in ("avg", "max"):
            raise ValueError(f"pool must be 'avg' or 'max', got {pool!r}")
        self.pool = pool

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        branch1x1 = self.branch1x1(x)

        branch3x3 = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)

        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat(
            [self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1
        )

        if self.pool == "avg":
            branch_pool = F.avg_pool2d(
                x, kernel_size=3, stride=1, padding=1, count_include_pad=False
            )
        else:
            branch_pool = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        branch_pool = self.branch_pool(branch_pool)
        return [branch1x1, branch3x3, branch3x3dbl, branch_pool]


class FIDInceptionV3(nn.Module):
    """Feature extractor on the FID Inception v3 graph.

    The parameter names equal those of the pytorch-fid weight file, so
    ``load_state_dict`` reads it strictly. The network is always in eval mode and
    its parameters never require gradients.

    Args:
        resize_input (bool): Resize inputs to 299x299 (bilinear) before the network, as
            pytorch-fid does for FID. Defaults to True.
    """

    def __init__(self, resize_input: bool = True) -> None:
        super().__init__()
        self.resize_input = resize_input
        self.network = Inception3(
            num_classes=1008, aux_logits=False, transform_input=False, init_weights=False
        )
        self.network.Mixed_5b = FIDInceptionA(192, pool_features=32)
        self.network.Mixed_5c = FIDInceptionA(256, pool_features=64)
        self.network.Mixed_5d = FIDInceptionA(288, pool_features=64)
        self.network.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
        self.network.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
        self.network.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
        self.network.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
        self.network.Mixed_7b = FIDInceptionE(1280, pool="avg")
        self.network.Mixed_7c = FIDInceptionE(2048, pool="max")
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "FIDInceptionV3":
        """Keep the network in eval mode: batch-norm statistics are part of the weights."""
        return super().train(False)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Load the pytorch-fid weight file (keys without the ``network.`` prefix) or our own."""
        if not any(key.startswith("network.") for key in state_dict):
            state_dict = {f"network.{key}": value for key, value in state_dict.items()}
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    @staticmethod
    def _check_images(images: torch.Tensor) -> None:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(
                f"expected images of shape (N, 3, H, W), got {tuple(images.shape)}; "
                "repeat greyscale images to 3 channels first"
            )
        if not images.is_floating_point():
            raise TypeError(f"expected float images in [0, 1], got dtype {images.dtype}")

    def forward_stem(self, images: torch.Tensor) -> torch.Tensor:
        """Compute the 64-channel maps before the first max-pool (SIFID features).

        Args:
            images: Float images in [0, 1], shape (N, 3, H, W), H and W at least 7.
                They are not resized, so each pixel keeps its own feature.

        Returns:
            Feature maps of shape (N, 64, H', W') with H' = (H - 3) // 2 - 1.
        """
        self._check_images(images)
        x = 2 * images - 1
        x = self.network.Conv2d_1a_3x3(x)
        x = self.network.Conv2d_2a_3x3(x)
        return self.network.Conv2d_2b_3x3(x)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Compute the 2048-d pool3 features used by FID, KID and density/coverage.

        Args:
            images: Float images in [0, 1], shape (N, 3, H, W).

        Returns:
            Features of shape (N, 2048).
        """
        self._check_images(images)
        x = images
        if self.resize_input:
            x = F.interpolate(
                x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False
            )
        x = 2 * x - 1

        network = self.network
        x = network.Conv2d_2b_3x3(network.Conv2d_2a_3x3(network.Conv2d_1a_3x3(x)))
        x = network.maxpool1(x)
        x = network.Conv2d_4a_3x3(network.Conv2d_3b_1x1(x))
        x = network.maxpool2(x)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(network, f"Mixed_{name}")(x)
        return network.avgpool(x).flatten(1)


def resolve_weights_path(
    path: str | os.PathLike | None, filename: str, what: str, source: str
) -> Path:
    """Find a weight file at ``path`` or in the torch hub cache.

    Args:
        path: A file the user gives, or None to look in
            ``<torch.hub.get_dir()>/checkpoints/<filename>``.
        filename: The file's name in the hub cache.
        what: What the file contains, for the error message.
        source: Where to get the file, for the error message.

    Returns:
        The path of an existing file.

    Raises:
        FileNotFoundError: The file is missing. The message names the expected path.
    """
    if path is not None:
        resolved = Path(path).expanduser()
        if not resolved.is_file():
            raise FileNotFoundError(
                f"{what} weight file not found at {str(resolved)!r}; download {source} and "
                "pass its path, or leave the path unset to use the torch hub cache"
            )
        return resolved

    cached = Path(torch.hub.get_dir()) / "checkpoints" / filename
    if not cached.is_file():
        raise FileNotFoundError(
            f"{what} weights not found: no path was given and {str(cached)!r} does not exist. "
            f"Download {source}, save it as {str(cached)!r}, or pass its path explicitly. "
            "Nothing is downloaded automatically."
        )
    return cached


def build_fid_inception(
    weights: str | os.PathLike | None = None,
    resize_input: bool = True,
    device: torch.device | str | None = None,
) -> FIDInceptionV3:
    """Build the FID Inception and load the pytorch-fid weights.

    Args:
        weights: Path of ``pt_inception-2015-12-05-6726825d.pth``; None looks in the
            torch hub cache.
        resize_input: See :class:`FIDInceptionV3`.
        device: Device to move the network to. Defaults to CPU.

    Returns:
        The network in eval mode.

    Raises:
        FileNotFoundError: The weight file is missing (the message names the expected path).
        RuntimeError: The file's keys or shapes do not match the FID Inception.
    """
    path = resolve_weights_path(
        weights, FID_WEIGHTS_FILENAME, "FID Inception", f"{FID_WEIGHTS_URL} (pytorch-fid release)"
    )
    model = FIDInceptionV3(resize_input=resize_input)
    state_dict = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state_dict)
    _logger.info("Loaded FID Inception weights from %s", path)
    return model.to(device) if device is not None else model
