"""Kernel Inception Distance (Bińkowski et al. 2018).

KID is the unbiased estimate of the squared maximum mean discrepancy (MMD) with the
polynomial kernel k(x, y) = (gamma * <x, y> + coef0)^degree, by default cubic with
gamma = 1 / D and coef0 = 1. It is averaged over ``num_subsets`` random subsets of
``subset_size`` samples drawn without replacement from each set. The subsets are drawn
as torch-fidelity 0.4.0 draws them (``numpy.random.RandomState(seed).choice``, real then
fake), so the same seed gives the same subsets.
"""
from __future__ import annotations

import numpy as np

__all__ = ["kernel_inception_distance", "polynomial_mmd"]


def polynomial_mmd(
    features1: np.ndarray,
    features2: np.ndarray,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1.0,
) -> float:
    """Compute the unbiased MMD^2 estimate with a polynomial kernel.

    MMD^2 = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
    - 2 sum_{i, j} k(x_i, y_j) / (m n).

    Args:
        features1: Array of shape (M, D), M >= 2.
        features2: Array of shape (N, D), N >= 2.
        degree: Kernel degree. Defaults to 3.
        gamma: Kernel scale; None means 1 / D. Defaults to None.
        coef0: Kernel offset. Defaults to 1.

    Returns:
        The MMD^2 estimate (can be slightly negative).
    """
    x = np.asarray(features1, dtype=np.float64)
    y = np.asarray(features2, dtype=np.float64)
    m, n = x.shape[0], y.shape[0]
    if gamma is None:
        gamma = 1.0 / x.shape[1]

    k_xx = (gamma * x @ x.T + coef0) ** degree
    k_yy = (gamma * y @ y.T + coef0) ** degree
    k_xy = (gamma * x @ y.T + coef0) ** degree

    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2 * k_xy.sum() / (m * n))


def kernel_inception_distance(
    real_features: np.ndarray,
    fake_features: np.ndarray,
    num_subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1.0,
    seed: int = 2020,
) -> tuple[float, float]:
    """Compute KID as the mean and standard deviation of MMD^2 over random subsets.

    Args:
        real_features: Array of shape (M, D).
        fake_features: Array of shape (N, D).
        num_subsets: Number of subsets. Defaults to 100 (torch-fidelity's default).
        subset_size: Samples per subset; must not exceed M or N. Defaults to 1000.
        degree: Kernel degree. Defaults to 3.
        gamma: Kernel scale; None means 1 / D. Defaults to None.
        coef0: Kernel offset. Defaults to 1.
        seed: Seed of the subset sampling. Defaults to 2020 (torch-fidelity's default).

    Returns:
        ``(kid_mean, kid_std)``; the std is the population std over subsets.

    Raises:
        ValueError: Shapes disagree, or ``subset_size`` is below 2 or above a set's size.
    """
    real_features = np.asarray(real_features, dtype=np.float64)
    fake_features = np.asarray(fake_features, dtype=np.float64)
    if real_features.ndim != 2 or fake_features.ndim != 2:
        raise ValueError(
            f"features must have shape (N, D), got {real_features.shape} and {fake_features.shape}"
        )
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(
            f"feature dimensions differ: {real_features.shape[1]} and {fake_features.shape[1]}"
        )
    num_real, num_fake = len(real_features), len(fake_features)
    if subset_size < 2 or subset_size > min(num_real, num_fake):
        raise ValueError(
            f"subset_size={subset_size} must be between 2 and the smaller set size "
            f"({num_real} real, {num_fake} fake); lower subset_size or add samples"
        )
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be at least 1, got {num_subsets}")

    rng = np.random.RandomState(seed)
    values = np.empty(num_subsets)
    for index in range(num_subsets):
        real_subset = real_features[rng.choice(num_real, subset_size, replace=False)]
        fake_subset = fake_features[rng.choice(num_fake, subset_size, replace=False)]
        values[index] = polynomial_mmd(real_subset, fake_subset, degree, gamma, coef0)
    return float(values.mean()), float(values.std())
