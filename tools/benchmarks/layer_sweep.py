"""Layer sweep: the SASE layer against multi-head self-attention, per pixel.

Both layers map ``width`` channels to ``width`` channels with the same number
of heads. The attention layer follows the MHSA equations (6)-(8) of the SASE
paper ("Learning Spatially-Adaptive Squeeze-Excitation Networks for Image
Synthesis and Image Recognition"). One 1x1 projection gives query, key and
value, each head runs scaled dot-product attention, and the heads are
concatenated back. There is no output projection and no positional encoding,
as in the equations. The attention itself is
``torch.nn.functional.scaled_dot_product_attention``, so PyTorch picks its
fastest kernel.

Every call processes the same number of pixels (``pixels_per_call``): the batch
shrinks as the image grows. The fixed cost of a call (Python and operator
dispatch) is then equal at every size. A layer whose cost is linear in the
number of pixels then shows a flat time per pixel, while the time per pixel of
attention, quadratic in the tokens of one image, grows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from tools.benchmarks.timing import median, paired_ratios, synchronizer, time_alternating

__all__ = ['MultiHeadSelfAttention2d', 'SweepPoint', 'run_layer_sweep']


class MultiHeadSelfAttention2d(nn.Module):
    """Multi-head self-attention over the pixels of a feature map.

    Args:
        channels (int): Input and output channels.
        heads (int): Number of heads; must divide ``channels``.
    """

    def __init__(self, channels: int, heads: int):
        super().__init__()
        if channels % heads:
            raise ValueError(f'heads ({heads}) must divide channels ({channels})')
        self.heads = heads
        self.qkv = nn.Conv2d(channels, 3 * channels, kernel_size=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        qkv = self.qkv(x).reshape(batch, 3, self.heads, channels // self.heads, height * width)
        query, key, value = qkv.transpose(-1, -2).unbind(dim=1)
        attended = F.scaled_dot_product_attention(query, key, value)
        return attended.transpose(-1, -2).reshape(batch, channels, height, width)


@dataclass
class SweepPoint:
    """Timings at one image side."""

    side: int
    batch_size: int
    seconds: Dict[str, List[float]] = field(default_factory=dict)

    @property
    def pixels(self) -> int:
        return self.batch_size * self.side * self.side

    def nanoseconds_per_pixel(self, layer: str) -> float:
        return median(self.seconds[layer]) / self.pixels * 1e9

    def ratio(self, numerator: str, denominator: str) -> float:
        return median(paired_ratios(self.seconds[numerator], self.seconds[denominator]))


def _forward_function(layer: nn.Module, inputs: torch.Tensor) -> Callable[[], object]:
    def run() -> object:
        with torch.inference_mode():
            return layer(inputs)

    return run


def run_layer_sweep(layers: Dict[str, nn.Module], width: int, sides: Sequence[int],
                    pixels_per_call: int, rounds: int, device: torch.device,
                    channels_last: bool, warmup: int = 1, min_sample_s: float = 0.2,
                    log: Optional[Callable[[str], None]] = None) -> List[SweepPoint]:
    """Time each layer's inference forward pass at every side.

    Args:
        layers: Name to layer mapping ``width`` to ``width`` channels.
        width: Channels of the input.
        sides: Image sides; each is a point of the sweep.
        pixels_per_call: Pixels per forward call, batch times side squared;
            must be at least the largest side squared.
        rounds: Alternating rounds per side.
        device: Where the layers and inputs live.
        channels_last: Feed channels-last inputs (layers converted too).
        warmup: Untimed calls per layer before each side's rounds.
        min_sample_s: Repeat calls within a sample until it lasts about this
            long (see ``time_alternating``).
        log: Progress callback.

    Returns:
        One ``SweepPoint`` per side, in the order given.

    Raises:
        ValueError: If a side is too large for ``pixels_per_call``.
    """
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    for layer in layers.values():
        layer.to(device=device, memory_format=memory_format).eval()
    points = []
    for side in sides:
        batch_size = pixels_per_call // (side * side)
        if batch_size < 1:
            raise ValueError(
                f'side {side} needs at least {side * side} pixels per call, got '
                f'pixels_per_call={pixels_per_call}; raise it or drop the side')
        inputs = torch.randn(batch_size, width, side, side, device=device)
        inputs = inputs.contiguous(memory_format=memory_format)
        candidates = {name: _forward_function(layer, inputs) for name, layer in layers.items()}
        seconds = time_alternating(candidates, rounds=rounds, warmup=warmup,
                                   synchronize=synchronizer(device), min_sample_s=min_sample_s)
        points.append(SweepPoint(side, batch_size, seconds))
        if log is not None:
            log(f'layer sweep {side}x{side} (batch {batch_size}): ' + ', '.join(
                f'{name} {median(values) * 1e3:.1f} ms' for name, values in seconds.items()))
    return points
