"""GAN models of the subpackage, registered in the sase_gan scope."""
from sase_mm.gan.models import fastgan, singan

__all__ = ["fastgan", "singan"]
