"""FastGAN generator, discriminator and training model."""
from sase_mm.gan.models.fastgan.checkpoint import allow_mmengine_checkpoint_globals
from sase_mm.gan.models.fastgan.discriminator import FastGANDiscriminator, SimpleDecoder
from sase_mm.gan.models.fastgan.generator import SUPPORTED_SIZES, FastGANGenerator
from sase_mm.gan.models.fastgan.model import FastGAN
from sase_mm.gan.models.fastgan.optim import PerSubmoduleOptimWrapperConstructor

__all__ = ["SUPPORTED_SIZES", "FastGAN", "FastGANDiscriminator", "FastGANGenerator", "PerSubmoduleOptimWrapperConstructor", "SimpleDecoder"]

# MMEngine resumes through torch.load(weights_only=True); see the checkpoint module.
allow_mmengine_checkpoint_globals()
