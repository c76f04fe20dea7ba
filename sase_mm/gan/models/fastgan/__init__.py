"""FastGAN generator, discriminator and training model."""
# sase_mm.mm lets MMEngine load its checkpoints with torch.load(weights_only=True), so that
# runs resume, and registers the CPU mixed-precision wrapper that tools/train.py --amp selects.
import sase_mm.mm  # noqa: F401
from sase_mm.gan.models.fastgan.discriminator import FastGANDiscriminator, SimpleDecoder
from sase_mm.gan.models.fastgan.generator import SUPPORTED_SIZES, FastGANGenerator
from sase_mm.gan.models.fastgan.model import FastGAN
from sase_mm.gan.models.fastgan.optim import PerSubmoduleOptimWrapperConstructor
from sase_mm.gan.models.fastgan.wrapper import SeparateDistributedDataParallel

__all__ = [
    "SUPPORTED_SIZES",
    "FastGAN",
    "FastGANDiscriminator",
    "FastGANGenerator",
    "PerSubmoduleOptimWrapperConstructor",
    "SeparateDistributedDataParallel",
    "SimpleDecoder",
]
