"""Few-shot and one-shot GANs with SASE skip-layer modules (FastGAN, SinGAN).

Importing this subpackage registers its modules in the ``sase_gan`` scope of
MMEngine (see :mod:`sase_mm.gan.registry`); configs name it in
``custom_imports=dict(imports=['sase_mm.gan'])`` with ``default_scope='sase_gan'``.
"""
import sys

from sase_mm.gan import registry
from sase_mm.gan.registry import SCOPE

# MMEngine imports ``<scope>.registry`` whenever it switches to a scope; the
# alias lets it find this package's registries instead of warning on every build.
sys.modules.setdefault(f"{SCOPE}.registry", registry)

from sase_mm.gan import augment, datasets, losses, metrics, models, modules  # noqa: E402

__all__ = ["SCOPE", "augment", "datasets", "losses", "metrics", "models", "modules"]
