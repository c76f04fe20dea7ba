"""Agreement with the established implementations on the same features.

torch-fidelity 0.4.0 (FID, KID), prdc 0.2 (density/coverage); pytorch-fid and lpips are
compared on whole networks in test_gan_metrics_networks.py.
"""
import numpy as np
import pytest
import torch
from prdc import compute_prdc
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from sase_mm.gan.metrics import (
    RankDeficientCovarianceWarning,
    density_coverage,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_features,
    kernel_inception_distance,
)


def _torch_fidelity_fid(features1, features2):
    statistics1 = fid_features_to_statistics(torch.from_numpy(features1))
    statistics2 = fid_features_to_statistics(torch.from_numpy(features2))
    metric = fid_statistics_to_metric(statistics1, statistics2, verbose=False)
    return metric["frechet_inception_distance"]


@pytest.fixture(scope="module")
def features():
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(32, 32)) / 4
    real = rng.normal(size=(300, 32)) @ mixing
    fake = (rng.normal(size=(260, 32)) + 0.3) @ (mixing * 1.2)
    return real, fake


def test_fid_matches_torch_fidelity(features):
    real, fake = features
    expected = _torch_fidelity_fid(real, fake)
    mu_real, sigma_real = feature_statistics(real)
    mu_fake, sigma_fake = feature_statistics(fake)
    from_statistics = frechet_distance(mu_real, sigma_real, mu_fake, sigma_fake)
    assert from_statistics == pytest.approx(expected, rel=1e-3)
    assert frechet_distance_from_features(real, fake) == pytest.approx(expected, rel=1e-3)


def test_fid_few_samples_matches_torch_fidelity():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(20, 64)), rng.normal(0.2, 1.1, size=(15, 64))
    expected = _torch_fidelity_fid(real, fake)
    with pytest.warns(RankDeficientCovarianceWarning):
        value = frechet_distance_from_features(real, fake)
    assert value == pytest.approx(expected, rel=1e-3)


def test_fid_shortcut_equals_statistics_path():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(40, 48)), rng.normal(0.5, 1.5, size=(30, 48))
    with pytest.warns(RankDeficientCovarianceWarning):
        shortcut = frechet_distance_from_features(real, fake)
        mu_real, sigma_real = feature_statistics(real)
        mu_fake, sigma_fake = feature_statistics(fake)
    # Eigenvalues of the D x D product, as an independent route to Tr((S1 S2)^(1/2)).
    eigenvalues = np.linalg.eigvals(sigma_real @ sigma_fake).astype(complex)
    expected = (
        np.sum((mu_real - mu_fake) ** 2) + np.trace(sigma_real) + np.trace(sigma_fake)
        - 2 * np.sqrt(eigenvalues).real.sum()
    )
    assert shortcut == pytest.approx(expected, rel=1e-6)


def test_kid_matches_torch_fidelity(features):
    real, fake = features
    expected = kid_features_to_metric(
        torch.from_numpy(real), torch.from_numpy(fake), kid_subsets=10, kid_subset_size=100,
        kid_degree=3, kid_gamma=None, kid_coef0=1, rng_seed=2020, verbose=False,
    )
    mean, std = kernel_inception_distance(real, fake, num_subsets=10, subset_size=100, seed=2020)
    assert mean == pytest.approx(expected["kernel_inception_distance_mean"], rel=1e-3)
    assert std == pytest.approx(expected["kernel_inception_distance_std"], rel=1e-3)


@pytest.mark.parametrize("k", [1, 5])
def test_density_coverage_match_prdc(features, k):
    real, fake = features
    expected = compute_prdc(real, fake, nearest_k=k)
    result = density_coverage(real, fake, k=k)
    for key in ("precision", "recall", "density", "coverage"):
        assert result[key] == pytest.approx(expected[key], rel=1e-12), key
