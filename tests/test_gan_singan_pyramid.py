"""MATLAB-style resize, SinGAN / ConSinGAN pyramids and single-image loading."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from sase_mm.gan.models.singan.imresize import imresize
from sase_mm.gan.models.singan.pyramid import build_pyramid, compute_pyramid_sizes, load_image


def keys_cubic(x: float) -> float:
    """Keys' cubic kernel with a = -0.5, written out."""
    x = abs(x)
    if x <= 1:
        return 1.5 * x**3 - 2.5 * x**2 + 1
    if x <= 2:
        return -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2
    return 0.0


def naive_matlab_resize_1d(signal: np.ndarray, out_length: int, scale: float) -> np.ndarray:
    """MATLAB's imresize along one axis, pixel by pixel, in double precision."""
    in_length = len(signal)
    antialias = scale < 1
    width = 4.0 / scale if antialias else 4.0
    output = np.zeros(out_length)
    for x in range(1, out_length + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        total, weight_sum = 0.0, 0.0
        for tap in range(math.ceil(width) + 2):
            index = left + tap
            distance = u - index
            weight = scale * keys_cubic(scale * distance) if antialias else keys_cubic(distance)
            # Symmetric padding: ... 2 1 | 1 2 ... n | n n-1 ...
            mirrored = (index - 1) % (2 * in_length)
            source = mirrored if mirrored < in_length else 2 * in_length - 1 - mirrored
            total += weight * signal[source]
            weight_sum += weight
        output[x - 1] = total / weight_sum
    return output


def naive_matlab_resize(image: np.ndarray, out_size, scales) -> np.ndarray:
    rows = np.stack([naive_matlab_resize_1d(column, out_size[0], scales[0]) for column in image.T], axis=1)
    return np.stack([naive_matlab_resize_1d(row, out_size[1], scales[1]) for row in rows], axis=0)


@pytest.mark.parametrize("scale", [0.6, 0.75, 1.7])
def test_imresize_matches_loop_reference(scale):
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (13, 17))
    result = imresize(torch.tensor(image, dtype=torch.float64)[None, None], scale_factor=scale)
    out_size = (math.ceil(13 * scale), math.ceil(17 * scale))
    assert tuple(result.shape[-2:]) == out_size
    expected = naive_matlab_resize(image, out_size, (scale, scale))
    np.testing.assert_allclose(result[0, 0].numpy(), expected, atol=1e-10)


def test_imresize_to_output_size_uses_per_axis_scale():
    rng = np.random.default_rng(1)
    image = rng.uniform(-1, 1, (20, 30))
    result = imresize(torch.tensor(image)[None, None], output_size=(15, 40))
    expected = naive_matlab_resize(image, (15, 40), (15 / 20, 40 / 30))
    np.testing.assert_allclose(result[0, 0].numpy(), expected, atol=1e-10)


def test_imresize_identity_and_constant():
    image = torch.randn(1, 3, 9, 11)
    assert torch.equal(imresize(image, scale_factor=1.0), image)
    constant = torch.full((1, 1, 10, 14), 0.3)
    shrunk = imresize(constant, scale_factor=0.45)
    assert torch.allclose(shrunk, torch.full_like(shrunk, 0.3), atol=1e-6)


def test_imresize_interior_matches_torch_antialias():
    # Both use a = -0.5 with a stretched kernel when shrinking; only the borders differ.
    image = torch.randn(1, 1, 40, 40, dtype=torch.float64)
    ours = imresize(image, output_size=(20, 20))
    theirs = F.interpolate(image, size=(20, 20), mode="bicubic", antialias=True, align_corners=False)
    assert torch.allclose(ours[..., 3:-3, 3:-3], theirs[..., 3:-3, 3:-3], atol=1e-6)
    assert not torch.allclose(ours[..., 0, :], theirs[..., 0, :], atol=1e-6)


def test_imresize_rejects_bad_arguments():
    image = torch.zeros(1, 1, 8, 8)
    with pytest.raises(ValueError, match="exactly one of scale_factor and output_size"):
        imresize(image)
    with pytest.raises(ValueError, match="must be positive"):
        imresize(image, scale_factor=0)
    with pytest.raises(TypeError, match="floating-point"):
        imresize(torch.zeros(1, 1, 8, 8, dtype=torch.uint8), scale_factor=0.5)


def test_singan_pyramid_landscape():
    sizes, factor = compute_pyramid_sizes(165, 250)
    assert len(sizes) == 9
    assert sizes[0] == (25, 38)
    assert sizes[-1] == (165, 250)
    assert factor == pytest.approx((25 / 165) ** (1 / 8))
    assert 0.75 <= factor <= 0.8
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(sizes, sizes[1:]))


def test_singan_pyramid_limits_long_side():
    # china.jpg: 427 x 640 shrinks to 167 x 250; SinGAN keeps 8 scales below max_size.
    sizes, _ = compute_pyramid_sizes(427, 640, max_size=250, min_size=25)
    assert sizes[-1] == (167, 250)
    assert min(sizes[0]) == 25
    assert len(sizes) == 8


def test_singan_pyramid_portrait():
    sizes, _ = compute_pyramid_sizes(330, 250, max_size=250)
    assert sizes[-1] == (250, 190)
    assert sizes[0][1] == 25
    assert sizes[0][0] > sizes[0][1]


def test_consingan_pyramid_spacing():
    sizes, factor = compute_pyramid_sizes(165, 250, num_scales=7, spacing="consingan")
    assert len(sizes) == 7
    assert sizes[0] == (25, 38)
    assert sizes[-1] == (165, 250)
    ratios = [b[0] / a[0] for a, b in zip(sizes, sizes[1:])]
    # Denser near the coarse end, sparser near the finest scale.
    assert ratios[0] < ratios[-2]
    assert factor == pytest.approx((25 / 165) ** (1 / 6))


def test_pyramid_rejects_small_images():
    with pytest.raises(ValueError, match="smaller than min_size=25"):
        compute_pyramid_sizes(20, 100)
    with pytest.raises(ValueError, match="shrinks to 15x250"):
        compute_pyramid_sizes(60, 1000, max_size=250, min_size=25)
    with pytest.raises(ValueError, match="spacing='linear' is not supported"):
        compute_pyramid_sizes(100, 100, spacing="linear")


def test_build_pyramid_sizes_and_range():
    image = torch.rand(1, 3, 60, 90) * 2 - 1
    sizes, _ = compute_pyramid_sizes(60, 90, max_size=50, min_size=16)
    reals = build_pyramid(image, sizes)
    assert [tuple(real.shape[-2:]) for real in reals] == sizes


def test_load_image_converts_modes(tmp_path):
    rgb = (np.random.default_rng(0).uniform(0, 255, (10, 12, 3))).astype(np.uint8)
    for mode in ("RGB", "L", "LA", "RGBA", "P"):
        path = tmp_path / f"image_{mode}.png"
        Image.fromarray(rgb).convert(mode).save(path)
        image = load_image(str(path))
        assert image.shape == (1, 3, 10, 12)
        assert float(image.min()) >= -1
        assert float(image.max()) <= 1
    grey = load_image(str(tmp_path / "image_L.png"), channels=1)
    assert grey.shape == (1, 1, 10, 12)
    assert torch.allclose(load_image(str(tmp_path / "image_L.png"))[:, 0], grey[:, 0])


def test_load_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_image(str(tmp_path / "missing.png"))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="Cannot read image"):
        load_image(str(broken))
    with pytest.raises(ValueError, match="channels=2"):
        load_image(str(broken), channels=2)
