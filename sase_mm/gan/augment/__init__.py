"""Differentiable augmentations for GAN training (DiffAugment, ADA)."""
