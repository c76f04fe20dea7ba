"""Few-shot and one-shot GANs with SASE skip-layer modules (FastGAN, SinGAN).

Importing this subpackage registers its modules in the ``sase_gan`` scope of
MMEngine (see :mod:`sase_mm.gan.registry`); configs name it in
``custom_imports=dict(imports=['sase_mm.gan'])`` with ``default_scope='sase_gan'``.
"""
from sase_mm.gan import augment, datasets, losses, metrics, models, modules
from sase_mm.gan.registry import SCOPE

__all__ = ["SCOPE", "augment", "datasets", "losses", "metrics", "models", "modules"]
