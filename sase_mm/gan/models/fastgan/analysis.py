"""What a trained SASE-FastGAN learned: style mixing, key-map overlays and latent backtracking."""
import logging
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from sase_mm.gan.models.fastgan.model import FastGAN

__all__ = ["backtrack_latents", "key_map_overlays", "style_mixing_sheet"]

_logger = logging.getLogger(__name__)


def _require_sase(model: FastGAN) -> Tuple[str, ...]:
    names = model.ema_generator.sase_skip_names()
    if not names:
        kinds = sorted({type(module).__name__ for module in model.ema_generator.skips.values()})
        raise ValueError(
            f"This generator has no SASE skip layer (it uses {kinds}); style mixing and key maps "
            "need a SASE-FastGAN config."
        )
    return names


@torch.no_grad()
def style_mixing_sheet(model: FastGAN, z_style: torch.Tensor, z_content: torch.Tensor) -> torch.Tensor:
    """Build the style-mixing sheet of the SASE paper's appendix A.3.4.

    Every SASE skip of the content image's generation keeps its own key maps (layout) but takes the
    query vectors (channel or style codes) computed in the style image's generation.

    Args:
        model: A FastGAN with SASE skip layers.
        z_style: Latents ``(S, nz)`` of the style images.
        z_content: Latents ``(C, nz)`` of the content images.

    Returns:
        Images in [-1, 1] of shape ``((S + 1) * (C + 1), 3, H, W)`` in row-major order: the first
        row is a blank cell and the content images, each further row a style image and its mixes.

    Raises:
        ValueError: If the generator has no SASE skip layer.
    """
    names = _require_sase(model)
    generator = model.ema_generator
    was_training = generator.training
    generator.eval()
    try:
        style_attention: Dict[str, Dict[str, torch.Tensor]] = {}
        styles = generator(z_style, attention=style_attention)[0]
        contents = generator(z_content)[0]
        rows = [torch.cat([torch.full_like(contents[:1], 1.0), contents])]
        for index in range(z_style.shape[0]):
            overrides = {
                name: style_attention[name]["query"][index:index + 1].expand(z_content.shape[0], -1, -1)
                for name in names
            }
            mixed = generator(z_content, query_overrides=overrides)[0]
            rows.append(torch.cat([styles[index:index + 1], mixed]))
    finally:
        generator.train(was_training)
    return torch.cat(rows).clamp(-1, 1)


@torch.no_grad()
def key_map_overlays(model: FastGAN, z: torch.Tensor, opacity: float = 0.6) -> Tuple[torch.Tensor, int]:
    """Overlay each SASE key map (spatial mask) on its generated image, as in the paper's Fig. 5.

    Args:
        model: A FastGAN with SASE skip layers.
        z: Latents ``(N, nz)``.
        opacity: Weight of the heat map over the image. Defaults to 0.6.

    Returns:
        Images in [-1, 1] ``(N * (1 + K), 3, H, W)``, each row the image and its K key maps over
        all SASE stages (coarse to fine, groups in order), and the row length ``1 + K``.

    Raises:
        ValueError: If the generator has no SASE skip layer.
    """
    names = _require_sase(model)
    generator = model.ema_generator
    was_training = generator.training
    generator.eval()
    try:
        attention: Dict[str, Dict[str, torch.Tensor]] = {}
        images = generator(z, attention=attention)[0].clamp(-1, 1)
    finally:
        generator.train(was_training)
    size = images.shape[-2:]
    base = images.add(1).div(2)
    columns: List[torch.Tensor] = [base]
    for name in names:
        keys = attention[name]["key"]
        for group in range(keys.shape[1]):
            key = F.interpolate(keys[:, group:group + 1], size=size, mode="nearest")
            heat = torch.cat([key, 1 - (2 * key - 1).abs(), 1 - key], dim=1)  # red high, blue low
            columns.append((1 - opacity) * base + opacity * heat)
    sheet = torch.stack(columns, dim=1).flatten(0, 1)
    return sheet.mul(2).sub(1), len(columns)


def backtrack_latents(
    model: FastGAN,
    targets: torch.Tensor,
    iterations: int = 1000,
    learning_rate: float = 0.05,
    perceptual: Optional[torch.nn.Module] = None,
    generator: Optional[torch.Generator] = None,
) -> Dict[str, torch.Tensor]:
    """Optimise latents so that the EMA generator reconstructs held-out images (appendix A.3.3).

    The objective is the mean squared error plus, when ``perceptual`` is given, its distance
    (LPIPS in the paper). Low distances on held-out images indicate that the model did not only
    memorise its training set.

    Args:
        model: A trained FastGAN.
        targets: Held-out images in [-1, 1], ``(N, 3, im_size, im_size)``.
        iterations: Adam steps. Defaults to 1000, as in the paper.
        learning_rate: Adam learning rate on the latents. Defaults to 0.05.
        perceptual: Optional perceptual distance ``(x, y) -> per-batch loss``.
        generator: Random number generator of the initial latents.

    Returns:
        ``z`` (N, nz), ``reconstructions`` in [-1, 1], per-image ``l2`` (mean squared error) and,
        with ``perceptual``, per-image ``lpips``.

    Raises:
        ValueError: If ``iterations`` is not positive or the targets have the wrong size.
    """
    if iterations < 1:
        raise ValueError(f"iterations={iterations} must be positive.")
    network = model.ema_generator
    if targets.dim() != 4 or targets.shape[-1] != network.im_size:
        raise ValueError(
            f"targets must have shape (N, 3, {network.im_size}, {network.im_size}); got {tuple(targets.shape)}."
        )
    was_training = network.training
    network.eval()
    targets = targets.to(model._model_device())
    z = model.sample_latents(targets.shape[0], generator).requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=learning_rate)
    try:
        for _ in range(iterations):
            optimizer.zero_grad(set_to_none=True)
            reconstruction = network(z)[0]
            loss = F.mse_loss(reconstruction, targets)
            if perceptual is not None:
                loss = loss + perceptual(reconstruction, targets)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            reconstruction = network(z)[0].clamp(-1, 1)
            result = {
                "z": z.detach(),
                "reconstructions": reconstruction,
                "l2": (reconstruction - targets).pow(2).flatten(1).mean(1),
            }
            if perceptual is not None:
                result["lpips"] = torch.stack(
                    [perceptual(reconstruction[i:i + 1], targets[i:i + 1]) for i in range(targets.shape[0])]
                )
    finally:
        network.train(was_training)
    return result
