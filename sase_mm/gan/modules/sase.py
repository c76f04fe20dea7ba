"""Registration of the SASE synthesis layer as a FastGAN / SinGAN skip-layer module."""
from sase_mm.gan.registry import MODELS
from sase_mm.layers.sase_synthesis import SASESynthesis

__all__ = ["SASESynthesis"]

# Configs may name it ``type='SASE'`` or ``type='SASESynthesis'``.
MODELS.register_module(name=["SASESynthesis", "SASE"], module=SASESynthesis)
