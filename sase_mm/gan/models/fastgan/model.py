"""FastGAN training model for the MMEngine Runner: D then G per iteration, EMA generator."""
import logging
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel, ExponentialMovingAverage
from mmengine.optim import OptimWrapperDict
from torch import nn

from sase_mm.gan.models.fastgan.discriminator import crop_quadrant
from sase_mm.gan.modules.builder import build_gan_module
from sase_mm.gan.registry import MODELS

__all__ = ["FastGAN"]

_logger = logging.getLogger(__name__)

# Submodules whose keys must match a checkpoint exactly.
_NETWORK_PREFIXES = ("generator", "discriminator", "generator_ema")


@MODELS.register_module()
class FastGAN(BaseModel):
    """Few-shot FastGAN: hinge loss with random margins, decoder reconstruction, EMA generator.

    One ``train_step`` updates the discriminator, then the generator, each with its own optimizer
    (an ``OptimWrapperDict`` with the keys ``generator`` and ``discriminator``). The augmentation
    is applied to real and generated images alike before the discriminator sees them.

    Args:
        generator (dict): Config of the generator (``FastGANGenerator``).
        discriminator (dict): Config of the discriminator (``FastGANDiscriminator``).
        augment (dict | None): Config of the differentiable augmentation (``DiffAugment`` or
            ``AdaptiveAugment``), None for none. Defaults to
            ``dict(type='DiffAugment', policy='color,translation')``.
        gan_loss (dict): Config of the adversarial loss. Defaults to
            ``dict(type='RandomMarginHingeLoss')``.
        reconstruction_loss (dict): Config of the decoders' loss (``LPIPSLoss`` or
            ``L1ReconstructionLoss``). Defaults to ``dict(type='LPIPSLoss')``.
        ema_decay (float): Decay of the generator's parameter EMA. Defaults to 0.999.
        data_preprocessor (dict | None): MMEngine data preprocessor config. Defaults to None.
        init_cfg (dict | None): MMEngine initialisation config. Defaults to None.
    """

    def __init__(
        self,
        generator: dict,
        discriminator: dict,
        augment: Optional[dict] = dict(type="DiffAugment", policy="color,translation"),
        gan_loss: dict = dict(type="RandomMarginHingeLoss"),
        reconstruction_loss: dict = dict(type="LPIPSLoss"),
        ema_decay: float = 0.999,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay={ema_decay} must be in [0, 1).")
        if isinstance(generator, dict):
            generator = build_gan_module(generator, "generator")
        if isinstance(discriminator, dict):
            discriminator = build_gan_module(discriminator, "discriminator")
        if generator.im_size != discriminator.im_size:
            raise ValueError(
                f"generator im_size={generator.im_size} differs from discriminator "
                f"im_size={discriminator.im_size}; set both to the same size."
            )
        self.im_size = generator.im_size
        self.nz = generator.nz
        self.generator = generator
        self.discriminator = discriminator
        self.generator_ema = ExponentialMovingAverage(generator, momentum=1.0 - ema_decay)
        self.augment = build_gan_module(augment, "augment") if augment is not None else nn.Identity()
        self.gan_loss = build_gan_module(gan_loss, "gan_loss")
        self.reconstruction_loss = build_gan_module(reconstruction_loss, "reconstruction_loss")
        self._register_load_state_dict_pre_hook(self._check_checkpoint_matches)

    # ------------------------------------------------------------------ training
    def train_step(
        self, data: Union[dict, tuple, list], optim_wrapper: OptimWrapperDict
    ) -> Dict[str, torch.Tensor]:
        """Update the discriminator, then the generator, then the generator's EMA.

        Returns:
            Detached losses and statistics for the logger.
        """
        data = self.data_preprocessor(data, True)
        real = data["inputs"]
        if real.dim() != 4 or real.shape[0] < 1:
            raise ValueError(f"FastGAN expects a batch of images (B, C, H, W); got {tuple(real.shape)}.")
        z = torch.randn(real.shape[0], self.nz, device=real.device)
        d_wrapper, g_wrapper = optim_wrapper["discriminator"], optim_wrapper["generator"]

        # Discriminator: real and fake images are separate forward-backward passes, as in the
        # official code, so that batch norm sees them separately and DDP runs one forward per
        # backward.
        d_wrapper.zero_grad()
        with d_wrapper.optim_context(self.discriminator):
            fakes = self.generator(z)
            real_augmented = self.augment(real)
            fakes_augmented = [self.augment(fake) for fake in fakes]
            logits_real, reconstructions, quadrant = self.discriminator(
                real_augmented, reconstruct=True
            )
            loss_real = self.gan_loss.discriminator_real(logits_real)
            loss_rec = self._reconstruction(real_augmented, reconstructions, quadrant)
        d_wrapper.backward(loss_real + loss_rec)
        with d_wrapper.optim_context(self.discriminator):
            logits_fake = self.discriminator([fake.detach() for fake in fakes_augmented])
            loss_fake = self.gan_loss.discriminator_fake(logits_fake)
        d_wrapper.backward(loss_fake)
        d_wrapper.step()
        d_wrapper.zero_grad()
        if hasattr(self.augment, "update"):
            self.augment.update(logits_real.detach())

        # Generator: the discriminator's gradients from this pass are cleared before its next step.
        with g_wrapper.optim_context(self.generator):
            loss_g = self.gan_loss.generator(self.discriminator(fakes_augmented))
        g_wrapper.update_params(loss_g)
        self.generator_ema.update_parameters(self.generator)

        log_vars = {
            "loss_d_real": loss_real.detach(),
            "loss_d_fake": loss_fake.detach(),
            "loss_rec": loss_rec.detach(),
            "loss_g": loss_g.detach(),
            "logits_real": logits_real.detach().mean(),
        }
        if hasattr(self.augment, "probability"):
            log_vars["ada_p"] = self.augment.probability.detach().clone()
        return log_vars

    def _reconstruction(
        self, real: torch.Tensor, reconstructions: Dict[str, torch.Tensor], quadrant: int
    ) -> torch.Tensor:
        size = reconstructions["big"].shape[-1]
        whole = F.interpolate(real, size=size, mode="nearest")
        part = F.interpolate(crop_quadrant(real, quadrant), size=size, mode="nearest")
        return (
            self.reconstruction_loss(reconstructions["big"], whole)
            + self.reconstruction_loss(reconstructions["small"], whole)
            + self.reconstruction_loss(reconstructions["part"], part)
        )

    # ---------------------------------------------------------------- sampling
    @property
    def ema_generator(self) -> nn.Module:
        """The EMA generator used for sampling."""
        return self.generator_ema.module

    @torch.no_grad()
    def generate(
        self,
        num_samples: int,
        generator: Optional[torch.Generator] = None,
        batch_size: int = 16,
    ) -> torch.Tensor:
        """Sample images from the EMA generator in eval mode.

        Args:
            num_samples: Number of images.
            generator: Random number generator for the latent vectors (any device).
            batch_size: Images per forward pass. Defaults to 16.

        Returns:
            Images in [-1, 1] of shape ``(num_samples, C, im_size, im_size)`` on the model's device.

        Raises:
            ValueError: If ``num_samples`` or ``batch_size`` is not positive.
        """
        if num_samples < 1 or batch_size < 1:
            raise ValueError(
                f"num_samples={num_samples} and batch_size={batch_size} must be positive."
            )
        z = self.sample_latents(num_samples, generator)
        return self.generate_from_latents(z, batch_size=batch_size)

    def sample_latents(self, num_samples: int, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Draw standard-normal latent vectors ``(num_samples, nz)`` on the model's device."""
        device = generator.device if generator is not None else torch.device("cpu")
        z = torch.randn(num_samples, self.nz, generator=generator, device=device)
        return z.to(self._model_device())

    @torch.no_grad()
    def generate_from_latents(self, z: torch.Tensor, batch_size: int = 16) -> torch.Tensor:
        """Run the EMA generator in eval mode on latent vectors; returns images in [-1, 1]."""
        network = self.ema_generator
        was_training = network.training
        network.eval()
        try:
            images = [network(chunk)[0] for chunk in z.split(batch_size)]
        finally:
            network.train(was_training)
        return torch.cat(images).clamp_(-1, 1)

    @torch.no_grad()
    def update_standing_statistics(
        self, num_batches: int = 16, batch_size: int = 8, generator: Optional[torch.Generator] = None
    ) -> None:
        """Recompute the EMA generator's batch-norm running statistics from fresh samples.

        The running statistics follow the live generator with momentum 0.1, so after few
        iterations they still sit near their initial values and eval-mode samples are flat grey.
        As BigGAN's "standing statistics" do, this resets them and averages the batch statistics
        of ``num_batches`` train-mode passes with equal weight. It changes the model in place, so
        call it on a model loaded for sampling, not on one that is training.

        Raises:
            ValueError: If ``num_batches`` or ``batch_size`` is not positive.
        """
        if num_batches < 1 or batch_size < 2:
            raise ValueError(
                f"num_batches={num_batches} must be positive and batch_size={batch_size} at least 2."
            )
        network = self.ema_generator
        norms = [layer for layer in network.modules() if isinstance(layer, nn.modules.batchnorm._BatchNorm)]
        momenta = [layer.momentum for layer in norms]
        for layer in norms:
            layer.reset_running_stats()
            layer.momentum = None  # cumulative average over the passes below
        was_training = network.training
        network.train()
        try:
            for _ in range(num_batches):
                network(self.sample_latents(batch_size, generator))
        finally:
            network.train(was_training)
            for layer, momentum in zip(norms, momenta):
                layer.momentum = momentum

    def _model_device(self) -> torch.device:
        return next(self.generator_ema.parameters()).device

    def forward(
        self,
        inputs: Optional[torch.Tensor] = None,
        data_samples: Optional[List] = None,
        mode: str = "tensor",
    ) -> torch.Tensor:
        """Return EMA samples, one per input image (``mode='tensor'`` or ``'predict'``).

        Training goes through ``train_step`` only, so ``mode='loss'`` raises.
        """
        if mode == "loss":
            raise ValueError("FastGAN trains through train_step; call train_step, not mode='loss'.")
        num_samples = inputs.shape[0] if isinstance(inputs, torch.Tensor) else len(inputs)
        return self.generate(num_samples)

    # ---------------------------------------------------------------- checkpoints
    def _check_checkpoint_matches(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        """Raise ValueError when a checkpoint comes from another FastGAN architecture or size."""
        own = self.state_dict()
        checkpoint = {
            key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)
        }
        mismatched = [
            f"{key}: checkpoint {tuple(value.shape)} vs model {tuple(own[key].shape)}"
            for key, value in checkpoint.items()
            if key in own and hasattr(value, "shape") and value.shape != own[key].shape
        ]
        network_keys = {key for key in checkpoint if key.split(".")[0] in _NETWORK_PREFIXES}
        own_network_keys = {key for key in own if key.split(".")[0] in _NETWORK_PREFIXES}
        missing = sorted(own_network_keys - network_keys)
        unexpected = sorted(network_keys - own_network_keys)
        if mismatched or missing or unexpected:
            details = (mismatched + [f"missing {key}" for key in missing]
                       + [f"unexpected {key}" for key in unexpected])
            raise ValueError(
                f"The checkpoint does not match this FastGAN (im_size={self.im_size}, skip layers "
                f"{self._skip_summary()}): {len(details)} differences, first: {details[:5]}. "
                "Load it with the config it was trained with."
            )

    def _skip_summary(self) -> Dict[str, str]:
        return {name: type(module).__name__ for name, module in self.ema_generator.skips.items()}
