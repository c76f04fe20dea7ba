"""OpenMMLab (MMEngine / MMPretrain / MMDetection) integration of sase_mm.

Importing this package registers its modules in MMEngine's root registries,
which the mmpretrain and mmdet registries fall back to, so ``type='SASEResNet'``
resolves under either default scope. Configs import it with
``custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)``.
"""
from .datasets import GrayToBGR
from .engine import CPUAutocastOptimWrapper

__all__ = ["CPUAutocastOptimWrapper", "GrayToBGR"]
