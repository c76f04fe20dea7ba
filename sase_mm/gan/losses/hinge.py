"""Hinge adversarial loss with random margins, as in FastGAN's official training code."""
import torch
import torch.nn.functional as F
from torch import nn

from sase_mm.gan.registry import MODELS

__all__ = ["RandomMarginHingeLoss"]


@MODELS.register_module()
class RandomMarginHingeLoss(nn.Module):
    """Hinge loss whose margin is drawn per logit from U(low, high).

    The discriminator minimises ``mean(relu(m - D(real)))`` and ``mean(relu(m + D(fake)))`` with
    ``m ~ U(low, high)``; the generator minimises ``-mean(D(fake))``.

    Args:
        margin_low (float): Lower bound of the margin. Defaults to 0.8.
        margin_high (float): Upper bound of the margin. Defaults to 1.0.
    """

    def __init__(self, margin_low: float = 0.8, margin_high: float = 1.0) -> None:
        super().__init__()
        if not 0 <= margin_low <= margin_high:
            raise ValueError(
                f"margins must satisfy 0 <= margin_low <= margin_high; got {margin_low}, {margin_high}."
            )
        self.margin_low = margin_low
        self.margin_high = margin_high

    def _margin(self, logits: torch.Tensor) -> torch.Tensor:
        return self.margin_low + (self.margin_high - self.margin_low) * torch.rand_like(logits)

    def discriminator_real(self, logits: torch.Tensor) -> torch.Tensor:
        """Return the discriminator's loss on real images."""
        return F.relu(self._margin(logits) - logits).mean()

    def discriminator_fake(self, logits: torch.Tensor) -> torch.Tensor:
        """Return the discriminator's loss on generated images."""
        return F.relu(self._margin(logits) + logits).mean()

    def generator(self, logits: torch.Tensor) -> torch.Tensor:
        """Return the generator's loss."""
        return -logits.mean()
