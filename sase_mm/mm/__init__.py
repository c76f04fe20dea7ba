"""OpenMMLab (MMEngine / MMPretrain / MMDetection) integration of sase_mm.

Importing this package registers its modules in MMEngine's root registries,
which the mmpretrain and mmdet registries fall back to, so ``type='SASEResNet'``
resolves under either default scope. Configs import it with
``custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)``.

Importing it also makes MMEngine load local checkpoint files with PyTorch's
``weights_only`` loader and the few objects MMEngine checkpoints contain
allowed for that load only (see :mod:`sase_mm.mm.checkpoint_globals`), so that
``--resume`` and ``load_from`` work with PyTorch >= 2.6.
"""
from .backbones import SASEResNetBackbone
from .checkpoint_globals import register_mmengine_checkpoint_loader
from .datasets import GrayToBGR
from .engine import CPUAutocastOptimWrapper, RandomStateHook

register_mmengine_checkpoint_loader()

__all__ = ["CPUAutocastOptimWrapper", "GrayToBGR", "RandomStateHook", "SASEResNetBackbone"]
