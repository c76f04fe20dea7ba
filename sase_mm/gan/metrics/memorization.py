"""Latent recovery and the memorization test of Webster et al. (2019).

For each target image, Adam optimises a latent code for a fixed number of steps so that
the generator reproduces the image. The final distance is the reconstruction error. A
generator that memorised its training set reconstructs training images better
than held-out images of the same distribution, so the two error distributions differ.
The two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``) compares them: a small
p-value (the paper's threshold is 0.01) signals memorization. The mean LPIPS of the
held-out reconstructions is the "LPIPS backtracking" number.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy import stats
from torch import nn
from tqdm import tqdm

from sase_mm.gan.metrics.images import list_images, load_images
from sase_mm.gan.metrics.lpips import build_lpips

__all__ = [
    "LatentSynthesizer",
    "latent_synthesizer",
    "memorization_test",
    "recover_latents",
    "run_memorization_test",
]

_logger = logging.getLogger(__name__)

# Maps latents of shape (B, *latent_shape) to images in [-1, 1] of shape (B, 3, H, W).
LatentSynthesizer = Callable[[torch.Tensor], torch.Tensor]

_LATENT_SIZE_NAMES = ("latent_dim", "noise_size", "nz", "z_dim")


def latent_synthesizer(model: nn.Module) -> tuple[LatentSynthesizer, tuple[int, ...]]:
    """Find the differentiable latent-to-image function of a GAN model.

    The model either contains a generator (``generator_ema`` first, then ``generator``)
    and one of the attributes ``latent_dim``, ``noise_size``, ``nz`` or ``z_dim`` (on the
    model or the generator), or offers ``generate_from_latents(latents)`` and
    ``latent_shape``. A generator module is called on latents of shape (B, size), and its
    first output is kept when it returns a list or tuple. The generator path comes first
    because sampling methods such as ``generate_from_latents`` often run without gradients.

    Args:
        model: The GAN model.

    Returns:
        ``(synthesize, latent_shape)``.

    Raises:
        TypeError: The model exposes neither form.
    """
    generator = getattr(model, "generator_ema", None)
    if generator is None:
        generator = getattr(model, "generator", None)
    if isinstance(generator, nn.Module):
        for owner in (model, generator):
            for name in _LATENT_SIZE_NAMES:
                size = getattr(owner, name, None)
                if isinstance(size, int):
                    def synthesize(latents: torch.Tensor) -> torch.Tensor:
                        images = generator(latents)
                        return images[0] if isinstance(images, (list, tuple)) else images

                    return synthesize, (size,)

    if hasattr(model, "generate_from_latents") and hasattr(model, "latent_shape"):
        return model.generate_from_latents, tuple(model.latent_shape)

    raise TypeError(
        f"{type(model).__name__} exposes no latent-to-image function: latent recovery needs "
        "a generator / generator_ema module with one of the attributes "
        f"{', '.join(_LATENT_SIZE_NAMES)}, or generate_from_latents(latents) with latent_shape"
    )


def _reconstruction_error(
    images: torch.Tensor, targets: torch.Tensor, distance: str, lpips: nn.Module | None
) -> torch.Tensor:
    if distance == "l2":
        return (images - targets).pow(2).flatten(1).mean(dim=1)
    return lpips(images, targets)


def recover_latents(
    synthesize: LatentSynthesizer,
    targets: torch.Tensor,
    latent_shape: Sequence[int],
    steps: int = 500,
    learning_rate: float = 0.05,
    distance: str = "l2",
    lpips: nn.Module | None = None,
    batch_size: int = 16,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Optimise one latent per target image so that the generator reproduces it.

    Latents start from N(0, I), and Adam optimises them on the per-image distance for
    ``steps`` steps. The generator's weights stay fixed and collect no gradients.
    Targets of another size than the generator's output are resized (bilinear,
    antialiased) to the output size.

    Args:
        synthesize: Maps latents (B, *latent_shape) to images in [-1, 1].
        targets: Float images in [0, 1], shape (N, 3, H, W).
        latent_shape: Shape of one latent.
        steps: Adam steps per batch. Defaults to 500.
        learning_rate: Adam learning rate. Defaults to 0.05.
        distance: ``'l2'`` (mean squared error in [0, 1]) or ``'lpips'``. Defaults to ``'l2'``.
        lpips: The LPIPS module, needed when ``distance='lpips'``.
        batch_size: Targets optimised at once. Defaults to 16.
        generator: Random generator (on the CPU) of the initial latents.
        device: Device of the latents, the generator's device. Defaults to CPU.
        progress: Show a progress bar. Defaults to True.

    Returns:
        ``(latents, errors)``: latents (N, *latent_shape) and the final per-image
        distances (N,), both on the CPU.

    Raises:
        ValueError: ``distance`` is unknown, LPIPS is missing, or ``steps`` < 1.
    """
    if distance not in ("l2", "lpips"):
        raise ValueError(f"distance must be 'l2' or 'lpips', got {distance!r}")
    if distance == "lpips" and lpips is None:
        raise ValueError("distance='lpips' needs the lpips module (see build_lpips)")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")

    with torch.no_grad():
        output_size = tuple(synthesize(torch.zeros(1, *latent_shape, device=device)).shape[-2:])
    if tuple(targets.shape[-2:]) != output_size:
        _logger.info(
            "Resizing targets from %s to the generator's %s", tuple(targets.shape[-2:]), output_size
        )
        targets = F.interpolate(targets, size=output_size, mode="bilinear", antialias=True)
        targets = targets.clamp(0, 1)

    all_latents, all_errors = [], []
    bar = tqdm(
        total=len(targets) * steps, desc="latent recovery", disable=not progress, leave=False
    )
    for start in range(0, len(targets), batch_size):
        batch = targets[start:start + batch_size].to(device)
        latents = torch.randn(len(batch), *latent_shape, generator=generator).to(device)
        latents.requires_grad_(True)
        optimizer = torch.optim.Adam([latents], lr=learning_rate)
        for _ in range(steps):
            images = (synthesize(latents) + 1) / 2
            if not images.requires_grad:
                raise TypeError(
                    "the latent-to-image function returned images without gradients, so latent "
                    "recovery cannot optimise the latents; pass a function that does not run "
                    "under torch.no_grad"
                )
            loss = _reconstruction_error(images, batch, distance, lpips).sum()
            (latents.grad,) = torch.autograd.grad(loss, [latents])
            optimizer.step()
            bar.update(len(batch))

        with torch.no_grad():
            images = (synthesize(latents) + 1) / 2
            all_errors.append(_reconstruction_error(images, batch, distance, lpips).cpu())
        all_latents.append(latents.detach().cpu())
    bar.close()
    return torch.cat(all_latents), torch.cat(all_errors)


def memorization_test(
    synthesize: LatentSynthesizer,
    train_images: torch.Tensor,
    heldout_images: torch.Tensor,
    latent_shape: Sequence[int],
    **recovery_options,
) -> dict[str, float | list[float]]:
    """Run latent recovery on training and held-out images and compare the errors.

    Args:
        synthesize: Maps latents to images in [-1, 1] (see :func:`latent_synthesizer`).
        train_images: Float training images in [0, 1], shape (N, 3, H, W).
        heldout_images: Float held-out images in [0, 1], shape (M, 3, H, W).
        latent_shape: Shape of one latent.
        **recovery_options: Passed to :func:`recover_latents` (steps, distance, ...).

    Returns:
        Dict with ``ks_statistic``, ``ks_p_value``, ``train_error_mean``,
        ``heldout_error_mean`` and the per-image ``train_errors`` / ``heldout_errors``.

    Raises:
        ValueError: A set contains no image.
    """
    for name, images in (("training", train_images), ("held-out", heldout_images)):
        if len(images) == 0:
            raise ValueError(f"the memorization test needs {name} images, got none")
    _, train_errors = recover_latents(synthesize, train_images, latent_shape, **recovery_options)
    _, heldout_errors = recover_latents(
        synthesize, heldout_images, latent_shape, **recovery_options
    )
    train_errors_np = train_errors.double().numpy()
    heldout_errors_np = heldout_errors.double().numpy()
    result = stats.ks_2samp(train_errors_np, heldout_errors_np)
    return {
        "ks_statistic": float(result.statistic),
        "ks_p_value": float(result.pvalue),
        "train_error_mean": float(np.mean(train_errors_np)),
        "heldout_error_mean": float(np.mean(heldout_errors_np)),
        "train_errors": train_errors_np.tolist(),
        "heldout_errors": heldout_errors_np.tolist(),
    }


def run_memorization_test(
    model: torch.nn.Module,
    train_folder: str | os.PathLike,
    heldout_folder: str | os.PathLike,
    distance: str = "l2",
    lpips_options: tuple[str, str | None, str | None] = ("alex", None, None),
    seed: int = 0,
    **recovery_options,
) -> dict[str, float | list[float]]:
    """Run :func:`memorization_test` on a model and two image folders.

    Args:
        model: GAN model (see :func:`latent_synthesizer`); it is put in eval mode.
        train_folder: Training images.
        heldout_folder: Held-out images.
        distance: ``'l2'`` or ``'lpips'``.
        lpips_options: ``(net, backbone_weights, linear_weights)`` for ``'lpips'``.
        seed: Seed of the initial latents.
        **recovery_options: Passed to :func:`recover_latents`.

    Returns:
        The dict of :func:`memorization_test`.
    """
    model.eval()
    synthesize, latent_shape = latent_synthesizer(model)
    device = next(model.parameters()).device
    lpips = build_lpips(*lpips_options, device=device) if distance == "lpips" else None
    train_images = load_images(list_images(train_folder))
    heldout_images = load_images(list_images(heldout_folder))
    return memorization_test(
        synthesize, train_images, heldout_images, latent_shape, distance=distance, lpips=lpips,
        generator=torch.Generator().manual_seed(seed), device=device, **recovery_options,
    )
