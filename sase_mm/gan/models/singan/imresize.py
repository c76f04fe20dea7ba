"""MATLAB-style bicubic resizing of image tensors, as SinGAN builds its pyramids with.

The algorithm is MATLAB's ``imresize(..., 'bicubic')``:

* Keys' cubic kernel with ``a = -0.5``;
* when shrinking (scale < 1) the kernel is stretched by ``1 / scale`` and scaled by ``scale``
  (antialiasing), so every input pixel contributes;
* output pixel ``x`` (1-based) samples the input at ``u = x / scale + 0.5 * (1 - 1 / scale)``;
* pixels outside the image are mirrored with the edge pixel repeated (``symmetric`` padding);
* each output pixel's weights are normalised to sum to 1;
* from a scale factor, the output size is ``ceil(scale * input size)``; from an output size, the
  scale of each axis is ``output size / input size``.

How this differs from MATLAB: it runs in the tensor's floating-point type (float32 by default,
MATLAB works in double) and never rounds or clips, where MATLAB rounds and saturates integer
images. The two axes are resized independently, so the order MATLAB picks (smaller scale first)
changes the result only by floating-point rounding. The resize is a product with two dense
weight matrices, so it is differentiable and runs on the tensor's device; memory grows with
``output size x input size`` per axis, which is small at SinGAN's sizes (at most a few hundred
pixels).

How this differs from ``torch.nn.functional.interpolate(mode='bicubic')``: PyTorch uses
``a = -0.75`` without antialiasing, and with ``antialias=True`` it uses ``a = -0.5`` but
truncates and renormalises the kernel at the border instead of mirroring the image.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch

__all__ = ["cubic_kernel", "resize_weights", "imresize"]

_KERNEL_WIDTH = 4.0


def cubic_kernel(x: torch.Tensor) -> torch.Tensor:
    """Evaluate Keys' cubic convolution kernel with ``a = -0.5`` (MATLAB's ``cubic``).

    Args:
        x: Distances in pixels.

    Returns:
        Kernel values with the shape of ``x``.
    """
    absx = x.abs()
    absx2 = absx**2
    absx3 = absx**3
    near = (1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1)
    far = (-0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2) * ((absx > 1) & (absx <= 2))
    return near + far


def resize_weights(
    in_length: int,
    out_length: int,
    scale: float,
    antialias: bool = True,
    dtype: torch.dtype = torch.float32,
    device: Optional[torch.device] = None,
) -> torch.Tensor:
    """Build the ``(out_length, in_length)`` matrix that resizes one axis.

    Args:
        in_length: Input length in pixels.
        out_length: Output length in pixels.
        scale: Scale factor of the axis; it sets the kernel width and the sample positions.
        antialias: Stretch the kernel when shrinking, as MATLAB does by default.
        dtype: Floating-point type of the matrix.
        device: Device of the matrix.

    Returns:
        The weight matrix; row ``i`` holds the weights of output pixel ``i``.
    """
    # The weights are computed in double precision, then cast once.
    positions = torch.arange(1, out_length + 1, dtype=torch.float64)
    if scale < 1 and antialias:
        kernel_width = _KERNEL_WIDTH / scale

        def kernel(distance: torch.Tensor) -> torch.Tensor:
            return scale * cubic_kernel(scale * distance)

    else:
        kernel_width = _KERNEL_WIDTH
        kernel = cubic_kernel

    centres = positions / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(centres - kernel_width / 2)
    taps = math.ceil(kernel_width) + 2
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64)[None, :]
    weights = kernel(centres[:, None] - indices)
    weights = weights / weights.sum(dim=1, keepdim=True)

    # Symmetric boundary: 1..n followed by n..1, indexed cyclically (1-based indices).
    mirror = torch.cat([torch.arange(in_length), torch.arange(in_length - 1, -1, -1)])
    source = mirror[torch.remainder(indices.long() - 1, 2 * in_length)]

    matrix = torch.zeros(out_length, in_length, dtype=torch.float64)
    matrix.scatter_add_(1, source, weights)
    return matrix.to(dtype=dtype, device=device)


def _resolve_size_and_scale(
    in_size: Tuple[int, int],
    scale_factor: Optional[Union[float, Sequence[float]]],
    output_size: Optional[Sequence[int]],
) -> Tuple[Tuple[int, int], Tuple[float, float]]:
    if (scale_factor is None) == (output_size is None):
        raise ValueError(
            "imresize needs exactly one of scale_factor and output_size; "
            f"got scale_factor={scale_factor!r} and output_size={output_size!r}."
        )
    if output_size is not None:
        out_size = (int(output_size[0]), int(output_size[1]))
        if min(out_size) < 1:
            raise ValueError(f"output_size={tuple(output_size)} must be positive.")
        scales = (out_size[0] / in_size[0], out_size[1] / in_size[1])
        return out_size, scales

    if isinstance(scale_factor, (int, float)):
        scales = (float(scale_factor), float(scale_factor))
    else:
        scales = (float(scale_factor[0]), float(scale_factor[1]))
    if min(scales) <= 0:
        raise ValueError(f"scale_factor={scale_factor!r} must be positive.")
    # Rounding guards against 24.999999 becoming 25 and 25.000001 becoming 26.
    out_size = (
        math.ceil(round(in_size[0] * scales[0], 6)),
        math.ceil(round(in_size[1] * scales[1], 6)),
    )
    return out_size, scales


def imresize(
    image: torch.Tensor,
    scale_factor: Optional[Union[float, Sequence[float]]] = None,
    output_size: Optional[Sequence[int]] = None,
    antialias: bool = True,
) -> torch.Tensor:
    """Resize images with MATLAB's bicubic ``imresize`` algorithm.

    Args:
        image: Images of shape ``(..., H, W)`` with a floating-point type.
        scale_factor: One factor for both axes, or ``(height factor, width factor)``.
        output_size: Output ``(height, width)``; give this or ``scale_factor``.
        antialias: Stretch the kernel when shrinking (MATLAB's default). Defaults to True.

    Returns:
        The resized images, same type and device as ``image``.

    Raises:
        ValueError: If both or neither of ``scale_factor`` and ``output_size`` are given, or a
            size or factor is not positive.
        TypeError: If ``image`` is not a floating-point tensor.
    """
    if not torch.is_floating_point(image):
        raise TypeError(f"imresize expects a floating-point tensor; got {image.dtype}.")
    in_size = (image.shape[-2], image.shape[-1])
    out_size, scales = _resolve_size_and_scale(in_size, scale_factor, output_size)
    if out_size == in_size and scales == (1.0, 1.0):
        return image

    factory = dict(dtype=image.dtype, device=image.device)
    rows = resize_weights(in_size[0], out_size[0], scales[0], antialias, **factory)
    columns = resize_weights(in_size[1], out_size[1], scales[1], antialias, **factory)
    return rows @ image @ columns.transpose(0, 1)
