"""Per-scale networks of SinGAN, SLE-SinGAN, SASE-SinGAN and ConSinGAN, and Table 7 sizes."""
import numpy as np
import pytest
import torch
from PIL import Image

import sase_mm.gan  # noqa: F401  (registers the sase_gan modules)
from sase_mm.gan.models.singan import (
    ConSinGAN,
    GrowingGenerator,
    SameResolutionSLE,
    SinGAN,
    SinGANDiscriminator,
    SinGANGenerator,
    SinGANSASE,
)
from sase_mm.gan.models.singan.complexity import generator_flops, generator_parameter_count


@pytest.mark.parametrize("num_layers", [2, 3, 4, 6])
@pytest.mark.parametrize("kernel_size", [3, 5])
@pytest.mark.parametrize("skip", [None, "sle", "sase"])
def test_generator_keeps_image_size(num_layers, kernel_size, skip):
    generator = SinGANGenerator(3, 8, 8, num_layers, kernel_size, skip=skip, residual=skip is None, sase_dilation=2)
    image = torch.randn(1, 3, 31, 40)
    output = generator(image, image)
    assert output.shape == image.shape
    critic = SinGANDiscriminator(3, 8, 8, num_layers, kernel_size)
    margin = num_layers * (kernel_size // 2)
    assert critic(image).shape == (1, 1, 31 - 2 * margin, 40 - 2 * margin)


def test_generator_residual_adds_previous_image():
    generator = SinGANGenerator(3, 8, 8, residual=True).eval()
    noisy, previous = torch.randn(1, 3, 16, 16), torch.randn(1, 3, 16, 16)
    plain = SinGANGenerator(3, 8, 8, residual=False).eval()
    plain.load_state_dict(generator.state_dict())
    assert torch.allclose(generator(noisy, previous), plain(noisy, previous) + previous)


def test_generator_rejects_bad_layers():
    with pytest.raises(ValueError, match="kernel_size=4"):
        SinGANGenerator(kernel_size=4)
    with pytest.raises(ValueError, match="num_layers=1"):
        SinGANGenerator(num_layers=1)
    with pytest.raises(ValueError, match="skip='se'"):
        SinGANGenerator(skip="se")
    with pytest.raises(ValueError, match="Set min_channels equal to channels"):
        SinGANGenerator(channels=64, min_channels=32, skip="sase")


def test_same_resolution_sle_matches_loop():
    torch.manual_seed(0)
    sle = SameResolutionSLE(8, 6).eval()
    source, target = torch.randn(2, 8, 13, 17), torch.randn(2, 6, 11, 15)
    conv4, conv1 = sle.excitation[1], sle.excitation[3]
    expected = torch.empty_like(target)
    for b in range(2):
        pooled = torch.nn.functional.adaptive_avg_pool2d(source[b : b + 1], 4)[0]
        for channel in range(6):
            hidden = torch.stack(
                [(conv4.weight[j] * pooled).sum() + conv4.bias[j] for j in range(6)]
            )
            hidden = hidden * torch.sigmoid(hidden)
            weight = torch.sigmoid((conv1.weight[channel, :, 0, 0] * hidden).sum() + conv1.bias[channel])
            expected[b, channel] = target[b, channel] * weight
    assert torch.allclose(sle(source, target), expected, atol=1e-5)


@pytest.mark.parametrize("form", ["paper", "authors"])
def test_singan_sase_matches_loop(form):
    torch.manual_seed(0)
    layer = SinGANSASE(8, groups=4, dilation=2, form=form).eval()
    source, target = torch.randn(1, 8, 14, 14), torch.randn(1, 8, 8, 8)
    expected = torch.empty_like(target)
    queries, keys = [], []
    for group in range(4):
        chunk = source[:, 2 * group : 2 * group + 2]
        query = layer.query[group](chunk)[0]
        queries.append(torch.sigmoid(query) if form == "paper" else query)
        key = torch.sigmoid(layer.key[group](chunk))
        keys.append(torch.nn.functional.interpolate(key, size=(8, 8), mode="nearest")[0, 0])
    for channel in range(8):
        for row in range(8):
            for column in range(8):
                numerator = sum(queries[g][channel] * keys[g][row, column] for g in range(4))
                denominator = sum(keys[g][row, column] for g in range(4))
                weight = numerator / denominator + (1 if form == "authors" else 0)
                expected[0, channel, row, column] = weight * target[0, channel, row, column]
    assert torch.allclose(layer(source, target), expected, atol=1e-5)


def test_singan_sase_trains_with_batch_of_one():
    layer = SinGANSASE(8, groups=4, dilation=5).train()
    output = layer(torch.randn(1, 8, 20, 20), torch.randn(1, 8, 14, 14))
    output.sum().backward()
    assert all(p.grad is not None for p in layer.parameters())
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in layer.modules())


@pytest.mark.parametrize("num_layers", [2, 3, 4])
def test_growing_generator_sizes(num_layers):
    generator = GrowingGenerator(3, 8, num_stages=3, num_layers=num_layers)
    sizes = [(16, 24), (21, 31), (27, 40)]
    margin = generator.stage_margin
    noise = [torch.randn(1, 3, 16, 24)] + [torch.randn(1, 8, h + 2 * margin, w + 2 * margin) for h, w in sizes[1:]]
    for depth in range(3):
        output = generator(noise[: depth + 1], sizes, torch.ones(3))
        assert output.shape == (1, 3) + sizes[depth]


@pytest.fixture(scope="module")
def table7_image(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("table7") / "image_165x250.png"
    pixels = np.random.default_rng(0).integers(0, 256, (165, 250, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return str(path)


@pytest.mark.parametrize(
    "name, builder, paper",
    [
        ("SinGAN", lambda path: SinGAN(path), 1.02e6),
        ("SLE-SinGAN", lambda path: SinGAN(path, skip="sle"), 1.63e6),
        ("SASE-SinGAN", lambda path: SinGAN(path, skip="sase"), 1.25e6),
        ("ConSinGAN", lambda path: ConSinGAN(path, num_scales=7), 0.77e6),
    ],
)
def test_parameters_match_table7(name, builder, paper, table7_image):
    model = builder(table7_image)
    assert abs(generator_parameter_count(model) - paper) / paper < 0.05, name


def test_finest_scale_flops_match_table7(table7_image):
    # Table 7: SinGAN 19.33 GFLOPs at 165x250 (the finest scale's network, multiply-adds).
    model = SinGAN(table7_image)
    assert generator_flops(model, finest_only=True) / 1e9 == pytest.approx(19.33, rel=0.01)
