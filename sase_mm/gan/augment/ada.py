"""Adaptive discriminator augmentation (Karras et al., "Training Generative Adversarial Networks
with Limited Data", NeurIPS 2020): differentiable ops applied with a probability p that a
controller adjusts from the sign of the discriminator's outputs on real images."""
import math

import torch
import torch.nn.functional as F
from mmengine import dist
from torch import nn

from sase_mm.gan.registry import MODELS

__all__ = ["AdaptiveAugment"]


@MODELS.register_module(name=["AdaptiveAugment", "ADA"])
class AdaptiveAugment(nn.Module):
    """ADA with its "bgc" families (pixel blitting, general geometric, color), p adjusted online.

    Each op runs on each image independently with probability ``p``. Geometric ops (x-flip,
    90-degree rotation, integer translation, isotropic scaling, rotation, anisotropic scaling,
    fractional translation) are composed into one affine matrix and applied with bilinear sampling
    and reflection padding; color ops are brightness, contrast and saturation.

    Every ``interval`` calls of :meth:`update`, the controller sets
    ``p += sign(r_t - target) * interval / speed_iters``, clipped to [0, 1], where ``r_t`` is the
    mean sign of the discriminator's outputs on real images since the last adjustment. With the
    defaults, p can go from 0 to 1 in 10k iterations, as the SASE paper sets it.

    Args:
        target (float): Target of ``r_t``. Defaults to 0.6 (ADA's default).
        speed_iters (int): Iterations over which p can move by 1. Defaults to 10000.
        interval (int): Iterations between adjustments. Defaults to 4.
        initial_probability (float): Starting p. Defaults to 0.
        max_probability (float): Upper bound of p. Defaults to 1.

    Raises:
        ValueError: If an argument is outside its range.
    """

    # NOTE: ADA's hue rotation and luma flip, and its anti-aliased upsampling around the geometric
    # ops, are not implemented.

    def __init__(
        self,
        target: float = 0.6,
        speed_iters: int = 10000,
        interval: int = 4,
        initial_probability: float = 0.0,
        max_probability: float = 1.0,
    ) -> None:
        super().__init__()
        if not 0 <= target <= 1:
            raise ValueError(f"target={target} must be in [0, 1].")
        if speed_iters < 1 or interval < 1:
            raise ValueError(f"speed_iters={speed_iters} and interval={interval} must be >= 1.")
        if not 0 <= initial_probability <= max_probability <= 1:
            raise ValueError(
                f"need 0 <= initial_probability ({initial_probability}) <= max_probability "
                f"({max_probability}) <= 1."
            )
        self.target = target
        self.speed_iters = speed_iters
        self.interval = interval
        self.max_probability = max_probability
        # Buffers, so that p and the pending statistics are saved in checkpoints and resumed.
        self.register_buffer("probability", torch.tensor(float(initial_probability)))
        self.register_buffer("sign_sum", torch.tensor(0.0))
        self.register_buffer("sign_count", torch.tensor(0.0))
        self.register_buffer("calls", torch.tensor(0, dtype=torch.long))

    @torch.no_grad()
    def update(self, real_logits: torch.Tensor) -> None:
        """Accumulate ``sign(D(real))`` and adjust p every ``interval`` calls."""
        statistics = torch.stack(
            [real_logits.sign().sum().float(), torch.tensor(float(real_logits.numel()), device=real_logits.device)]
        ).to(self.sign_sum.device)
        if dist.is_distributed():
            dist.all_reduce(statistics, op="sum")
        self.sign_sum += statistics[0]
        self.sign_count += statistics[1]
        self.calls += 1
        if int(self.calls) % self.interval != 0:
            return
        r_t = self.sign_sum / self.sign_count.clamp_min(1)
        step = math.copysign(self.interval / self.speed_iters, float(r_t - self.target))
        self.probability.copy_((self.probability + step).clamp(0.0, self.max_probability))
        self.sign_sum.zero_()
        self.sign_count.zero_()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        p = float(self.probability)
        if p <= 0:
            return images
        images = self._geometric(images, p)
        return self._color(images, p)

    def _enabled(self, batch: int, p: float, device: torch.device) -> torch.Tensor:
        return (torch.rand(batch, device=device) < p).float()

    def _geometric(self, images: torch.Tensor, p: float) -> torch.Tensor:
        batch, device = images.shape[0], images.device
        matrix = torch.eye(3, device=device).repeat(batch, 1, 1)

        def compose(transform: torch.Tensor) -> None:
            nonlocal matrix
            matrix = matrix @ transform

        # x-flip and rotation by multiples of 90 degrees (pixel blitting).
        flip = 1 - 2 * (self._enabled(batch, p, device) * torch.randint(0, 2, (batch,), device=device))
        compose(_scale(flip, torch.ones_like(flip)))
        quarter_turns = self._enabled(batch, p, device) * torch.randint(0, 4, (batch,), device=device)
        compose(_rotation(quarter_turns * math.pi / 2))
        # Integer translation up to 0.125 of the size (normalised coordinates span 2).
        size = torch.tensor([images.shape[3], images.shape[2]], device=device, dtype=torch.float32)
        pixels = torch.round((torch.rand(batch, 2, device=device) * 2 - 1) * 0.125 * size)
        compose(_translation(self._enabled(batch, p, device).unsqueeze(1) * pixels * 2 / size))
        # Isotropic scaling, lognormal with std 0.2 * ln 2.
        scale = torch.exp2(self._enabled(batch, p, device) * torch.randn(batch, device=device) * 0.2)
        compose(_scale(scale, scale))
        # Arbitrary rotation (probability split between pre- and post-rotation as in ADA).
        p_rotation = 1 - math.sqrt(max(0.0, 1 - p))
        angle = self._enabled(batch, p_rotation, device) * (torch.rand(batch, device=device) * 2 - 1) * math.pi
        compose(_rotation(angle))
        # Anisotropic scaling, lognormal with std 0.2 * ln 2.
        aniso = torch.exp2(self._enabled(batch, p, device) * torch.randn(batch, device=device) * 0.2)
        compose(_scale(aniso, 1 / aniso))
        angle = self._enabled(batch, p_rotation, device) * (torch.rand(batch, device=device) * 2 - 1) * math.pi
        compose(_rotation(angle))
        # Fractional translation, normal with std 0.125 of the size.
        shift = self._enabled(batch, p, device).unsqueeze(1) * torch.randn(batch, 2, device=device) * 0.125 * 2
        compose(_translation(shift))

        grid = F.affine_grid(matrix[:, :2, :].to(images.dtype), list(images.shape), align_corners=False)
        return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    def _color(self, images: torch.Tensor, p: float) -> torch.Tensor:
        batch, device = images.shape[0], images.device
        shape = (batch, 1, 1, 1)
        brightness = self._enabled(batch, p, device) * torch.randn(batch, device=device) * 0.2
        images = images + brightness.view(shape).to(images.dtype)
        contrast = torch.exp2(self._enabled(batch, p, device) * torch.randn(batch, device=device) * 0.5)
        mean = images.mean(dim=(1, 2, 3), keepdim=True)
        images = (images - mean) * contrast.view(shape).to(images.dtype) + mean
        saturation = torch.exp2(self._enabled(batch, p, device) * torch.randn(batch, device=device))
        luma = images.mean(dim=1, keepdim=True)
        return (images - luma) * saturation.view(shape).to(images.dtype) + luma

    def extra_repr(self) -> str:
        return f"target={self.target}, speed_iters={self.speed_iters}, interval={self.interval}"


def _scale(scale_x: torch.Tensor, scale_y: torch.Tensor) -> torch.Tensor:
    matrix = torch.eye(3, device=scale_x.device).repeat(scale_x.shape[0], 1, 1)
    matrix[:, 0, 0] = scale_x
    matrix[:, 1, 1] = scale_y
    return matrix


def _rotation(angle: torch.Tensor) -> torch.Tensor:
    matrix = torch.eye(3, device=angle.device).repeat(angle.shape[0], 1, 1)
    matrix[:, 0, 0] = torch.cos(angle)
    matrix[:, 0, 1] = -torch.sin(angle)
    matrix[:, 1, 0] = torch.sin(angle)
    matrix[:, 1, 1] = torch.cos(angle)
    return matrix


def _translation(shift: torch.Tensor) -> torch.Tensor:
    matrix = torch.eye(3, device=shift.device).repeat(shift.shape[0], 1, 1)
    matrix[:, :2, 2] = shift
    return matrix
