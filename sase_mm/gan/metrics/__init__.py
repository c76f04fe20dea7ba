"""Generative metrics: FID, KID, density/coverage, the memorization test, SIFID, diversity, LPIPS.

The functions work on features or image tensors; :mod:`.evaluation` wraps them as
MMEngine metrics registered in the ``sase_gan`` scope, and ``tools/gan/evaluate.py``
runs them from the command line. No weights are downloaded: see :mod:`.inception` and
:mod:`.lpips` for where the weight files go.
"""
from sase_mm.gan.metrics.evaluation import (
    AttachModelHook,
    DensityCoverage,
    DiversityScore,
    FrechetInceptionDistance,
    KernelInceptionDistance,
    LearnedPerceptualDistance,
    MemorizationTest,
    SingleImageFID,
)
from sase_mm.gan.metrics.features import extract_features, folder_features
from sase_mm.gan.metrics.frechet import (
    RankDeficientCovarianceWarning,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_features,
)
from sase_mm.gan.metrics.inception import FIDInceptionV3, build_fid_inception
from sase_mm.gan.metrics.kid import kernel_inception_distance, polynomial_mmd
from sase_mm.gan.metrics.lpips import LPIPS, build_lpips
from sase_mm.gan.metrics.memorization import (
    latent_synthesizer,
    memorization_test,
    recover_latents,
    run_memorization_test,
)
from sase_mm.gan.metrics.prdc import density_coverage
from sase_mm.gan.metrics.single_image import diversity_score, sifid, sifid_pairs

__all__ = [
    "LPIPS",
    "AttachModelHook",
    "DensityCoverage",
    "DiversityScore",
    "FIDInceptionV3",
    "FrechetInceptionDistance",
    "KernelInceptionDistance",
    "LearnedPerceptualDistance",
    "MemorizationTest",
    "RankDeficientCovarianceWarning",
    "SingleImageFID",
    "build_fid_inception",
    "build_lpips",
    "density_coverage",
    "diversity_score",
    "extract_features",
    "feature_statistics",
    "folder_features",
    "frechet_distance",
    "frechet_distance_from_features",
    "kernel_inception_distance",
    "latent_synthesizer",
    "memorization_test",
    "polynomial_mmd",
    "recover_latents",
    "run_memorization_test",
    "sifid",
    "sifid_pairs",
]
