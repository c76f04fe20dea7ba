"""Spatially-Adaptive Squeeze-Excitation (SASE) attention, recognition form.

The layer replaces the 3x3 convolution of a ResNet bottleneck. For an input
``X`` of ``C`` channels split into ``g`` heads ``X_i`` of ``d = C / g``
channels each, it computes (SASE paper, Li et al., eqs. 9-13)::

    Q_i = SE(X_i)                           # (d, 1, 1), spatially squeezed
    K_i = Conv3x3(Conv3x3-BN-ReLU(X_i))     # (d, H, W)
    V_i = Conv3x3(X_i)                      # (d, H, W)
    A_i = Softmax_over_d(Q_i * K_i)         # (d, H, W), sums to 1 over d
    X'  = Concat_i(A_i * V_i)

The query is a channel vector that summarises all positions, the key keeps
locality, and their broadcast product is a full ``C x H x W`` attention whose
cost is linear in the number of pixels (multi-head self-attention is quadratic).

The per-head transforms are grouped convolutions with ``groups = g``, so the
whole layer runs without a Python loop over heads.
"""
from __future__ import annotations

import logging
from typing import Optional, Type, Union

import torch
from torch import nn

try:  # Newer torch releases tell FX symbolic tracing apart from torch.export.
    from torch.fx._symbolic_trace import is_fx_symbolic_tracing as is_fx_tracing
except ImportError:
    from torch.fx._symbolic_trace import is_fx_tracing
from timm.layers import get_act_layer, get_norm_layer
# NOTE: a private name of torch (the hooks of register_module_forward_hook), present in 2.14.
from torch.nn.modules.module import _global_forward_hooks

from sase_mm.layers._in_place import can_multiply_in_place

__all__ = ["SASEAttention", "is_fx_tracing"]

_logger = logging.getLogger(__name__)

LayerType = Union[str, Type[nn.Module]]


def _check_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _divide_exactly(numerator: int, denominator: int, what: str, fix: str) -> int:
    """Return ``numerator // denominator`` and raise if it leaves a remainder or zero."""
    if numerator % denominator != 0 or numerator // denominator == 0:
        raise ValueError(
            f"{what}: {numerator} is not a positive multiple of {denominator}. {fix}"
        )
    return numerator // denominator


def _is_channels_last(tensor: torch.Tensor) -> bool:
    """Return True for a 4-D tensor laid out channels-last and not also contiguous."""
    return tensor.is_contiguous(memory_format=torch.channels_last) and not tensor.is_contiguous()


class SASEAttention(nn.Module):
    """SASE attention layer, a drop-in replacement for a 3x3 convolution.

    The query of each head is a squeeze-excitation (global average pool, a
    1x1 reduction by ``se_reduction``, the activation, a 1x1 expansion and a
    sigmoid). The key of each head is a 3x3 convolution to ``d / key_reduction``
    channels, normalisation and activation, then a 3x3 convolution back to the
    head's output width. The value is one 3x3 convolution per head.

    Where the paper is silent, this layer chooses:

    * the SE gate keeps its sigmoid (``SE(X)`` in the paper is the SE
      excitation, which ends in a sigmoid);
    * the key's inner width is ``in_channels / key_reduction``, because the
      paper's Fig. 2 squeezes the key branch by ``r = 4``;
    * with ``stride=2`` and ``pool_stride=True`` (default) the attention runs
      at the input resolution and a 2x2 average pool follows it, as BoTNet
      does for its attention blocks. This reproduces the 3.36 GFLOPs of the
      paper's Table 8 for SASE-ResNet50. ``pool_stride=False`` puts the stride
      into the key's first and the value convolution instead, which is cheaper.

    Args:
        in_channels: Number of input channels ``C``.
        out_channels: Number of output channels. Defaults to ``in_channels``.
        stride: Spatial stride, 1 or 2. The output size is ``ceil(H / stride)``.
        dilation: Dilation of the key and value 3x3 convolutions.
        groups: Number of heads ``g``; it must divide both channel counts.
        key_reduction: Squeeze ratio of the key branch's inner convolution.
        se_reduction: Reduction ratio of each head's squeeze-excitation.
        pool_stride: Apply ``stride=2`` by average pooling after the attention
            (True) or inside the key and value convolutions (False).
        norm_layer: Normalisation layer of the key branch (class or timm name).
        act_layer: Activation of the key branch and the SE (class or timm name);
            a class must accept ``inplace=``.
        device: Device of the parameters.
        dtype: Data type of the parameters.

    Raises:
        ValueError: If an argument is not a positive integer or ``stride`` is
            not 1 or 2. Also if a channel count is not divisible by ``groups``,
            a head would have fewer than 2 output channels, or a reduction
            leaves a head with zero channels.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: Optional[int] = None,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 4,
        key_reduction: int = 4,
        se_reduction: int = 4,
        pool_stride: bool = True,
        norm_layer: LayerType = nn.BatchNorm2d,
        act_layer: LayerType = nn.ReLU,
        device: Optional[torch.device] = None,
        dtype: Optional[torch.dtype] = None,
    ) -> None:
        super().__init__()
        dd = {"device": device, "dtype": dtype}
        out_channels = in_channels if out_channels is None else out_channels
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups), ("dilation", dilation),
                            ("key_reduction", key_reduction), ("se_reduction", se_reduction)):
            _check_positive_int(name, value)
        if stride not in (1, 2) or isinstance(stride, bool):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}.")

        in_head_channels = _divide_exactly(
            in_channels, groups, "in_channels must split evenly into the heads",
            f"Choose groups (now {groups}) that divides in_channels.",
        )
        out_head_channels = _divide_exactly(
            out_channels, groups, "out_channels must split evenly into the heads",
            f"Choose groups (now {groups}) that divides out_channels.",
        )
        if out_head_channels < 2:
            raise ValueError(
                f"Each head has {out_head_channels} output channel(s) (out_channels={out_channels}, "
                f"groups={groups}); the softmax over one channel is constant 1, so use fewer groups."
            )
        key_head_channels = _divide_exactly(
            in_head_channels, key_reduction,
            f"key_reduction={key_reduction} must leave each head's key branch with channels",
            f"Each head has {in_head_channels} input channels; use a key_reduction that divides it.",
        )
        se_head_channels = _divide_exactly(
            in_head_channels, se_reduction,
            f"se_reduction={se_reduction} must leave each head's squeeze-excitation with channels",
            f"Each head has {in_head_channels} input channels; use an se_reduction that divides it.",
        )

        norm_layer = get_norm_layer(norm_layer)
        act_layer = get_act_layer(act_layer)

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.head_channels = out_head_channels
        self.stride = stride
        conv_stride = 1 if pool_stride else stride

        # Query: one squeeze-excitation per head, as grouped 1x1 convolutions.
        self.query = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(in_channels, se_head_channels * groups, 1, groups=groups, **dd),
            act_layer(inplace=True),
            nn.Conv2d(se_head_channels * groups, out_channels, 1, groups=groups, **dd),
            nn.Sigmoid(),
        )

        # Key: conv3x3-BN-act to the squeezed width, then conv3x3 to the head width.
        self.key = nn.Sequential(
            nn.Conv2d(
                in_channels, key_head_channels * groups, 3, stride=conv_stride,
                padding=dilation, dilation=dilation, groups=groups, bias=False, **dd,
            ),
            norm_layer(key_head_channels * groups, **dd),
            act_layer(inplace=True),
            nn.Conv2d(
                key_head_channels * groups, out_channels, 3, padding=dilation,
                dilation=dilation, groups=groups, bias=False, **dd,
            ),
        )

        # Value: one conv3x3 per head.
        # NOTE: the key's first convolution and the value convolution read the same input. One
        # fused grouped convolution for both was no faster on the 2-core development CPU: 319 ms
        # against 321 ms, forward and backward over SASE-ResNet50's stage shapes at batch 8.
        self.value = nn.Conv2d(
            in_channels, out_channels, 3, stride=conv_stride, padding=dilation,
            dilation=dilation, groups=groups, bias=False, **dd,
        )

        if stride == 2 and pool_stride:
            # ceil_mode keeps the output size equal to a stride-2 padded conv's.
            self.pool = nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)
        else:
            self.pool = nn.Identity()

    @torch.jit.ignore
    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"SASEAttention expects input of shape (B, {self.in_channels}, H, W), "
                f"got {tuple(x.shape)}."
            )

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Compute the attention ``A`` of eq. 12.

        Args:
            x: Input of shape ``(B, in_channels, H, W)``.

        Returns:
            Attention of shape ``(B, groups, head_channels, H', W')`` that sums
            to 1 over dimension 2 (each head's channels), where ``H'`` is ``H``
            unless the stride sits in the convolutions.
        """
        query = self.query(x)
        key = self.key(x)
        batch, _, height, width = key.shape
        logits = self._product(key, query)
        channels_last = False
        if not torch.jit.is_scripting():
            # FX cannot trace a branch on the memory layout; traced graphs take the NCHW path.
            if not is_fx_tracing():
                channels_last = _is_channels_last(logits)
        if channels_last:
            # Channels are innermost in memory here, so a softmax over the last dimension of a
            # (B, H, W, g, d) view runs on contiguous rows and keeps the channels-last layout.
            # A softmax over dimension 2 would first copy the tensor to NCHW.
            heads_last = logits.permute(0, 2, 3, 1).view(
                batch, height, width, self.groups, self.head_channels)
            return heads_last.softmax(dim=-1).permute(0, 3, 4, 1, 2)
        logits = logits.view(batch, self.groups, self.head_channels, height, width)
        return logits.softmax(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the attention to the value (eq. 13).

        Args:
            x: Input of shape ``(B, in_channels, H, W)``.

        Returns:
            Output of shape ``(B, out_channels, ceil(H / stride), ceil(W / stride))``.

        Raises:
            ValueError: If ``x`` is not 4-D or has other than ``in_channels`` channels.
        """
        if not torch.jit.is_scripting():
            if not is_fx_tracing():
                self._check_input(x)
        attention = self.attention(x)
        value = self.value(x)
        batch, _, height, width = value.shape
        value = value.view(batch, self.groups, self.head_channels, height, width)
        out = self._product(value, attention).reshape(batch, self.out_channels, height, width)
        return self.pool(out)

    def _product(self, fresh: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        """Return ``fresh * other``, written into ``fresh`` where that gives the same result.

        ``fresh`` must be the output of the key or the value convolution. The
        products of eqs. 12-13 then save allocating one full ``C x H x W`` map
        each (on CPU a fresh large map costs page faults). With a forward hook
        on those convolutions, and in FX-traced or scripted graphs, the product
        is always a new tensor.
        """
        if not torch.jit.is_scripting():
            if self._can_write_in_place(fresh, other):
                return fresh.mul_(other)
        return fresh * other

    @torch.jit.ignore
    def _can_write_in_place(self, fresh: torch.Tensor, other: torch.Tensor) -> bool:
        if is_fx_tracing() or not can_multiply_in_place(fresh, other):
            return False
        # A forward hook may keep the convolution output that the product would overwrite.
        if _global_forward_hooks:
            return False
        return not any(module._forward_hooks for module in (self.key, self.key[-1], self.value))

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"groups={self.groups}, stride={self.stride}"
        )
