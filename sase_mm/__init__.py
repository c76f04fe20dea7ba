"""Spatially-Adaptive Squeeze-Excitation (SASE) networks for timm and OpenMMLab.

``import sase_mm`` registers the SASE-ResNet family in timm and, when MMEngine
is installed, the ``SASEResNet`` backbone in MMEngine's root model registry
(so mmpretrain and mmdet configs resolve it). The GAN subpackage is imported
separately: ``import sase_mm.gan``.
"""
import importlib.util

from sase_mm import layers, models

__version__ = "0.1.0"

if importlib.util.find_spec("mmengine") is not None:
    from sase_mm import mm  # noqa: F401  (registers the OpenMMLab backbone)

__all__ = ["layers", "models", "__version__"]
