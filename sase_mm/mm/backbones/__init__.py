"""OpenMMLab backbones registered in MMEngine's root MODELS registry."""
from .sase_resnet import SASEResNetBackbone

__all__ = ["SASEResNetBackbone"]
