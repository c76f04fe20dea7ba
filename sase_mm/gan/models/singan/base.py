"""Shared machinery of the single-image GANs: pyramid, scale bookkeeping, WGAN-GP, sampling checks.

A single-image GAN trains one scale after another, ``iters_per_scale`` iterations each. The model
derives the current scale from its own iteration counter. Every checkpoint stores that counter
as a buffer, together with the number of finished scales, their noise amplitudes, the fixed
reconstruction noise and the image pyramid. Resuming from any iteration, mid-scale included, restores all of it;
the optimizer of every scale lives in one :class:`~mmengine.optim.OptimWrapperDict`
(see :mod:`sase_mm.gan.models.singan.training`), so its state is restored as well.
"""
import contextlib
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import nn

from sase_mm.gan.models.singan.imresize import imresize
from sase_mm.gan.models.singan.pyramid import build_pyramid, compute_pyramid_sizes, load_image

__all__ = ["SingleImageGAN", "gradient_penalty", "set_requires_grad"]

_logger = logging.getLogger(__name__)


def set_requires_grad(module: nn.Module, requires_grad: bool) -> None:
    """Switch gradients of every parameter of ``module`` on or off."""
    for parameter in module.parameters():
        parameter.requires_grad_(requires_grad)


def gradient_penalty(
    critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, weight: float
) -> torch.Tensor:
    """Compute SinGAN's WGAN-GP term ``weight * mean((||grad||_2 - 1) ** 2)``.

    As in SinGAN, one mixing coefficient is drawn for the whole batch and the gradient norm is
    taken over the channels of every pixel (not over the whole image).

    Args:
        critic: The discriminator.
        real: Real images ``(B, C, H, W)``.
        fake: Generated images of the same shape, detached.
        weight: Penalty weight (SinGAN: 0.1).

    Returns:
        The penalty, a scalar.
    """
    alpha = torch.rand(1, device=real.device, dtype=real.dtype)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed)
    (gradients,) = torch.autograd.grad(
        outputs=scores, inputs=mixed, grad_outputs=torch.ones_like(scores), create_graph=True
    )
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * weight


class SingleImageGAN(BaseModel):
    """Base class of SinGAN and ConSinGAN: one image, a pyramid and progressive training.

    Subclasses build their networks, then implement :meth:`_begin_scale`, :meth:`_train_scale_iteration`,
    :meth:`sample`, :meth:`inject`, :meth:`generator_param_groups` and
    :meth:`discriminator_parameters`.

    Args:
        image_path (str): The training image.
        in_channels (int): 3 (RGB) or 1 (greyscale); other images are converted. Defaults to 3.
        max_size (int): Longest side of the finest scale. Defaults to 250.
        min_size (int): Short side of the coarsest scale. Defaults to 25.
        scale_factor (float): Initial factor between scales. Defaults to 0.75.
        num_scales (int | None): Fixed number of scales; ``None`` derives it as SinGAN does.
            Defaults to None.
        pyramid_spacing (str): ``'geometric'`` or ``'consingan'``. Defaults to ``'geometric'``.
        iters_per_scale (int): Training iterations of every scale. Defaults to 2000.
        lr_milestone_ratio (float): Fraction of ``iters_per_scale`` after which the learning
            rates are multiplied by ``lr_gamma`` (SinGAN: 1600 of 2000). Defaults to 0.8.
        lr_gamma (float): Learning-rate factor after the milestone. Defaults to 0.1.
        discriminator_steps (int): Discriminator updates per iteration. Defaults to 3.
        generator_steps (int): Generator updates per iteration. Defaults to 3.
        gradient_penalty_weight (float): WGAN-GP weight. Defaults to 0.1.
        reconstruction_weight (float): Weight ``alpha`` of the reconstruction MSE. Defaults to 10.
        noise_amp_init (float): Noise amplitude of a scale relative to the RMSE of the upsampled
            reconstruction. Defaults to 0.1.
        data_preprocessor (dict | None): MMEngine data preprocessor config. Defaults to None.
        init_cfg (dict | None): MMEngine initialisation config. Defaults to None.

    Raises:
        FileNotFoundError: If ``image_path`` does not exist.
        ValueError: If the image cannot be read or is smaller than ``min_size``.
    """

    def __init__(
        self,
        image_path: str,
        in_channels: int = 3,
        max_size: int = 250,
        min_size: int = 25,
        scale_factor: float = 0.75,
        num_scales: Optional[int] = None,
        pyramid_spacing: str = "geometric",
        iters_per_scale: int = 2000,
        lr_milestone_ratio: float = 0.8,
        lr_gamma: float = 0.1,
        discriminator_steps: int = 3,
        generator_steps: int = 3,
        gradient_penalty_weight: float = 0.1,
        reconstruction_weight: float = 10.0,
        noise_amp_init: float = 0.1,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if iters_per_scale < 1:
            raise ValueError(f"iters_per_scale={iters_per_scale} must be at least 1.")
        if discriminator_steps < 1 or generator_steps < 1:
            raise ValueError(
                f"discriminator_steps={discriminator_steps} and generator_steps={generator_steps} "
                "must be at least 1."
            )
        self.image_path = image_path
        self.in_channels = in_channels
        self.iters_per_scale = iters_per_scale
        self.lr_milestone = int(round(lr_milestone_ratio * iters_per_scale))
        self.lr_gamma = lr_gamma
        self.discriminator_steps = discriminator_steps
        self.generator_steps = generator_steps
        self.gradient_penalty_weight = gradient_penalty_weight
        self.reconstruction_weight = reconstruction_weight
        self.noise_amp_init = noise_amp_init

        image = load_image(image_path, in_channels)
        sizes, factor = compute_pyramid_sizes(
            image.shape[2],
            image.shape[3],
            max_size=max_size,
            min_size=min_size,
            scale_factor=scale_factor,
            num_scales=num_scales,
            spacing=pyramid_spacing,
        )
        self.scale_sizes: List[Tuple[int, int]] = sizes
        self.pyramid_factor = factor
        _logger.info("Pyramid of %s: %d scales %s (factor %.4f).", image_path, len(sizes), sizes, factor)

        for index, real in enumerate(build_pyramid(image, sizes)):
            self.register_buffer(f"real_{index}", real)
        self.register_buffer("pyramid_sizes", torch.tensor(sizes, dtype=torch.long))
        self.register_buffer("source_size", torch.tensor(image.shape[2:], dtype=torch.long))
        self.register_buffer("noise_amps", torch.zeros(len(sizes)))
        self.register_buffer("iteration", torch.zeros((), dtype=torch.long))
        self.register_buffer("num_trained_scales", torch.zeros((), dtype=torch.long))
        self._register_load_state_dict_pre_hook(self._check_checkpoint_pyramid)
        self._input_checked = False

    # ----------------------------------------------------------------------------------------
    # Bookkeeping

    @property
    def num_scales(self) -> int:
        """Number of scales of the pyramid."""
        return len(self.scale_sizes)

    @property
    def total_iterations(self) -> int:
        """Iterations needed to train every scale."""
        return self.num_scales * self.iters_per_scale

    @property
    def reals(self) -> List[torch.Tensor]:
        """The real image at every scale, coarsest first."""
        return [getattr(self, f"real_{index}") for index in range(self.num_scales)]

    @property
    def device(self) -> torch.device:
        """Device of the model's buffers."""
        return self.pyramid_sizes.device

    def _check_checkpoint_pyramid(self, state_dict: dict, prefix: str, *args) -> None:
        key = prefix + "pyramid_sizes"
        if key not in state_dict:
            return
        stored = [tuple(size) for size in state_dict[key].tolist()]
        if stored != [tuple(size) for size in self.pyramid_sizes.tolist()]:
            raise ValueError(
                f"The checkpoint was trained on a pyramid of {len(stored)} scales {stored}, but "
                f"{self.image_path!r} with this config gives {self.num_scales} scales "
                f"{self.scale_sizes}. Build the model from the image and pyramid settings the "
                "checkpoint was trained with."
            )

    def _check_input_image(self, data: dict) -> None:
        inputs = data.get("inputs") if isinstance(data, dict) else None
        if inputs is None:
            return
        image = inputs[0].float()
        mismatch = tuple(image.shape[-2:]) != tuple(self.source_size.tolist())
        if not mismatch:
            finest = imresize(image[None], output_size=self.scale_sizes[-1])
            mismatch = bool((finest - self.reals[-1]).abs().max() > 1e-3)
        if mismatch:
            raise ValueError(
                f"The dataloader feeds another image ({tuple(image.shape[-2:])} pixels) than the "
                f"model was built from ({self.image_path!r}, {tuple(self.source_size.tolist())}); "
                "give the dataset and the model the same image_path."
            )

    def _set_learning_rates(self, optim_wrapper: OptimWrapper, local_iteration: int) -> None:
        # The schedule is computed from the iteration, so a resumed run gets the same rates.
        factor = self.lr_gamma if local_iteration >= self.lr_milestone else 1.0
        for group in optim_wrapper.optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
            group["lr"] = group["initial_lr"] * factor

    def _discriminator_step(
        self,
        critic: nn.Module,
        optim_wrapper: OptimWrapper,
        real: torch.Tensor,
        fake: torch.Tensor,
    ) -> Dict[str, torch.Tensor]:
        """Run one WGAN-GP update of ``critic`` and return its loss terms."""
        loss_real = -critic(real).mean()
        loss_fake = critic(fake.detach()).mean()
        penalty = gradient_penalty(critic, real, fake.detach(), self.gradient_penalty_weight)
        optim_wrapper.update_params(loss_real + loss_fake + penalty)
        return dict(loss_d_real=loss_real.detach(), loss_d_fake=loss_fake.detach(), loss_gp=penalty.detach())

    # ----------------------------------------------------------------------------------------
    # Training

    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """Run one training iteration of the current scale.

        Args:
            data: A batch from the dataloader (the image the model was built from).
            optim_wrapper: An :class:`~mmengine.optim.OptimWrapperDict` with the keys
                ``generator_<n>`` and ``discriminator_<n>`` for every scale ``n``.

        Returns:
            Loss terms and the current scale, for logging.

        Raises:
            RuntimeError: If every scale is already trained.
        """
        iteration = int(self.iteration)
        if iteration >= self.total_iterations:
            raise RuntimeError(
                f"All {self.num_scales} scales are trained ({iteration} iterations); lower "
                "max_iters or start a new work_dir."
            )
        if not self._input_checked:
            self._check_input_image(self.data_preprocessor(data, True))
            self._input_checked = True

        scale, local_iteration = divmod(iteration, self.iters_per_scale)
        if local_iteration == 0:
            self._begin_scale(scale)
            _logger.info("Scale %d of %d begins, noise amplitude %.4f.", scale, self.num_scales, float(self.noise_amps[scale]))

        generator_wrapper = optim_wrapper[f"generator_{scale}"]
        discriminator_wrapper = optim_wrapper[f"discriminator_{scale}"]
        self._set_learning_rates(generator_wrapper, local_iteration)
        self._set_learning_rates(discriminator_wrapper, local_iteration)
        log_vars = self._train_scale_iteration(scale, generator_wrapper, discriminator_wrapper)

        self.iteration += 1
        if local_iteration == self.iters_per_scale - 1:
            self.num_trained_scales.fill_(scale + 1)
        log_vars["scale"] = torch.tensor(float(scale))
        return log_vars

    def _begin_scale(self, scale: int) -> None:
        raise NotImplementedError

    def _train_scale_iteration(
        self, scale: int, generator_wrapper: OptimWrapper, discriminator_wrapper: OptimWrapper
    ) -> Dict[str, torch.Tensor]:
        raise NotImplementedError

    def generator_param_groups(self, scale: int, lr: float) -> List[dict]:
        """Return the generator's parameter groups trained at ``scale``, with their rates."""
        raise NotImplementedError

    def discriminator_parameters(self, scale: int) -> List[nn.Parameter]:
        """Return the discriminator's parameters trained at ``scale``."""
        raise NotImplementedError

    # ----------------------------------------------------------------------------------------
    # Sampling

    def _trained_last_scale(self) -> int:
        trained = int(self.num_trained_scales)
        if trained == 0:
            raise ValueError(
                "No scale of this model is trained yet; load a checkpoint saved after the first "
                f"{self.iters_per_scale} iterations."
            )
        return trained - 1

    def _check_scale(self, scale: int, name: str, lowest: int = 0) -> int:
        last = self._trained_last_scale()
        if not lowest <= scale <= last:
            raise ValueError(
                f"{name}={scale} is outside {lowest}..{last}: the model has {self.num_scales} "
                f"scales and {last + 1} of them are trained; choose a scale in {lowest}..{last}."
            )
        return last

    def scaled_sizes(self, height_factor: float = 1.0, width_factor: float = 1.0) -> List[Tuple[int, int]]:
        """Return every scale's size multiplied by the factors (at least 1 pixel).

        Raises:
            ValueError: If a factor is not positive.
        """
        if height_factor <= 0 or width_factor <= 0:
            raise ValueError(
                f"height_factor={height_factor} and width_factor={width_factor} must be positive."
            )
        return [
            (max(1, round(height * height_factor)), max(1, round(width * width_factor)))
            for height, width in self.scale_sizes
        ]

    def _randn(
        self, shape: Sequence[int], generator: Optional[torch.Generator] = None
    ) -> torch.Tensor:
        # Drawn on the generator's device, then moved, so a CPU generator works with a GPU model.
        device = generator.device if generator is not None else self.device
        return torch.randn(tuple(shape), generator=generator, device=device).to(self.device)

    @contextlib.contextmanager
    def _eval_mode(self):
        # Sampling must not update batch-norm statistics, whatever mode the model is in.
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            self.train(was_training)

    def sample(
        self,
        num_samples: int,
        start_scale: int = 0,
        height_factor: float = 1.0,
        width_factor: float = 1.0,
        generator: Optional[torch.Generator] = None,
    ) -> torch.Tensor:
        """Generate random images through every trained scale, in eval mode.

        Scales below ``start_scale`` use the fixed reconstruction noise, so the coarse layout is
        the training image's and the variation starts at ``start_scale``.

        Args:
            num_samples: Number of images.
            start_scale: First scale with random noise. Defaults to 0.
            height_factor: Output height relative to the training image. Defaults to 1.
            width_factor: Output width relative to the training image. Defaults to 1.
            generator: Random number generator for reproducible samples. Defaults to None.

        Returns:
            Images in ``[-1, 1]`` of shape ``(num_samples, C, H, W)`` at the last trained scale.

        Raises:
            ValueError: If no scale is trained, ``start_scale`` is not a trained scale or a
                factor is not positive.
        """
        if num_samples < 1:
            raise ValueError(f"num_samples={num_samples} must be at least 1.")
        last = self._check_scale(start_scale, "start_scale")
        sizes = self.scaled_sizes(height_factor, width_factor)
        with self._eval_mode():
            return self._sample(num_samples, start_scale, last, sizes, generator)

    def inject(
        self,
        reference: torch.Tensor,
        scale: int,
        num_samples: int = 1,
        generator: Optional[torch.Generator] = None,
    ) -> torch.Tensor:
        """Feed ``reference`` (at the finest training size) in at ``scale`` and generate from there.

        This is SinGAN's harmonization and editing step, run in eval mode;
        :func:`~sase_mm.gan.models.singan.manipulate.harmonize` blends the result with the mask.

        Args:
            reference: Image ``(1, C, H, W)`` in ``[-1, 1]`` at the finest scale's size.
            scale: Injection scale, ``1 .. N - 1`` for ``N`` trained scales.
            num_samples: Number of outputs. Defaults to 1.
            generator: Random number generator. Defaults to None.

        Returns:
            Images ``(num_samples, C, H, W)`` in ``[-1, 1]`` at the last trained scale's size.

        Raises:
            ValueError: If ``scale`` is outside ``1 .. N - 1``.
        """
        if num_samples < 1:
            raise ValueError(f"num_samples={num_samples} must be at least 1.")
        last = self._check_scale(scale, "injection scale", lowest=1)
        with self._eval_mode():
            return self._inject(reference.to(self.device), scale, last, num_samples, generator)

    def _sample(
        self,
        num_samples: int,
        start_scale: int,
        last: int,
        sizes: List[Tuple[int, int]],
        generator: Optional[torch.Generator],
    ) -> torch.Tensor:
        raise NotImplementedError

    def _inject(
        self,
        reference: torch.Tensor,
        scale: int,
        last: int,
        num_samples: int,
        generator: Optional[torch.Generator],
    ) -> torch.Tensor:
        raise NotImplementedError

    def generate(self, num_samples: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Generate ``num_samples`` random images at the training size, in ``[-1, 1]``.

        The networks run in eval mode (batch-norm running statistics); the previous mode is
        restored afterwards.
        """
        return self.sample(num_samples, generator=generator)

    def forward(self, inputs=None, data_samples=None, mode: str = "tensor"):
        """Return ``len(inputs)`` random samples (``mode='tensor'``), for MMEngine's test tools.

        Raises:
            ValueError: For any mode other than ``'tensor'``; training goes through :meth:`train_step`.
        """
        if mode != "tensor":
            raise ValueError(
                f"mode={mode!r} is not supported by {type(self).__name__}; it trains through "
                "train_step and samples with mode='tensor' or generate()."
            )
        num_samples = len(inputs) if inputs is not None else 1
        return self.generate(num_samples)
