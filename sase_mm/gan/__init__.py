"""Few-shot and one-shot GANs with SASE skip-layer modules (FastGAN, SinGAN).

Importing this subpackage registers its modules in the ``sase_gan`` scope of
MMEngine (see :mod:`sase_mm.gan.registry`).
"""
from sase_mm.gan.registry import SCOPE

__all__ = ["SCOPE"]
