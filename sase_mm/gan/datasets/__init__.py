"""Image datasets of the GAN subpackage."""
from sase_mm.gan.datasets.image_folder import IMAGE_EXTENSIONS, FewShotImageFolder

__all__ = ["IMAGE_EXTENSIONS", "FewShotImageFolder"]
