"""SinGAN, SLE-SinGAN, SASE-SinGAN and ConSinGAN, registered in the ``sase_gan`` scope.

Importing this package registers the models ``SinGAN`` (its ``skip`` argument selects the SLE
and SASE variants) and ``ConSinGAN``, the ``SingleImageDataset``, the
``SingleImageGANOptimWrapperConstructor`` and the ``ProgressiveTrainLoop``.
"""
from sase_mm.gan.models.singan.base import SingleImageGAN
from sase_mm.gan.models.singan.consingan import ConSinGAN, GrowingGenerator
from sase_mm.gan.models.singan.imresize import imresize
from sase_mm.gan.models.singan.manipulate import harmonize, soften_mask
from sase_mm.gan.models.singan.networks import (
    SameResolutionSLE,
    SinGANDiscriminator,
    SinGANGenerator,
    SinGANSASE,
)
from sase_mm.gan.models.singan.pyramid import build_pyramid, compute_pyramid_sizes, load_image
from sase_mm.gan.models.singan.singan import SinGAN
from sase_mm.gan.models.singan.training import (
    ProgressiveTrainLoop,
    SingleImageDataset,
    SingleImageGANOptimWrapperConstructor,
)

__all__ = [
    "ConSinGAN",
    "GrowingGenerator",
    "ProgressiveTrainLoop",
    "SameResolutionSLE",
    "SinGAN",
    "SinGANDiscriminator",
    "SinGANGenerator",
    "SinGANSASE",
    "SingleImageDataset",
    "SingleImageGAN",
    "SingleImageGANOptimWrapperConstructor",
    "build_pyramid",
    "compute_pyramid_sizes",
    "harmonize",
    "imresize",
    "load_image",
    "soften_mask",
]
