"""Fréchet distance between Gaussians fitted to features (FID, SIFID).

FID (Heusel et al. 2017) fits a Gaussian N(mu, Sigma) to each feature set and returns

    d^2 = ||mu_1 - mu_2||^2 + Tr(Sigma_1 + Sigma_2 - 2 (Sigma_1 Sigma_2)^(1/2)),

with the sample mean and the unbiased sample covariance (``numpy.cov``), in float64.
From statistics, the matrix square root comes from ``scipy.linalg.sqrtm`` as in
pytorch-fid. From features, :func:`frechet_distance_from_features` takes a shortcut
when a set has no more samples than dimensions (see there).
"""
from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy import linalg

__all__ = [
    "RankDeficientCovarianceWarning",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_features",
]

_logger = logging.getLogger(__name__)


class RankDeficientCovarianceWarning(UserWarning):
    """Fewer samples than feature dimensions, so the covariance estimate is singular."""


def _validate_features(features: np.ndarray, name: str) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {features.shape}")
    num_samples, dim = features.shape
    if num_samples < 2:
        raise ValueError(f"{name} contains {num_samples} sample(s), but a covariance needs at least 2")
    if num_samples <= dim:
        warnings.warn(
            f"{name} contains {num_samples} samples for {dim} feature dimensions, so its covariance "
            f"is rank-deficient (rank <= {num_samples - 1}) and the Fréchet distance is biased; "
            f"use more than {dim} samples",
            RankDeficientCovarianceWarning,
            stacklevel=3,
        )
    return features


def feature_statistics(
    features: np.ndarray, name: str = "features"
) -> tuple[np.ndarray, np.ndarray]:
    """Compute the mean and the unbiased covariance of a feature set.

    Args:
        features: Array of shape (N, D), N >= 2.
        name: Name of the set in messages.

    Returns:
        ``(mu, sigma)`` of shapes (D,) and (D, D), float64.

    Raises:
        ValueError: The array is not 2-D or contains fewer than 2 samples.

    Warns:
        RankDeficientCovarianceWarning: N <= D, so the covariance has rank below D and
            the distance is biased (FID needs more samples than feature dimensions).
    """
    features = _validate_features(features, name)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """Compute the Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    Args:
        mu1: Mean of the first Gaussian, shape (D,).
        sigma1: Covariance of the first Gaussian, shape (D, D).
        mu2: Mean of the second Gaussian, shape (D,).
        sigma2: Covariance of the second Gaussian, shape (D, D).
        eps: Added to both diagonals when the product of the covariances is too close
            to singular for ``sqrtm`` to return finite values. Defaults to 1e-6.

    Returns:
        The squared Fréchet distance (the value reported as FID).

    Raises:
        ValueError: Shapes differ, or the square root has a large imaginary part.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape:
        raise ValueError(f"means have different shapes: {mu1.shape} and {mu2.shape}")
    if sigma1.shape != sigma2.shape or sigma1.shape != (mu1.shape[0],) * 2:
        raise ValueError(
            f"covariances must both be {(mu1.shape[0],) * 2}, got {sigma1.shape} and {sigma2.shape}"
        )

    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        _logger.warning(
            "The covariance product is singular; adding %g to the diagonals for the square root",
            eps,
        )
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))

    # Round-off can leave a small imaginary part on a real square root.
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(
                f"the matrix square root has an imaginary part of up to "
                f"{np.max(np.abs(covmean.imag)):.3g}; the covariances are not valid"
            )
        covmean = covmean.real

    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_from_features(
    features1: np.ndarray,
    features2: np.ndarray,
    names: tuple[str, str] = ("features1", "features2"),
) -> float:
    """Compute the Fréchet distance of Gaussians fitted to two feature sets.

    Let A1 (M x D) and A2 (N x D) be the centred sample matrices. The non-zero eigenvalues
    of Sigma_1 Sigma_2 are the squared singular values of A1 A2^T / sqrt((M - 1)(N - 1)).
    Tr((Sigma_1 Sigma_2)^(1/2)) is therefore the sum of those singular values. When M or N is at
    most D, that M x N singular value decomposition replaces the D x D ``sqrtm``: it is
    exact, much faster, and avoids ``sqrtm`` on a singular matrix. Otherwise the result is
    :func:`frechet_distance` of the statistics.

    Args:
        features1: Array of shape (M, D), M >= 2.
        features2: Array of shape (N, D), N >= 2.
        names: Names of the two sets in messages.

    Returns:
        The squared Fréchet distance.

    Warns:
        RankDeficientCovarianceWarning: A set has no more samples than dimensions.
    """
    features1 = _validate_features(features1, names[0])
    features2 = _validate_features(features2, names[1])
    if features1.shape[1] != features2.shape[1]:
        raise ValueError(
            f"feature dimensions differ: {features1.shape[1]} and {features2.shape[1]}"
        )
    num1, num2, dim = len(features1), len(features2), features1.shape[1]
    if min(num1, num2) > dim:
        return frechet_distance(
            features1.mean(axis=0), np.cov(features1, rowvar=False),
            features2.mean(axis=0), np.cov(features2, rowvar=False),
        )

    centred1 = features1 - features1.mean(axis=0)
    centred2 = features2 - features2.mean(axis=0)
    diff = features1.mean(axis=0) - features2.mean(axis=0)
    trace1 = np.sum(centred1**2) / (num1 - 1)
    trace2 = np.sum(centred2**2) / (num2 - 1)
    singular_values = np.linalg.svd(centred1 @ centred2.T, compute_uv=False)
    trace_covmean = singular_values.sum() / np.sqrt((num1 - 1) * (num2 - 1))
    return float(diff.dot(diff) + trace1 + trace2 - 2 * trace_covmean)
