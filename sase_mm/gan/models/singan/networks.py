"""Per-scale networks of SinGAN and its SLE and SASE variants.

One scale of SinGAN's generator is a head, ``num_layers - 2`` body blocks and a tail; each block
is an unpadded 3x3 convolution, batch normalisation and LeakyReLU(0.2), and the tail ends in
tanh. The input is zero-padded so that the output has the input's size. Vanilla SinGAN adds the
upsampled previous image to the tail's output (residual learning).

The SLE and SASE variants (SASE paper, Fig. 3 right) connect the head's output (source) to the
body's output (target) of every scale above the coarsest and drop that residual there.
"""
from typing import Optional

import torch
from torch import nn
from torch.nn import functional as F

from sase_mm.layers.sase_synthesis import SASESynthesis

__all__ = [
    "ConvBlock",
    "SinGANGenerator",
    "SinGANDiscriminator",
    "SameResolutionSLE",
    "SinGANSASE",
    "SKIP_TYPES",
    "SASE_FORMS",
    "init_singan_weights",
]

SKIP_TYPES = (None, "sle", "sase")
SASE_FORMS = ("paper", "authors")


def init_singan_weights(module: nn.Module) -> None:
    """Initialise convolutions with N(0, 0.02) and norm weights with N(1, 0.02), as SinGAN does."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ConvBlock(nn.Sequential):
    """Unpadded convolution, optional batch normalisation and LeakyReLU.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Odd kernel size. Defaults to 3.
        norm (bool): Add batch normalisation. Defaults to True.
        negative_slope (float): Slope of the LeakyReLU. Defaults to 0.2.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        norm: bool = True,
        negative_slope: float = 0.2,
    ) -> None:
        super().__init__()
        self.add_module("conv", nn.Conv2d(in_channels, out_channels, kernel_size))
        if norm:
            self.add_module("norm", nn.BatchNorm2d(out_channels))
        # Not in place: the upstream in-place activations took part in the autograd errors.
        self.add_module("act", nn.LeakyReLU(negative_slope))


def _check_layers(num_layers: int, kernel_size: int) -> None:
    if num_layers < 2:
        raise ValueError(f"num_layers={num_layers} must be at least 2 (a head and a tail).")
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size={kernel_size} must be a positive odd number, for example 3.")


def _body_widths(channels: int, min_channels: int, num_layers: int) -> list:
    # SinGAN halves the width at every body block but never goes below min_channels.
    return [max(channels // 2 ** (index + 1), min_channels) for index in range(num_layers - 2)]


class SameResolutionSLE(nn.Module):
    """Skip-layer excitation (FastGAN) between two maps of one scale.

    ``source`` is average-pooled to 4x4, a 4x4 convolution and Swish give one vector, and a 1x1
    convolution and sigmoid turn it into one weight per target channel. Unlike FastGAN's SLE the
    convolutions are not spectral-normalised, like the rest of SinGAN.

    Args:
        source_channels (int): Channels of the source map.
        target_channels (int): Channels of the modulated target map.
    """

    def __init__(self, source_channels: int, target_channels: int) -> None:
        super().__init__()
        self.excitation = nn.Sequential(
            nn.AdaptiveAvgPool2d(4),
            nn.Conv2d(source_channels, target_channels, 4),
            nn.SiLU(),
            nn.Conv2d(target_channels, target_channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Scale every channel of ``target`` by a weight computed from ``source``."""
        return target * self.excitation(source)


class SinGANSASE(SASESynthesis):
    """SASE synthesis layer as SinGAN uses it, without batch normalisation in the query.

    SinGAN trains with a batch of one image, where the query's BatchNorm1d of the FastGAN layer
    cannot compute statistics, and the authors' SinGAN code (GitHub Torment123/SLIM_code,
    ``SLIM-SinGAN/SinGAN/models.py``) has none: its query is linear, ReLU, linear. Two forms:

    * ``'paper'`` (default): eqs. 4-5, ``W = sum_i(sigmoid(Q_i) K_i) / sum_i K_i`` and ``W * Y``;
    * ``'authors'``: the code's query without sigmoid and the modulation ``(W + 1) * Y``.

    Both use the code's widths (reduction 1, so each group keeps its channels), plain
    convolutions and the key dilation given by the caller (the code uses 5 at scales 1-3 and 8
    above).

    Args:
        channels (int): Channels of the source and target maps.
        groups (int): Number of groups (heads). Defaults to 4.
        dilation (int): Dilation of the key branch's 3x3 convolutions. Defaults to 5.
        form (str): ``'paper'`` or ``'authors'``. Defaults to ``'paper'``.
    """

    def __init__(self, channels: int, groups: int = 4, dilation: int = 5, form: str = "paper") -> None:
        if form not in SASE_FORMS:
            raise ValueError(f"form={form!r} is not supported; use one of {SASE_FORMS}.")
        super().__init__(
            channels,
            channels,
            groups=groups,
            reduction=1,
            key_depth=2,
            dilation=dilation,
            query_activation="sigmoid" if form == "paper" else None,
            residual=form == "authors",
            use_spectral_norm=False,
        )
        self.form = form

    def _build_query(self, use_sn: bool, factory: dict) -> nn.Sequential:
        return nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(1),
            nn.Linear(self.group_channels, self.hidden_channels, **factory),
            nn.ReLU(),
            nn.Linear(self.hidden_channels, self.target_channels, **factory),
        )


class SinGANGenerator(nn.Module):
    """Generator of one SinGAN scale.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        channels (int): Width of the head. Defaults to 32.
        min_channels (int): Smallest width of the body blocks. Defaults to 32.
        num_layers (int): Convolutions in total (head, body blocks, tail). Defaults to 5.
        kernel_size (int): Odd kernel size of every convolution. Defaults to 3.
        skip (str | None): Module from the head's output to the body's output: ``None``
            (vanilla SinGAN), ``'sle'`` or ``'sase'``. Defaults to None.
        residual (bool): Add the previous (upsampled) image to the output. Defaults to True.
        sase_groups (int): Groups of the SASE layer. Defaults to 4.
        sase_dilation (int): Key dilation of the SASE layer. Defaults to 5.
        sase_form (str): ``'paper'`` or ``'authors'``, see :class:`SinGANSASE`.
            Defaults to ``'paper'``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: int = 32,
        min_channels: int = 32,
        num_layers: int = 5,
        kernel_size: int = 3,
        skip: Optional[str] = None,
        residual: bool = True,
        sase_groups: int = 4,
        sase_dilation: int = 5,
        sase_form: str = "paper",
    ) -> None:
        super().__init__()
        _check_layers(num_layers, kernel_size)
        if skip not in SKIP_TYPES:
            raise ValueError(f"skip={skip!r} is not supported; use one of {SKIP_TYPES}.")

        widths = _body_widths(channels, min_channels, num_layers)
        self.residual = residual
        self.padding = num_layers * (kernel_size // 2)
        self.head = ConvBlock(in_channels, channels, kernel_size)
        self.body = nn.Sequential(
            *[
                ConvBlock(width_in, width_out, kernel_size)
                for width_in, width_out in zip([channels] + widths[:-1], widths)
            ]
        )
        body_channels = widths[-1] if widths else channels
        self.tail = nn.Sequential(nn.Conv2d(body_channels, in_channels, kernel_size), nn.Tanh())

        if skip == "sle":
            self.skip = SameResolutionSLE(channels, body_channels)
        elif skip == "sase":
            if channels != body_channels:
                raise ValueError(
                    f"SASE needs equal head and body widths; got {channels} and {body_channels}. "
                    "Set min_channels equal to channels."
                )
            self.skip = SinGANSASE(channels, sase_groups, sase_dilation, sase_form)
        else:
            self.skip = None

    def forward(self, noisy_image: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        """Generate the image of this scale.

        Args:
            noisy_image: ``noise_amplitude * z + previous``, shape ``(B, C, H, W)``.
            previous: The upsampled image of the coarser scale (zeros at the coarsest).

        Returns:
            The image, shape ``(B, C, H, W)``.
        """
        padded = F.pad(noisy_image, [self.padding] * 4)
        features = self.head(padded)
        source = features
        features = self.body(features)
        if self.skip is not None:
            features = self.skip(source, features)
        output = self.tail(features)
        if self.residual:
            output = output + previous
        return output


class SinGANDiscriminator(nn.Module):
    """Markovian (patch) critic of one SinGAN scale: head, body blocks, one-channel tail.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        channels (int): Width of the head. Defaults to 32.
        min_channels (int): Smallest width of the body blocks. Defaults to 32.
        num_layers (int): Convolutions in total. Defaults to 5.
        kernel_size (int): Odd kernel size. Defaults to 3.
        norm (bool): Batch normalisation in the blocks (SinGAN: yes, ConSinGAN: no).
            Defaults to True.
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: int = 32,
        min_channels: int = 32,
        num_layers: int = 5,
        kernel_size: int = 3,
        norm: bool = True,
        negative_slope: float = 0.2,
    ) -> None:
        super().__init__()
        _check_layers(num_layers, kernel_size)
        widths = _body_widths(channels, min_channels, num_layers)
        self.head = ConvBlock(in_channels, channels, kernel_size, norm, negative_slope)
        self.body = nn.Sequential(
            *[
                ConvBlock(width_in, width_out, kernel_size, norm, negative_slope)
                for width_in, width_out in zip([channels] + widths[:-1], widths)
            ]
        )
        self.tail = nn.Conv2d(widths[-1] if widths else channels, 1, kernel_size)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Score every receptive field of ``image``; the map is smaller than the image."""
        return self.tail(self.body(self.head(image)))
