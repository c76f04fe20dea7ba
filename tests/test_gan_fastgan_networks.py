"""Tests of the FastGAN generator and discriminator: sizes, parameter counts, wiring, errors."""
import pytest
import torch

import sase_mm.gan  # noqa: F401  (registers the modules)
from sase_mm.gan.models.fastgan import FastGANDiscriminator, FastGANGenerator
from sase_mm.gan.registry import MODELS
from sase_mm.layers.sase_synthesis import SASESynthesis

SASE = dict(type="SASE", groups=4, reduction=16)


def _count(module: torch.nn.Module) -> float:
    return sum(parameter.numel() for parameter in module.parameters()) / 1e6


@pytest.mark.parametrize(
    "im_size, skip_layer, paper_millions",
    [(256, dict(type="SLE"), 29.1), (1024, dict(type="SLE"), 29.2), (256, SASE, 28.5), (1024, SASE, 28.5)],
)
def test_generator_parameters_match_table5(im_size, skip_layer, paper_millions):
    generator = FastGANGenerator(im_size=im_size, skip_layer=skip_layer)

    assert abs(_count(generator) - paper_millions) / paper_millions < 0.01


def test_generator_outputs_tanh_images():
    torch.manual_seed(0)
    generator = FastGANGenerator(im_size=256, ngf=4, skip_layer=SASE).eval()

    image, image_128 = generator(torch.randn(2, 256) * 50)

    assert image.shape == (2, 3, 256, 256)
    assert image_128.shape == (2, 3, 128, 128)
    assert image.abs().max() <= 1
    assert image_128.abs().max() <= 1


def test_generator_wiring_per_size():
    small = FastGANGenerator(im_size=256, ngf=4, skip_layer=SASE)
    large = FastGANGenerator(im_size=1024, ngf=4, skip_layer=SASE,
                             skip_layer_stage_cfgs={32: dict(dilation=4)})

    assert list(small.skips) == ["skip_4_64", "skip_8_128", "skip_16_256"]
    assert list(large.skips) == ["skip_4_64", "skip_8_128", "skip_16_256", "skip_32_512"]
    assert large.sase_skip_names() == ("skip_8_128", "skip_16_256", "skip_32_512")
    assert large.skips["skip_32_512"].key[0][3].dilation == (4, 4)
    assert type(large.skips["skip_4_64"]).__name__ == "SLE"


def test_first_skip_layer_can_be_sase():
    generator = FastGANGenerator(im_size=256, ngf=4, skip_layer=SASE, first_skip_layer=None)

    assert isinstance(generator.skips["skip_4_64"], SASESynthesis)


def test_query_override_changes_output():
    torch.manual_seed(0)
    generator = FastGANGenerator(im_size=256, ngf=8, skip_layer=SASE).eval()
    z = torch.randn(2, 256)
    attention = {}

    torch.manual_seed(1)
    plain = generator(z, attention=attention)[0]
    overrides = {name: attention[name]["query"].flip(0) for name in generator.sase_skip_names()}
    torch.manual_seed(1)
    mixed = generator(z, query_overrides=overrides)[0]

    assert set(attention) == {"skip_8_128", "skip_16_256"}
    assert attention["skip_16_256"]["key"].shape == (2, 4, 256, 256)
    assert not torch.allclose(plain, mixed)


@pytest.mark.parametrize("im_size", [256, 512, 1024])
def test_discriminator_logits_are_5x5(im_size):
    torch.manual_seed(0)
    discriminator = FastGANDiscriminator(im_size=im_size, ndf=2, decoder_channels=4)

    logits, reconstructions, quadrant = discriminator(torch.randn(2, 3, im_size, im_size), reconstruct=True)

    assert logits.shape == (2, 2, 5, 5)
    assert 0 <= quadrant <= 3
    for name in ("big", "small", "part"):
        assert reconstructions[name].shape == (2, 3, 128, 128)


def test_discriminator_parameters_near_official():
    assert abs(_count(FastGANDiscriminator(im_size=256)) - 11.5) < 0.1


@pytest.mark.parametrize("im_size", [128, 300, "256"])
def test_unsupported_im_size_raises(im_size):
    with pytest.raises(ValueError, match=f"im_size={im_size!r}"):
        FastGANGenerator(im_size=im_size)
    with pytest.raises(ValueError, match=f"im_size={im_size!r}"):
        FastGANDiscriminator(im_size=im_size)


def test_groups_not_dividing_channels_raise():
    with pytest.raises(ValueError, match="groups=3 must be a positive divisor of source_channels=512"):
        FastGANGenerator(im_size=256, skip_layer=dict(type="SASE", groups=3))


def test_unregistered_skip_type_lists_registered():
    with pytest.raises(ValueError, match="skip layer type 'SE' is not registered") as error:
        FastGANGenerator(im_size=256, ngf=4, skip_layer=dict(type="SE"))

    message = str(error.value)
    for name in ("SLE", "SASE", "CBAM", "SPAP"):
        assert name in message


def test_registry_builds_every_skip_type():
    for name in ("SLE", "SASE", "SASESynthesis", "CBAM", "SPAP"):
        module = MODELS.build(dict(type=name, source_channels=16, target_channels=8))
        output = module(torch.randn(2, 16, 4, 4), torch.randn(2, 8, 16, 16))
        assert output.shape == (2, 8, 16, 16), name
