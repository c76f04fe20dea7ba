"""Differentiable augmentations for GAN training (DiffAugment, ADA)."""
from sase_mm.gan.augment.ada import AdaptiveAugment
from sase_mm.gan.augment.diffaugment import DIFF_AUGMENT_OPS, DiffAugment

__all__ = ["DIFF_AUGMENT_OPS", "AdaptiveAugment", "DiffAugment"]
