"""Skip-layer modules of the GAN generators (SLE, SASE, CBAM, SPAP), registered in the sase_gan scope.

Every skip-layer module is built as ``MODELS.build(dict(type=..., source_channels=...,
target_channels=...))`` and called as ``module(source, target)``.
"""
from sase_mm.gan.modules.cbam import CBAMSkip
from sase_mm.gan.modules.layers import GLU, NoiseInjection, Swish
from sase_mm.gan.modules.sase import SASESynthesis
from sase_mm.gan.modules.sle import SLE
from sase_mm.gan.modules.spap import SPAPSkip

__all__ = ["CBAMSkip", "GLU", "NoiseInjection", "SASESynthesis", "SLE", "SPAPSkip", "Swish"]
