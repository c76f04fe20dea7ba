"""SinGAN and its SLE and SASE variants as one MMEngine model.

SinGAN (Shaham et al., ICCV 2019) trains one generator and one Markovian critic per scale of an
image pyramid, coarsest first. Scale ``n`` maps ``noise_amp_n * z_n + up(x_{n-1})`` and
``up(x_{n-1})`` to ``x_n``; vanilla SinGAN adds ``up(x_{n-1})`` to the network's output. The SLE
and SASE variants of the SASE paper connect the head's output to the body's output of every scale
above the coarsest and drop that residual there (Fig. 3, right).

Compared with the official code (``tamarott/SinGAN``) this implementation fixes:

* the in-place autograd error on torch >= 1.5: the generator steps recompute the fake image
  after every update instead of reusing the graph of the discriminator steps;
* greyscale and alpha images: :func:`~sase_mm.gan.models.singan.pyramid.load_image` converts them;
* the coarsest reconstruction noise ``z*``: drawn once when the model is built and stored in the
  checkpoint, where the official code redraws it every iteration;
* zero padding derived from ``num_layers`` and ``kernel_size`` (``num_layers * (kernel_size // 2)``
  on each side), so other layer counts give images of the right size.
"""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.optim import OptimWrapper
from torch import nn
from torch.nn import functional as F

from sase_mm.gan.models.singan.base import SingleImageGAN, set_requires_grad
from sase_mm.gan.models.singan.imresize import imresize
from sase_mm.gan.models.singan.networks import (
    SASE_FORMS,
    SKIP_TYPES,
    SinGANDiscriminator,
    SinGANGenerator,
    init_singan_weights,
)
from sase_mm.gan.registry import MODELS

__all__ = ["SinGAN"]

_logger = logging.getLogger(__name__)


@MODELS.register_module()
class SinGAN(SingleImageGAN):
    """SinGAN, SLE-SinGAN or SASE-SinGAN trained on one image.

    Args:
        image_path (str): The training image.
        channels (int): Width of the coarsest scales. Defaults to 32.
        max_channels (int): Largest width. Defaults to 128.
        channels_double_every (int): The width doubles every this many scales (SinGAN: 4).
            Defaults to 4.
        num_layers (int): Convolutions per scale (head, body blocks, tail). Defaults to 5.
        kernel_size (int): Odd kernel size. Defaults to 3.
        skip (str | None): ``None`` (SinGAN), ``'sle'`` (SLE-SinGAN) or ``'sase'`` (SASE-SinGAN).
            Defaults to None.
        sase_form (str): ``'paper'`` (eqs. 4-5) or ``'authors'`` (the authors' SinGAN code:
            no query sigmoid, ``(W + 1) * Y``). Defaults to ``'paper'``.
        sase_groups (int): SASE groups (heads). Defaults to 4.
        sase_dilations (tuple[int, int]): Key dilation at scales ``1 .. sase_dilation_switch``
            and above it; the authors' code uses (5, 8). Defaults to (5, 8).
        sase_dilation_switch (int): Last scale with the first dilation. Defaults to 3.
        warm_start (bool): Start every scale from the previous scale's weights when the widths
            match, as SinGAN does. Defaults to True.
        **kwargs: Pyramid and training settings of :class:`SingleImageGAN`.
    """

    def __init__(
        self,
        image_path: str,
        channels: int = 32,
        max_channels: int = 128,
        channels_double_every: int = 4,
        num_layers: int = 5,
        kernel_size: int = 3,
        skip: Optional[str] = None,
        sase_form: str = "paper",
        sase_groups: int = 4,
        sase_dilations: Tuple[int, int] = (5, 8),
        sase_dilation_switch: int = 3,
        warm_start: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(image_path, **kwargs)
        if skip not in SKIP_TYPES:
            raise ValueError(f"skip={skip!r} is not supported; use one of {SKIP_TYPES}.")
        if sase_form not in SASE_FORMS:
            raise ValueError(f"sase_form={sase_form!r} is not supported; use one of {SASE_FORMS}.")
        if channels_double_every < 1:
            raise ValueError(f"channels_double_every={channels_double_every} must be at least 1.")
        self.skip = skip
        self.warm_start = warm_start
        self.widths = [
            min(channels * 2 ** (scale // channels_double_every), max_channels)
            for scale in range(self.num_scales)
        ]

        generators, discriminators = [], []
        for scale, width in enumerate(self.widths):
            # The coarsest scale has no previous image to modulate from, so it keeps SinGAN's form.
            stage_skip = skip if scale > 0 else None
            dilation = sase_dilations[0] if scale <= sase_dilation_switch else sase_dilations[1]
            generators.append(
                SinGANGenerator(
                    self.in_channels,
                    width,
                    width,
                    num_layers,
                    kernel_size,
                    skip=stage_skip,
                    residual=stage_skip is None,
                    sase_groups=sase_groups,
                    sase_dilation=dilation,
                    sase_form=sase_form,
                )
            )
            discriminators.append(
                SinGANDiscriminator(self.in_channels, width, width, num_layers, kernel_size)
            )
        self.generators = nn.ModuleList(generators)
        self.discriminators = nn.ModuleList(discriminators)
        self.generators.apply(init_singan_weights)
        self.discriminators.apply(init_singan_weights)

        # z*: one noise channel repeated over the image channels, as SinGAN draws it.
        height, width = self.scale_sizes[0]
        fixed = torch.randn(1, 1, height, width).expand(1, self.in_channels, height, width)
        self.register_buffer("fixed_noise", fixed.contiguous())
        self._reconstruction_cache: Optional[Tuple[int, torch.Tensor]] = None

    # ----------------------------------------------------------------------------------------
    # Generation through the scales

    def _noise(
        self, scale: int, batch: int, size: Tuple[int, int], generator: Optional[torch.Generator]
    ) -> torch.Tensor:
        if scale == 0:
            noise = self._randn((batch, 1) + tuple(size), generator)
            return noise.expand(batch, self.in_channels, *size)
        return self._randn((batch, self.in_channels) + tuple(size), generator)

    def _fixed_noise(self, scale: int, batch: int, size: Tuple[int, int]) -> torch.Tensor:
        if scale > 0:
            return torch.zeros(batch, self.in_channels, *size, device=self.device)
        noise = self.fixed_noise
        if tuple(noise.shape[-2:]) != tuple(size):
            noise = imresize(noise, output_size=size)
        return noise.expand(batch, -1, -1, -1)

    def _run_scales(
        self,
        first: int,
        last: int,
        previous: torch.Tensor,
        sizes: Sequence[Tuple[int, int]],
        random_from: int,
        generator: Optional[torch.Generator] = None,
    ) -> torch.Tensor:
        """Run scales ``first .. last``; ``previous`` is the input image at ``sizes[first]``.

        Scales below ``random_from`` use the fixed reconstruction noise, the others fresh noise.
        """
        image = previous
        for scale in range(first, last + 1):
            if scale > first:
                image = imresize(image, output_size=sizes[scale])
            batch = image.shape[0]
            if scale >= random_from:
                noise = self._noise(scale, batch, sizes[scale], generator)
            else:
                noise = self._fixed_noise(scale, batch, sizes[scale])
            image = self.generators[scale](self.noise_amps[scale] * noise + image, image)
        return image

    def _input_of_scale(
        self,
        scale: int,
        batch: int,
        sizes: Sequence[Tuple[int, int]],
        random_from: int,
        generator: Optional[torch.Generator] = None,
    ) -> torch.Tensor:
        """Return the upsampled output of scale ``scale - 1`` (zeros at the coarsest scale)."""
        if scale == 0:
            return torch.zeros(batch, self.in_channels, *sizes[0], device=self.device)
        start = torch.zeros(batch, self.in_channels, *sizes[0], device=self.device)
        image = self._run_scales(0, scale - 1, start, sizes, random_from, generator)
        return imresize(image, output_size=sizes[scale])

    def _reconstruction_input(self, scale: int) -> torch.Tensor:
        # The earlier scales are frozen while `scale` trains, so their reconstruction is fixed.
        if self._reconstruction_cache is None or self._reconstruction_cache[0] != scale:
            with torch.no_grad():
                image = self._input_of_scale(scale, 1, self.scale_sizes, random_from=self.num_scales)
            self._reconstruction_cache = (scale, image)
        return self._reconstruction_cache[1]

    # ----------------------------------------------------------------------------------------
    # Training

    def generator_param_groups(self, scale: int, lr: float) -> List[dict]:
        """Return one group with the generator of ``scale`` at learning rate ``lr``."""
        return [dict(params=list(self.generators[scale].parameters()), lr=lr)]

    def discriminator_parameters(self, scale: int) -> List[nn.Parameter]:
        """Return the parameters of the critic of ``scale``."""
        return list(self.discriminators[scale].parameters())

    def _set_modes(self, scale: int) -> None:
        for index, (generator, critic) in enumerate(zip(self.generators, self.discriminators)):
            generator.train(index == scale)
            critic.train(index == scale)
            set_requires_grad(generator, index == scale)
            set_requires_grad(critic, index == scale)

    def _begin_scale(self, scale: int) -> None:
        self._reconstruction_cache = None
        if scale > 0 and self.warm_start and self.widths[scale] == self.widths[scale - 1]:
            for modules in (self.generators, self.discriminators):
                source = modules[scale - 1].state_dict()
                target = modules[scale].state_dict()
                shared = {key: value for key, value in source.items() if key in target}
                modules[scale].load_state_dict(shared, strict=False)
        self._set_modes(scale)

        if scale == 0:
            self.noise_amps[0] = 1.0
            return
        reconstruction = self._reconstruction_input(scale)
        rmse = torch.sqrt(F.mse_loss(reconstruction, self.reals[scale]))
        self.noise_amps[scale] = self.noise_amp_init * rmse

    def _train_scale_iteration(
        self, scale: int, generator_wrapper: OptimWrapper, discriminator_wrapper: OptimWrapper
    ) -> Dict[str, torch.Tensor]:
        self._set_modes(scale)
        real = self.reals[scale]
        generator = self.generators[scale]
        critic = self.discriminators[scale]
        amplitude = self.noise_amps[scale]
        reconstruction_input = self._reconstruction_input(scale)
        noise = self._noise(scale, 1, self.scale_sizes[scale], None)

        for _ in range(self.discriminator_steps):
            with torch.no_grad():
                previous = self._input_of_scale(scale, 1, self.scale_sizes, random_from=0)
                fake = generator(amplitude * noise + previous, previous)
            log_vars = self._discriminator_step(critic, discriminator_wrapper, real, fake)

        set_requires_grad(critic, False)
        for _ in range(self.generator_steps):
            fake = generator(amplitude * noise + previous, previous)
            loss_adversarial = -critic(fake).mean()
            reconstruction = generator(
                amplitude * self._fixed_noise(scale, 1, self.scale_sizes[scale]) + reconstruction_input,
                reconstruction_input,
            )
            loss_reconstruction = self.reconstruction_weight * F.mse_loss(reconstruction, real)
            generator_wrapper.update_params(loss_adversarial + loss_reconstruction)
        set_requires_grad(critic, True)

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
        previous = self._input_of_scale(start_scale, num_samples, sizes, start_scale, generator)
        return self._run_scales(start_scale, last, previous, sizes, start_scale, generator)

    def _inject(
        self,
        reference: torch.Tensor,
        scale: int,
        last: int,
        num_samples: int,
        generator: Optional[torch.Generator],
    ) -> torch.Tensor:
        # As SinGAN does: down to the scale below, then up, so only its coarse content is kept.
        previous = imresize(reference, output_size=self.scale_sizes[scale - 1])
        previous = imresize(previous, output_size=self.scale_sizes[scale])
        previous = previous.expand(num_samples, -1, -1, -1)
        return self._run_scales(scale, last, previous, self.scale_sizes, scale, generator)
