"""Harmonization and editing with a trained single-image GAN (SinGAN, section 4 of its paper).

A reference image (a naive paste for harmonization, a cut-and-moved copy for editing) is resized to
the training size, fed in at a chosen scale and run through the finer scales. The output replaces
the reference only inside the mask, dilated by a disk (radius 7 for harmonization, 20 for editing,
as in SinGAN's code) and blurred by a Gaussian of sigma 5, so the seam blends.
"""
from typing import Dict, Optional

import numpy as np
import torch
from scipy import ndimage
from skimage import filters, morphology

from sase_mm.gan.models.singan.base import SingleImageGAN
from sase_mm.gan.models.singan.imresize import imresize

__all__ = ["MASK_DILATION_RADII", "soften_mask", "harmonize"]

MASK_DILATION_RADII = {"harmonization": 7, "editing": 20}


def soften_mask(mask: torch.Tensor, radius: int, sigma: float = 5.0) -> torch.Tensor:
    """Dilate a binary mask by a disk, blur it and rescale it to ``[0, 1]``.

    Args:
        mask: Mask ``(1, 1, H, W)`` or ``(H, W)``; values above 0.5 are inside.
        radius: Radius of the dilation disk in pixels.
        sigma: Standard deviation of the Gaussian blur in pixels. Defaults to 5.

    Returns:
        The soft mask ``(1, 1, H, W)`` on the mask's device.
    """
    binary = (mask.detach().float().cpu().reshape(mask.shape[-2:]) > 0.5).numpy()
    dilated = ndimage.binary_dilation(binary, structure=morphology.disk(radius))
    blurred = filters.gaussian(dilated.astype(np.float64), sigma=sigma)
    span = blurred.max() - blurred.min()
    if span > 0:
        blurred = (blurred - blurred.min()) / span
    soft = torch.from_numpy(blurred).float().to(mask.device)
    return soft[None, None]


def harmonize(
    model: SingleImageGAN,
    reference: torch.Tensor,
    mask: torch.Tensor,
    scale: int,
    mode: str = "harmonization",
    num_samples: int = 1,
    generator: Optional[torch.Generator] = None,
) -> Dict[str, torch.Tensor]:
    """Harmonize or edit ``reference`` inside ``mask`` with a trained model.

    Args:
        model: A trained SinGAN or ConSinGAN.
        reference: Image ``(1, C, H, W)`` in ``[-1, 1]``; it is resized to the training size.
        mask: Mask ``(1, 1, H, W)`` in ``[0, 1]`` of the reference's size; 1 marks the pasted or
            edited region.
        scale: Injection scale, ``1 .. N - 1`` for ``N`` trained scales (coarsest is 0).
        mode: ``'harmonization'`` or ``'editing'``; it sets the dilation radius.
            Defaults to ``'harmonization'``.
        num_samples: Number of outputs. Defaults to 1.
        generator: Random number generator. Defaults to None.

    Returns:
        ``output`` (the generated images), ``blended`` (output inside the soft mask, reference
        outside), ``reference`` and ``mask`` (soft), all at the training size.

    Raises:
        ValueError: If the mask's size differs from the reference's, ``mode`` is unknown or
            ``scale`` is outside ``1 .. N - 1``.
    """
    if mode not in MASK_DILATION_RADII:
        raise ValueError(f"mode={mode!r} is not supported; use one of {sorted(MASK_DILATION_RADII)}.")
    if tuple(mask.shape[-2:]) != tuple(reference.shape[-2:]):
        raise ValueError(
            f"The mask is {tuple(mask.shape[-2:])} pixels but the reference image is "
            f"{tuple(reference.shape[-2:])}; give a mask of the reference image's size."
        )
    if reference.shape[1] != model.in_channels:
        raise ValueError(
            f"The reference image has {reference.shape[1]} channels but the model was trained "
            f"on {model.in_channels}; load it with channels={model.in_channels}."
        )

    size = model.scale_sizes[-1]
    reference = imresize(reference.float().to(model.device), output_size=size)
    mask = imresize(mask.float().to(model.device), output_size=size)
    soft_mask = soften_mask(mask, MASK_DILATION_RADII[mode])

    output = model.inject(reference, scale, num_samples, generator)
    if tuple(output.shape[-2:]) != tuple(size):
        raise ValueError(
            f"The model has {int(model.num_trained_scales)} of {model.num_scales} scales trained, so "
            f"it generates {tuple(output.shape[-2:])} pixels, not the training size {size}; "
            "finish training before harmonizing."
        )
    blended = (1 - soft_mask) * reference + soft_mask * output
    return dict(output=output, blended=blended, reference=reference, mask=soft_mask)
