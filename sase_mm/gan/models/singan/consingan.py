"""ConSinGAN (Hinz et al., WACV 2021): one growing generator trained a few stages at a time.

Facts from the official code (``tohinz/ConSinGAN``, ``models.py`` and ``training_generation.py``):
one head, one body of ``num_layers`` conv blocks per stage, one tail; 64 channels, LeakyReLU(0.05),
no batch normalisation by default. Stages pass features, not images: the output of stage ``k - 1``
is upsampled (bicubic), noise with one channel per feature is added, and stage ``k`` learns a
residual on it. The top ``train_depth`` (3) stages train jointly, and the learning rate is
multiplied by ``lr_scale`` (0.1) for every stage below the top. The head trains only in the first
``train_depth`` stages. A new stage starts as a copy of the stage below. The reconstruction input of stage 0 is
the coarsest real image itself, and the generator takes one backward pass per iteration and then
``generator_steps`` optimizer steps on that same gradient, as the official code does.
"""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.optim import OptimWrapper
from torch import nn
from torch.nn import functional as F

from sase_mm.gan.models.singan.base import SingleImageGAN, set_requires_grad
from sase_mm.gan.models.singan.imresize import imresize
from sase_mm.gan.models.singan.networks import ConvBlock, SinGANDiscriminator, init_singan_weights
from sase_mm.gan.registry import MODELS

__all__ = ["ConSinGAN", "GrowingGenerator"]

_logger = logging.getLogger(__name__)


def _bicubic(features: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    # ConSinGAN upsamples features with PyTorch's bicubic interpolation (align_corners=True).
    return F.interpolate(features, size=tuple(size), mode="bicubic", align_corners=True)


class GrowingGenerator(nn.Module):
    """ConSinGAN's generator with all ``num_stages`` stages built up front.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        channels (int): Feature width. Defaults to 64.
        num_stages (int): Number of stages (scales). Defaults to 6.
        num_layers (int): Conv blocks per stage. Defaults to 3.
        kernel_size (int): Odd kernel size. Defaults to 3.
        negative_slope (float): LeakyReLU slope. Defaults to 0.05.
        batch_norm (bool): Batch normalisation in the blocks. Defaults to False.
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: int = 64,
        num_stages: int = 6,
        num_layers: int = 3,
        kernel_size: int = 3,
        negative_slope: float = 0.05,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers={num_layers} must be at least 1.")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={kernel_size} must be a positive odd number, for example 3.")
        self.channels = channels
        self.radius = kernel_size // 2
        self.num_layers = num_layers
        self.head = ConvBlock(in_channels, channels, kernel_size, batch_norm, negative_slope)
        self.body = nn.ModuleList(
            [
                nn.Sequential(
                    *[
                        ConvBlock(channels, channels, kernel_size, batch_norm, negative_slope)
                        for _ in range(num_layers)
                    ]
                )
                for _ in range(num_stages)
            ]
        )
        self.tail = nn.Sequential(nn.Conv2d(channels, in_channels, kernel_size), nn.Tanh())

    @property
    def stage_margin(self) -> int:
        """Pixels that one stage's unpadded blocks remove on each side."""
        return self.radius * self.num_layers

    def forward(
        self, noise: Sequence[torch.Tensor], sizes: Sequence[Tuple[int, int]], amplitudes: torch.Tensor
    ) -> torch.Tensor:
        """Generate the image of stage ``len(noise) - 1``.

        Args:
            noise: ``noise[0]`` is the image-shaped input of stage 0 at ``sizes[0]``; ``noise[k]``
                has ``channels`` channels and ``sizes[k]`` plus ``2 * stage_margin`` pixels.
            sizes: Output size of every stage.
            amplitudes: Noise amplitude of every stage.

        Returns:
            The image at ``sizes[len(noise) - 1]``.
        """
        radius, margin = self.radius, self.stage_margin
        features = self.head(F.pad(noise[0], [radius] * 4))
        # ConSinGAN enlarges the first feature map before padding it, for diversity at the edges.
        height, width = features.shape[-2:]
        features = _bicubic(features, (height + 2 * radius, width + 2 * radius))
        features = F.pad(features, [margin - radius] * 4)
        features = self.body[0](features)

        for stage in range(1, len(noise)):
            height, width = sizes[stage]
            upsampled = _bicubic(features, (height, width))
            enlarged = _bicubic(features, (height + 2 * margin, width + 2 * margin))
            features = self.body[stage](enlarged + amplitudes[stage] * noise[stage]) + upsampled
        return self.tail(F.pad(features, [radius] * 4))


@MODELS.register_module()
class ConSinGAN(SingleImageGAN):
    """ConSinGAN trained on one image.

    Args:
        image_path (str): The training image.
        num_scales (int): Number of stages; ConSinGAN's default is 6, and 7 gives the parameter
            count of the SASE paper's Table 7. Defaults to 6.
        pyramid_spacing (str): ``'consingan'`` (denser near the finest scale) or ``'geometric'``
            (SinGAN). Defaults to ``'consingan'``.
        channels (int): Feature width. Defaults to 64.
        num_layers (int): Conv blocks per stage. Defaults to 3.
        kernel_size (int): Odd kernel size. Defaults to 3.
        negative_slope (float): LeakyReLU slope. Defaults to 0.05.
        batch_norm (bool): Batch normalisation in the generator. Defaults to False.
        train_depth (int): Number of top stages trained jointly. Defaults to 3.
        lr_scale (float): Learning-rate factor per stage below the top. Defaults to 0.1.
        **kwargs: Pyramid and training settings of :class:`SingleImageGAN`.
    """

    def __init__(
        self,
        image_path: str,
        num_scales: int = 6,
        pyramid_spacing: str = "consingan",
        channels: int = 64,
        num_layers: int = 3,
        kernel_size: int = 3,
        negative_slope: float = 0.05,
        batch_norm: bool = False,
        train_depth: int = 3,
        lr_scale: float = 0.1,
        **kwargs,
    ) -> None:
        super().__init__(image_path, num_scales=num_scales, pyramid_spacing=pyramid_spacing, **kwargs)
        if train_depth < 1:
            raise ValueError(f"train_depth={train_depth} must be at least 1.")
        self.train_depth = train_depth
        self.lr_scale = lr_scale
        self.generator = GrowingGenerator(
            self.in_channels, channels, self.num_scales, num_layers, kernel_size, negative_slope, batch_norm
        )
        # ConSinGAN's critic: a head, num_layers blocks and a tail, all of one width.
        self.discriminator = SinGANDiscriminator(
            self.in_channels, channels, channels, num_layers + 2, kernel_size, False, negative_slope
        )
        self.generator.apply(init_singan_weights)
        self.discriminator.apply(init_singan_weights)

        margin = self.generator.stage_margin
        for stage, (height, width) in enumerate(self.scale_sizes[1:], 1):
            noise = torch.randn(1, channels, height + 2 * margin, width + 2 * margin)
            self.register_buffer(f"fixed_noise_{stage}", noise)

    # ----------------------------------------------------------------------------------------
    # Noise

    def _noise_list(
        self,
        last: int,
        batch: int,
        sizes: Sequence[Tuple[int, int]],
        random_from: int,
        first_input: Optional[torch.Tensor] = None,
        generator: Optional[torch.Generator] = None,
    ) -> List[torch.Tensor]:
        """Build the inputs of stages ``0 .. last``; stages below ``random_from`` get fixed noise.

        Stage 0 gets ``first_input`` when given, the coarsest real image when it is below
        ``random_from``, and Gaussian noise otherwise.
        """
        margin = self.generator.stage_margin
        if first_input is not None:
            first = imresize(first_input.to(self.device), output_size=sizes[0])
            noise = [first.expand(batch, -1, -1, -1)]
        elif random_from > 0:
            noise = [imresize(self.real_0, output_size=sizes[0]).expand(batch, -1, -1, -1)]
        else:
            noise = [self._randn((batch, self.in_channels) + tuple(sizes[0]), generator)]

        for stage in range(1, last + 1):
            height, width = sizes[stage][0] + 2 * margin, sizes[stage][1] + 2 * margin
            if stage >= random_from:
                noise.append(self._randn((batch, self.generator.channels, height, width), generator))
                continue
            fixed = getattr(self, f"fixed_noise_{stage}")
            if tuple(fixed.shape[-2:]) != (height, width):
                fixed = imresize(fixed, output_size=(height, width))
            noise.append(fixed.expand(batch, -1, -1, -1))
        return noise

    def _reconstruct(self, stage: int) -> torch.Tensor:
        noise = self._noise_list(stage, 1, self.scale_sizes, random_from=stage + 1)
        return self.generator(noise, self.scale_sizes, self.noise_amps)

    # ----------------------------------------------------------------------------------------
    # Training

    def generator_param_groups(self, scale: int, lr: float) -> List[dict]:
        """Return the groups trained at stage ``scale``: the top stages, the head and the tail.

        Stage ``k`` of the top ``train_depth`` trains at ``lr * lr_scale ** (scale - k)``; the
        head trains at ``lr * lr_scale ** scale`` while ``scale < train_depth``; the tail at ``lr``.
        """
        first = max(0, scale - self.train_depth + 1)
        groups = [
            dict(params=list(self.generator.body[stage].parameters()), lr=lr * self.lr_scale ** (scale - stage))
            for stage in range(first, scale + 1)
        ]
        if scale < self.train_depth:
            groups.append(dict(params=list(self.generator.head.parameters()), lr=lr * self.lr_scale**scale))
        groups.append(dict(params=list(self.generator.tail.parameters()), lr=lr))
        return groups

    def discriminator_parameters(self, scale: int) -> List[nn.Parameter]:
        """Return the critic's parameters; ConSinGAN keeps one critic for all stages."""
        return list(self.discriminator.parameters())

    def _set_trainable(self, scale: int) -> None:
        set_requires_grad(self.generator, False)
        for group in self.generator_param_groups(scale, 1.0):
            for parameter in group["params"]:
                parameter.requires_grad_(True)
        set_requires_grad(self.discriminator, True)
        self.generator.train()
        self.discriminator.train()

    def _begin_scale(self, scale: int) -> None:
        if scale > 0:
            self.generator.body[scale].load_state_dict(self.generator.body[scale - 1].state_dict())
        self._set_trainable(scale)
        if scale == 0:
            self.noise_amps[0] = 1.0
            return
        self.noise_amps[scale] = 0.0
        with torch.no_grad():
            reconstruction = self._reconstruct(scale)
        rmse = torch.sqrt(F.mse_loss(reconstruction, self.reals[scale]))
        self.noise_amps[scale] = self.noise_amp_init * rmse

    def _train_scale_iteration(
        self, scale: int, generator_wrapper: OptimWrapper, discriminator_wrapper: OptimWrapper
    ) -> Dict[str, torch.Tensor]:
        self._set_trainable(scale)
        real = self.reals[scale]
        noise = self._noise_list(scale, 1, self.scale_sizes, random_from=0)

        for step in range(self.discriminator_steps):
            if step == self.discriminator_steps - 1:
                fake = self.generator(noise, self.scale_sizes, self.noise_amps)
            else:
                with torch.no_grad():
                    fake = self.generator(noise, self.scale_sizes, self.noise_amps)
            log_vars = self._discriminator_step(self.discriminator, discriminator_wrapper, real, fake)

        set_requires_grad(self.discriminator, False)
        loss_adversarial = -self.discriminator(fake).mean()
        reconstruction = self._reconstruct(scale)
        loss_reconstruction = self.reconstruction_weight * F.mse_loss(reconstruction, real)
        generator_wrapper.backward(loss_adversarial + loss_reconstruction)
        for _ in range(self.generator_steps):
            generator_wrapper.step()
        generator_wrapper.zero_grad()
        set_requires_grad(self.discriminator, True)

        log_vars.update(loss_g=loss_adversarial.detach(), loss_rec=loss_reconstruction.detach())
        return log_vars

    # ----------------------------------------------------------------------------------------
    # Sampling

    def _sample(
        self,
        num_samples: int,
        start_scale: int,
        last: int,
        sizes: List[Tuple[int, int]],
        generator: Optional[torch.Generator],
    ) -> torch.Tensor:
        noise = self._noise_list(last, num_samples, sizes, start_scale, generator=generator)
        return self.generator(noise, sizes, self.noise_amps)

    def _inject(
        self,
        reference: torch.Tensor,
        scale: int,
        last: int,
        num_samples: int,
        generator: Optional[torch.Generator],
    ) -> torch.Tensor:
        # ConSinGAN passes features between stages, so an image can enter only at stage 0, where
        # the reconstruction path feeds the coarsest real image. Stages 1 .. scale - 1 get the
        # fixed reconstruction noise, so a higher scale keeps more of the reference.
        noise = self._noise_list(last, num_samples, self.scale_sizes, scale, reference, generator)
        return self.generator(noise, self.scale_sizes, self.noise_amps)
