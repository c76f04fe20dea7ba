"""Single-image metrics of SinGAN (Rott Shaham et al. 2019): SIFID and the diversity score."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from sase_mm.gan.metrics.frechet import (
    RankDeficientCovarianceWarning,
    feature_statistics,
    frechet_distance,
)
from sase_mm.gan.metrics.inception import FIDInceptionV3

__all__ = ["diversity_score", "sifid", "sifid_pairs"]


@torch.no_grad()
def _pixel_statistics(
    image: torch.Tensor, inception: FIDInceptionV3
) -> tuple[np.ndarray, np.ndarray]:
    device = next(inception.parameters()).device
    maps = inception.forward_stem(image.unsqueeze(0).to(device))[0]
    pixels = maps.flatten(1).T.double().cpu().numpy()
    with warnings.catch_warnings():
        # Small images give few pixels per 64-d feature; sifid_pairs warns once instead.
        warnings.simplefilter("ignore", RankDeficientCovarianceWarning)
        return feature_statistics(pixels, name="SIFID pixel features")


def sifid(real_image: torch.Tensor, fake_image: torch.Tensor, inception: FIDInceptionV3) -> float:
    """Compute the SIFID of one real and one fake image.

    SIFID is the Fréchet distance between the per-pixel 64-d features of the two images,
    taken before Inception's first max-pool without resizing. Inputs are divided by 255
    once: SinGAN's public script divides PNG images, which matplotlib already reads in
    [0, 1], by 255 a second time, and that is not repeated here.

    Args:
        real_image: Float image in [0, 1], shape (3, H, W).
        fake_image: Float image in [0, 1], shape (3, H, W), same size as the real one.
        inception: The FID Inception (:class:`FIDInceptionV3`).

    Returns:
        The SIFID value.

    Raises:
        ValueError: The images differ in size.
    """
    if real_image.shape != fake_image.shape:
        raise ValueError(
            f"SIFID compares images of one size, got real {tuple(real_image.shape)} and "
            f"fake {tuple(fake_image.shape)}"
        )
    mu_real, sigma_real = _pixel_statistics(real_image, inception)
    mu_fake, sigma_fake = _pixel_statistics(fake_image, inception)
    return frechet_distance(mu_real, sigma_real, mu_fake, sigma_fake)


def sifid_pairs(
    real_images: torch.Tensor,
    fake_images: torch.Tensor,
    inception: FIDInceptionV3,
    real_names: list[str] | None = None,
    fake_names: list[str] | None = None,
) -> list[float]:
    """Compute SIFID for each (real, fake) pair.

    A single real image is compared with every fake image (samples of one SinGAN).
    Otherwise real and fake images are paired in order, and their counts must match.

    Args:
        real_images: Float images in [0, 1], shape (M, 3, H, W).
        fake_images: Float images in [0, 1], shape (N, 3, H, W).
        inception: The FID Inception.
        real_names: Names of the real images, for error messages.
        fake_names: Names of the fake images, for error messages.

    Returns:
        N SIFID values.

    Raises:
        ValueError: Counts do not pair up, or a pair differs in size (the message names both).
    """
    num_real, num_fake = len(real_images), len(fake_images)
    if num_real not in (1, num_fake):
        raise ValueError(
            f"SIFID pairs real and fake images: got {num_real} real and {num_fake} fake; "
            "give one real image or as many real images as fake ones"
        )
    real_names = real_names or [f"real image {index}" for index in range(num_real)]
    fake_names = fake_names or [f"fake image {index}" for index in range(num_fake)]

    height, width = real_images.shape[-2:]
    stem_pixels = ((height - 3) // 2 - 1) * ((width - 3) // 2 - 1)
    if stem_pixels <= 64:
        warnings.warn(
            f"images of {height}x{width} give {stem_pixels} feature pixels for 64 feature "
            "dimensions, so the SIFID covariances are rank-deficient",
            RankDeficientCovarianceWarning,
            stacklevel=2,
        )

    values = []
    for index in range(num_fake):
        real_index = 0 if num_real == 1 else index
        real, fake = real_images[real_index], fake_images[index]
        if real.shape != fake.shape:
            raise ValueError(
                f"SIFID needs images of one size: {real_names[real_index]} is "
                f"{real.shape[1]}x{real.shape[2]} but {fake_names[index]} is "
                f"{fake.shape[1]}x{fake.shape[2]} (height x width)"
            )
        values.append(sifid(real, fake, inception))
    return values


def diversity_score(
    samples: torch.Tensor, training_image: torch.Tensor, unbiased: bool = False
) -> float:
    """Compute SinGAN's diversity score.

    The per-pixel standard deviation over the samples (each channel separately) is
    averaged over all pixels and channels, then divided by the standard deviation of
    the training image's values.

    Args:
        samples: Float images in [0, 1], shape (N, 3, H, W), N >= 2.
        training_image: Float image in [0, 1], shape (3, H, W).
        unbiased: Use the N - 1 denominator for both deviations. Defaults to False
            (the population deviation; SinGAN's paper does not specify it).

    Returns:
        The diversity score.

    Raises:
        ValueError: Fewer than 2 samples, sizes differ, or the training image is constant.
    """
    if samples.ndim != 4 or len(samples) < 2:
        raise ValueError(
            f"the diversity score needs at least 2 samples of shape (N, 3, H, W), "
            f"got {tuple(samples.shape)}"
        )
    if samples.shape[1:] != training_image.shape:
        raise ValueError(
            f"samples of shape {tuple(samples.shape[1:])} differ from the training image "
            f"of shape {tuple(training_image.shape)}"
        )
    samples = samples.double()
    training_image = training_image.double()
    image_std = training_image.std(unbiased=unbiased)
    if image_std == 0:
        raise ValueError("the training image is constant, so the diversity score is undefined")
    return float(samples.std(dim=0, unbiased=unbiased).mean() / image_std)
