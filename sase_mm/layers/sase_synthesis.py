"""SASE synthesis layer: a spatially-adaptive skip-layer excitation for generators.

The layer follows eqs. 4-5 of "Learning Spatially-Adaptive Squeeze-Excitation Networks for Image
Synthesis and Image Recognition" (SASE paper). A low-resolution source map ``X`` is split along
its channels into ``g`` groups. Group ``i`` gives

* a query ``Q_i`` of shape ``(C_Y, 1, 1)``: the group is squeezed spatially (global average
  pooling) and mapped by a two-layer bottleneck to one weight per target channel;
* a key ``K_i`` of shape ``(1, H_Y, W_Y)``: the group is squeezed along its channels by 1x1 and
  3x3 convolutions to one sigmoid map, upsampled (nearest) to the target size.

The attention ``W = sum_i(Q_i * K_i) / sum_i(K_i)`` has the full target shape ``(C_Y, H_Y, W_Y)``
and the output is ``W * Y``. ``W`` is a key-weighted average of the queries at every pixel.

The authors' public code (GitHub Torment123/SLIM_code, ``InceptionBlock``) differs from the
equations in ways that this layer offers as options, with the SASE paper as the default:

* ``query_activation=None`` drops the sigmoid on the query (the code has none);
* ``residual=True`` returns ``(W + 1) * Y`` (the code's modulation around 1);
* ``key_noise='learned'`` adds Gaussian noise scaled by a learned scalar (starting at 0) to the key
  logits, as the code's 1024-px model does; ``key_noise='fixed'`` adds noise of a fixed standard
  deviation (the paper's appendix A.2 uses zero mean and unit variance at 1024 px).

Both the paper's appendix and the code dilate the key branch's 3x3 convolutions: ``dilation``.
"""
import logging
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from sase_mm.layers._in_place import can_multiply_in_place

__all__ = ["SASESynthesis"]

_logger = logging.getLogger(__name__)

_QUERY_ACTIVATIONS = ("sigmoid", None)
_KEY_NOISE_MODES = ("none", "fixed", "learned")


def _maybe_spectral_norm(module: nn.Module, enabled: bool) -> nn.Module:
    return spectral_norm(module) if enabled else module


class SASESynthesis(nn.Module):
    """Spatially-adaptive squeeze-excitation from a source map onto a target map (eqs. 4-5).

    Args:
        source_channels (int): Channels ``C_X`` of the low-resolution source map ``X``.
        target_channels (int): Channels ``C_Y`` of the modulated target map ``Y``.
        groups (int): Number of groups (heads) ``g`` that ``C_X`` is split into; it must divide
            ``source_channels``. Defaults to 4.
        reduction (int): Bottleneck ratio ``r`` of both branches: each group's hidden width is
            ``max(1, C_X / g / r)``. Defaults to 16, as in the authors' code.
        key_depth (int): Number of 3x3 conv-BN-ReLU blocks in the key branch between its 1x1
            squeeze and its 1x1 projection to one map. Defaults to 2.
        dilation (int): Dilation of the key branch's 3x3 convolutions. Defaults to 1.
        query_activation (str | None): ``'sigmoid'`` (paper) or ``None`` (authors' code).
            Defaults to ``'sigmoid'``.
        residual (bool): Return ``(W + 1) * Y`` instead of ``W * Y`` (authors' code).
            Defaults to False.
        key_noise (str): Gaussian noise on the key logits before the sigmoid: ``'none'``,
            ``'fixed'`` (standard deviation ``key_noise_std``) or ``'learned'`` (one learned
            scale, initialised to 0). Defaults to ``'none'``.
        key_noise_std (float): Standard deviation of the ``'fixed'`` key noise. Defaults to 1.0.
        eps (float): Lower bound of the denominator ``sum_i K_i``, so that the division stays
            finite even when every key map underflows to 0. Defaults to 1e-6.
        use_spectral_norm (bool): Spectral-normalise every conv and linear layer, as FastGAN
            does. Defaults to True.

    Raises:
        ValueError: If ``groups`` does not divide ``source_channels``, or an option is unknown.
    """

    def __init__(
        self,
        source_channels: int,
        target_channels: int,
        groups: int = 4,
        reduction: int = 16,
        key_depth: int = 2,
        dilation: int = 1,
        query_activation: Optional[str] = "sigmoid",
        residual: bool = False,
        key_noise: str = "none",
        key_noise_std: float = 1.0,
        eps: float = 1e-6,
        use_spectral_norm: bool = True,
        device: Optional[torch.device] = None,
        dtype: Optional[torch.dtype] = None,
    ) -> None:
        super().__init__()
        if groups < 1 or source_channels % groups != 0:
            raise ValueError(
                f"groups={groups} must be a positive divisor of source_channels={source_channels}; "
                f"choose groups from the divisors of {source_channels}."
            )
        if reduction < 1:
            raise ValueError(f"reduction={reduction} must be >= 1.")
        if key_depth < 0:
            raise ValueError(f"key_depth={key_depth} must be >= 0.")
        if query_activation not in _QUERY_ACTIVATIONS:
            raise ValueError(
                f"query_activation={query_activation!r} is not supported; use one of "
                f"{_QUERY_ACTIVATIONS}."
            )
        if key_noise not in _KEY_NOISE_MODES:
            raise ValueError(f"key_noise={key_noise!r} is not supported; use one of {_KEY_NOISE_MODES}.")

        factory = dict(device=device, dtype=dtype)
        self.source_channels = source_channels
        self.target_channels = target_channels
        self.groups = groups
        self.group_channels = source_channels // groups
        self.hidden_channels = max(1, self.group_channels // reduction)
        self.query_activation = query_activation
        self.residual = residual
        self.key_noise = key_noise
        self.key_noise_std = key_noise_std
        self.eps = eps

        self.query = nn.ModuleList(
            [self._build_query(use_spectral_norm, factory) for _ in range(groups)]
        )
        self.key = nn.ModuleList(
            [self._build_key(key_depth, dilation, use_spectral_norm, factory) for _ in range(groups)]
        )
        if key_noise == "learned":
            self.key_noise_scale = nn.Parameter(torch.zeros(1, **factory))
        else:
            self.register_parameter("key_noise_scale", None)

    def _build_query(self, use_sn: bool, factory: dict) -> nn.Sequential:
        hidden = self.hidden_channels
        return nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(1),
            _maybe_spectral_norm(nn.Linear(self.group_channels, hidden, **factory), use_sn),
            nn.BatchNorm1d(hidden, **factory),
            nn.ReLU(inplace=True),
            _maybe_spectral_norm(nn.Linear(hidden, self.target_channels, **factory), use_sn),
        )

    def _build_key(self, depth: int, dilation: int, use_sn: bool, factory: dict) -> nn.Sequential:
        hidden = self.hidden_channels
        layers = [
            _maybe_spectral_norm(nn.Conv2d(self.group_channels, hidden, 1, **factory), use_sn),
            nn.BatchNorm2d(hidden, **factory),
            nn.ReLU(inplace=True),
        ]
        for _ in range(depth):
            conv = nn.Conv2d(hidden, hidden, 3, padding=dilation, dilation=dilation, **factory)
            layers += [_maybe_spectral_norm(conv, use_sn), nn.BatchNorm2d(hidden, **factory), nn.ReLU(inplace=True)]
        layers.append(_maybe_spectral_norm(nn.Conv2d(hidden, 1, 1, **factory), use_sn))
        return nn.Sequential(*layers)

    def compute_query(self, source: torch.Tensor) -> torch.Tensor:
        """Compute the per-group query vectors ``Q_i`` (the channel or style codes).

        Args:
            source: Source map ``X`` of shape ``(B, C_X, H_X, W_X)``.

        Returns:
            Queries of shape ``(B, g, C_Y)``.
        """
        chunks = source.split(self.group_channels, dim=1)
        query = torch.stack([branch(chunk) for branch, chunk in zip(self.query, chunks)], dim=1)
        if self.query_activation == "sigmoid":
            query = torch.sigmoid(query)
        return query

    def compute_key(self, source: torch.Tensor, size: tuple) -> torch.Tensor:
        """Compute the per-group key maps ``K_i`` (the spatial masks) at the target size.

        Args:
            source: Source map ``X`` of shape ``(B, C_X, H_X, W_X)``.
            size: Target spatial size ``(H_Y, W_Y)``.

        Returns:
            Key maps in (0, 1) of shape ``(B, g, H_Y, W_Y)``.
        """
        chunks = source.split(self.group_channels, dim=1)
        logits = torch.cat([branch(chunk) for branch, chunk in zip(self.key, chunks)], dim=1)
        if self.key_noise == "fixed":
            logits = logits + self.key_noise_std * torch.randn_like(logits)
        elif self.key_noise == "learned":
            logits = logits + self.key_noise_scale * torch.randn_like(logits)
        key = torch.sigmoid(logits)
        return F.interpolate(key, size=tuple(size), mode="nearest")

    def combine(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """Combine queries and keys into the attention ``W`` of eq. 5.

        Args:
            query: Queries of shape ``(B, g, C_Y)``.
            key: Key maps of shape ``(B, g, H_Y, W_Y)``.

        Returns:
            Attention of shape ``(B, C_Y, H_Y, W_Y)``, plus 1 when ``residual`` is set.
        """
        # Dividing the g key maps before the weighted sum gives the same attention as dividing
        # its C_Y channels after it. The division and its gradient then stay off the full map.
        denominator = key.sum(dim=1, keepdim=True).clamp_min(self.eps)
        attention = torch.einsum("bgc,bghw->bchw", query, key / denominator)
        if self.residual:
            attention = attention + 1
        return attention

    def forward(
        self,
        source: torch.Tensor,
        target: torch.Tensor,
        query: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """Modulate the target map by the attention computed from the source map.

        Args:
            source: Source map ``X`` of shape ``(B, C_X, H_X, W_X)``.
            target: Target map ``Y`` of shape ``(B, C_Y, H_Y, W_Y)``.
            query: Optional queries ``(B, g, C_Y)`` that replace the ones computed from ``source``
                (style mixing: queries from one image's generation, keys from another's).

        Returns:
            ``W * Y`` with the shape of ``target``.

        Raises:
            ValueError: If the channels or batch sizes of the inputs do not match the layer.
        """
        if source.shape[1] != self.source_channels or target.shape[1] != self.target_channels:
            raise ValueError(
                f"SASESynthesis expects {self.source_channels} source and {self.target_channels} "
                f"target channels; got source {tuple(source.shape)} and target {tuple(target.shape)}."
            )
        if source.shape[0] != target.shape[0]:
            raise ValueError(
                f"source batch {source.shape[0]} differs from target batch {target.shape[0]}."
            )
        if query is None:
            query = self.compute_query(source)
        key = self.compute_key(source, target.shape[-2:])
        attention = self.combine(query, key)
        if can_multiply_in_place(attention, target):
            # The attention map is this call's own, so the product may overwrite it instead
            # of allocating another full-size tensor.
            return attention.mul_(target)
        return attention * target

    def extra_repr(self) -> str:
        return (
            f"source_channels={self.source_channels}, target_channels={self.target_channels}, "
            f"groups={self.groups}, hidden_channels={self.hidden_channels}, "
            f"query_activation={self.query_activation}, residual={self.residual}, "
            f"key_noise={self.key_noise}"
        )
