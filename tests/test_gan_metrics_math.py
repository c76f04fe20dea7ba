"""Formulas of the generative metrics against loop-by-loop references and closed forms."""
import math
import warnings

import numpy as np
import pytest
import torch

from sase_mm.gan.metrics import (
    RankDeficientCovarianceWarning,
    density_coverage,
    diversity_score,
    feature_statistics,
    frechet_distance,
    kernel_inception_distance,
    polynomial_mmd,
)


def test_fid_of_set_with_itself_is_zero():
    features = np.random.default_rng(0).normal(size=(200, 16))
    mu, sigma = feature_statistics(features)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_fid_matches_gaussian_closed_form():
    rng = np.random.default_rng(1)
    dim = 6
    mu1, mu2 = rng.normal(size=dim), rng.normal(size=dim)
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues1 = rng.uniform(0.5, 2.0, size=dim)
    eigenvalues2 = rng.uniform(0.5, 2.0, size=dim)
    # Covariances sharing eigenvectors commute, so sqrt(S1 S2) = R sqrt(L1 L2) R^T.
    sigma1 = rotation @ np.diag(eigenvalues1) @ rotation.T
    sigma2 = rotation @ np.diag(eigenvalues2) @ rotation.T
    expected = np.sum((mu1 - mu2) ** 2)
    expected += np.sum((np.sqrt(eigenvalues1) - np.sqrt(eigenvalues2)) ** 2)
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-9)


def test_fid_of_gaussian_samples_near_closed_form():
    rng = np.random.default_rng(2)
    samples1 = rng.normal(0.0, 1.0, size=(20000, 3))
    samples2 = rng.normal(0.5, 2.0, size=(20000, 3))
    mu1, sigma1 = feature_statistics(samples1)
    mu2, sigma2 = feature_statistics(samples2)
    # N(0, I) vs N(0.5, 4 I) in 3-D: 3 * 0.25 + 3 * (1 - 2) ** 2 = 3.75.
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(3.75, rel=0.03)


def test_fid_statistics_warn_when_rank_deficient():
    features = np.random.default_rng(3).normal(size=(10, 32))
    with pytest.warns(RankDeficientCovarianceWarning, match="10 samples for 32 feature dimensions"):
        feature_statistics(features, name="fake features")


def test_fid_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="means have different shapes"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="at least 2"):
        feature_statistics(np.zeros((1, 3)))


def _naive_mmd(x, y, degree=3, coef0=1.0):
    gamma = 1.0 / x.shape[1]

    def kernel(a, b):
        return (gamma * float(np.dot(a, b)) + coef0) ** degree

    m, n = len(x), len(y)
    sum_xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    sum_yy = sum(kernel(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    sum_xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(n))
    return sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2 * sum_xy / (m * n)


def test_polynomial_mmd_matches_loops():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(9, 5)), rng.normal(0.3, 1.2, size=(7, 5))
    assert polynomial_mmd(x, y) == pytest.approx(_naive_mmd(x, y), rel=1e-10)


def test_kid_subsets_average_mmd():
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(30, 4)), rng.normal(0.5, 1.0, size=(25, 4))
    mean, std = kernel_inception_distance(real, fake, num_subsets=4, subset_size=10, seed=7)

    subset_rng = np.random.RandomState(7)
    values = []
    for _ in range(4):
        real_subset = real[subset_rng.choice(30, 10, replace=False)]
        fake_subset = fake[subset_rng.choice(25, 10, replace=False)]
        values.append(_naive_mmd(real_subset, fake_subset))
    assert mean == pytest.approx(np.mean(values), rel=1e-9)
    assert std == pytest.approx(np.std(values), rel=1e-6)


def test_kid_full_subset_equals_mmd():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(12, 3)), rng.normal(size=(12, 3))
    mean, std = kernel_inception_distance(real, fake, num_subsets=3, subset_size=12)
    assert mean == pytest.approx(polynomial_mmd(real, fake), rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_kid_rejects_large_subset():
    features = np.zeros((5, 3))
    with pytest.raises(ValueError, match="subset_size=6"):
        kernel_inception_distance(features, features, subset_size=6)


def _naive_density_coverage(real, fake, k):
    def distance(a, b):
        return math.sqrt(float(np.sum((a - b) ** 2)))

    radii = []
    for i in range(len(real)):
        others = sorted(distance(real[i], real[j]) for j in range(len(real)) if j != i)
        radii.append(others[k - 1])
    density = 0.0
    for j in range(len(fake)):
        density += sum(1 for i in range(len(real)) if distance(real[i], fake[j]) < radii[i])
    density /= k * len(fake)
    covered = 0
    for i in range(len(real)):
        nearest_fake = min(distance(real[i], fake[j]) for j in range(len(fake)))
        covered += nearest_fake < radii[i]
    return density, covered / len(real)


def test_density_coverage_match_loops():
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(20, 4)), rng.normal(0.4, 1.3, size=(15, 4))
    result = density_coverage(real, fake, k=5)
    density, coverage = _naive_density_coverage(real, fake, 5)
    assert result["density"] == pytest.approx(density, rel=1e-12)
    assert result["coverage"] == pytest.approx(coverage, rel=1e-12)


def test_density_coverage_of_identical_sets():
    real = np.random.default_rng(8).normal(size=(30, 4))
    result = density_coverage(real, real.copy(), k=5)
    assert result["coverage"] == 1.0
    assert result["precision"] == 1.0
    assert result["recall"] == 1.0


def test_density_coverage_need_k_plus_one_samples():
    real = np.zeros((5, 3))
    fake = np.ones((10, 3))
    with pytest.raises(ValueError, match="at least k \\+ 1 = 6 real samples, got 5"):
        density_coverage(real, fake, k=5)
    with pytest.raises(ValueError, match="at least k \\+ 1 = 6 fake samples, got 5"):
        density_coverage(fake, real, k=5)


def test_diversity_score_matches_loops():
    generator = torch.Generator().manual_seed(0)
    samples = torch.rand(4, 3, 5, 6, generator=generator)
    training_image = torch.rand(3, 5, 6, generator=generator)

    total = 0.0
    for c in range(3):
        for y in range(5):
            for x in range(6):
                values = [float(samples[n, c, y, x]) for n in range(4)]
                mean = sum(values) / 4
                total += math.sqrt(sum((v - mean) ** 2 for v in values) / 4)
    pixel_std = total / (3 * 5 * 6)
    image_values = training_image.flatten().double()
    image_std = math.sqrt(float(((image_values - image_values.mean()) ** 2).mean()))

    expected = pixel_std / image_std
    assert diversity_score(samples, training_image) == pytest.approx(expected, rel=1e-9)


def test_diversity_score_of_identical_samples_is_zero():
    image = torch.rand(3, 8, 8)
    assert diversity_score(image.expand(5, -1, -1, -1), image) == 0.0


def test_diversity_score_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2 samples"):
        diversity_score(torch.rand(1, 3, 4, 4), torch.rand(3, 4, 4))
    with pytest.raises(ValueError, match="differ from the training image"):
        diversity_score(torch.rand(3, 3, 4, 4), torch.rand(3, 5, 4))
    with pytest.raises(ValueError, match="constant"):
        diversity_score(torch.rand(3, 3, 4, 4), torch.ones(3, 4, 4))


def test_no_warning_for_enough_samples():
    features = np.random.default_rng(9).normal(size=(20, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feature_statistics(features)
