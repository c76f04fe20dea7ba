"""Tests of the SLE, CBAM and SPAP skip-layer modules."""
import pytest
import torch

from sase_mm.gan.modules import CBAMSkip, SLE, SPAPSkip


def test_sle_scales_each_channel_by_one_factor():
    torch.manual_seed(0)
    module = SLE(8, 4)
    target = torch.ones(2, 4, 16, 16)

    output = module(torch.randn(2, 8, 8, 8), target)

    per_channel = output.flatten(2)
    assert torch.allclose(per_channel.max(-1).values, per_channel.min(-1).values)
    assert output.min() > 0
    assert output.max() < 1


def test_cbam_channel_then_spatial():
    torch.manual_seed(0)
    module = CBAMSkip(16, 8, reduction=4)
    source = torch.randn(2, 16, 4, 4)
    target = torch.rand(2, 8, 16, 16)

    channel = module.channel_attention(source)
    refined = target * channel
    expected = refined * module.spatial_attention(refined)

    assert channel.shape == (2, 8, 1, 1)
    torch.testing.assert_close(module(source, target), expected)


def test_cbam_even_kernel_raises():
    with pytest.raises(ValueError, match="spatial_kernel_size=4"):
        CBAMSkip(8, 8, spatial_kernel_size=4)


def test_spap_gate_is_residual():
    torch.manual_seed(0)
    module = SPAPSkip(16, 8, dilations=(1, 2, 4), reduction=4).eval()
    target = torch.ones(2, 8, 16, 16)

    output = module(torch.randn(2, 16, 4, 4), target)

    assert output.shape == target.shape
    assert output.min() >= 1
    assert output.max() <= 2
    assert output.std() > 0


def test_spap_invalid_dilations_raise():
    with pytest.raises(ValueError, match=r"dilations=\(\)"):
        SPAPSkip(8, 8, dilations=())
    with pytest.raises(ValueError, match=r"dilations=\(0, 2\)"):
        SPAPSkip(8, 8, dilations=(0, 2))
