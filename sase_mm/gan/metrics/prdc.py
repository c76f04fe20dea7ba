"""Precision, recall, density and coverage on features (Naeem et al. 2020).

With k nearest neighbours (k = 5 in the paper) and NND_k(x) the Euclidean distance from
a sample to its k-th nearest neighbour in its own set (the sample itself excluded):

* precision = fraction of fake samples inside at least one real k-NN ball;
* recall = fraction of real samples inside at least one fake k-NN ball;
* density = mean over fake samples of (number of real balls containing it) / k;
* coverage = fraction of real samples whose ball contains at least one fake sample.

"Inside" is a strict ``<``, as in the ``prdc`` package (0.2).
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["density_coverage", "kth_neighbour_distances"]


def _pairwise_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # The direct formula, not the matrix-product shortcut, so that ties compare exactly.
    return torch.cdist(
        torch.from_numpy(x), torch.from_numpy(y), compute_mode="donot_use_mm_for_euclid_dist"
    ).numpy()


def kth_neighbour_distances(features: np.ndarray, k: int) -> np.ndarray:
    """Compute each sample's distance to its k-th nearest neighbour in the same set.

    Args:
        features: Array of shape (N, D), N >= k + 1.
        k: Neighbour rank, the sample itself not counted.

    Returns:
        Array of shape (N,).
    """
    distances = _pairwise_distances(features, features)
    # Column 0 of the sorted row is the sample itself (distance 0).
    return np.partition(distances, k, axis=1)[:, k]


def density_coverage(
    real_features: np.ndarray, fake_features: np.ndarray, k: int = 5
) -> dict[str, float]:
    """Compute precision, recall, density and coverage.

    Args:
        real_features: Array of shape (M, D), M >= k + 1.
        fake_features: Array of shape (N, D), N >= k + 1.
        k: Nearest neighbours. Defaults to 5.

    Returns:
        Dict with keys ``precision``, ``recall``, ``density``, ``coverage``.

    Raises:
        ValueError: Shapes disagree, k < 1, or a set has k samples or fewer.
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
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    for name, features in (("real", real_features), ("fake", fake_features)):
        if len(features) < k + 1:
            raise ValueError(
                f"density/coverage with k={k} needs at least k + 1 = {k + 1} {name} samples, "
                f"got {len(features)}; add samples or lower k"
            )

    real_radii = kth_neighbour_distances(real_features, k)
    fake_radii = kth_neighbour_distances(fake_features, k)
    real_fake = _pairwise_distances(real_features, fake_features)

    inside_real_balls = real_fake < real_radii[:, None]
    return {
        "precision": float(inside_real_balls.any(axis=0).mean()),
        "recall": float((real_fake < fake_radii[None, :]).any(axis=1).mean()),
        "density": float(inside_real_balls.sum(axis=0).mean() / k),
        "coverage": float((real_fake.min(axis=1) < real_radii).mean()),
    }
