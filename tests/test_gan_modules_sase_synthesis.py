"""Tests of the SASE synthesis layer (eqs. 4-5) against a loop-by-loop reference."""
import pytest
import torch

from sase_mm.layers.sase_synthesis import SASESynthesis


def _reference_attention(query: torch.Tensor, key: torch.Tensor, eps: float) -> torch.Tensor:
    """Compute W[b, c, y, x] = sum_i Q_i[c] K_i[y, x] / sum_i K_i[y, x] with plain loops."""
    query, key = query.detach(), key.detach()
    batch, groups, channels = query.shape
    height, width = key.shape[-2:]
    attention = torch.zeros(batch, channels, height, width, dtype=torch.float64)
    for b in range(batch):
        for c in range(channels):
            for y in range(height):
                for x in range(width):
                    numerator = 0.0
                    denominator = 0.0
                    for i in range(groups):
                        numerator += float(query[b, i, c]) * float(key[b, i, y, x])
                        denominator += float(key[b, i, y, x])
                    attention[b, c, y, x] = numerator / max(denominator, eps)
    return attention


@pytest.mark.parametrize("autograd", [True, False], ids=["autograd", "in_place"])
@pytest.mark.parametrize("residual", [False, True])
def test_forward_matches_loop_reference(residual, autograd):
    torch.manual_seed(0)
    layer = SASESynthesis(8, 6, groups=4, reduction=2, residual=residual).eval()
    source = torch.randn(2, 8, 4, 4)
    target = torch.randn(2, 6, 8, 8)

    query = layer.compute_query(source)
    key = layer.compute_key(source, (8, 8))
    expected = _reference_attention(query, key, layer.eps)
    if residual:
        expected = expected + 1
    # Without autograd the layer writes the product into its attention map.
    with torch.set_grad_enabled(autograd):
        output = layer(source, target)
    assert output.requires_grad == autograd

    assert query.shape == (2, 4, 6)
    assert key.shape == (2, 4, 8, 8)
    torch.testing.assert_close(output.double(), expected * target.double(), rtol=1e-5, atol=1e-6)


def test_query_per_group_uses_only_its_channels():
    torch.manual_seed(0)
    layer = SASESynthesis(8, 3, groups=2, reduction=1).eval()
    source = torch.randn(1, 8, 4, 4)
    changed = source.clone()
    changed[:, 4:] += 1.0

    query, query_changed = layer.compute_query(source), layer.compute_query(changed)
    key, key_changed = layer.compute_key(source, (4, 4)), layer.compute_key(changed, (4, 4))

    torch.testing.assert_close(query[:, 0], query_changed[:, 0])
    torch.testing.assert_close(key[:, 0], key_changed[:, 0])
    assert not torch.allclose(query[:, 1], query_changed[:, 1])


def test_sigmoid_query_bounds_attention():
    torch.manual_seed(0)
    layer = SASESynthesis(8, 4, groups=4, reduction=2).eval()
    attention = layer.combine(layer.compute_query(torch.randn(2, 8, 4, 4)),
                              layer.compute_key(torch.randn(2, 8, 4, 4), (8, 8)))

    assert attention.min() >= 0
    assert attention.max() <= 1


def test_code_variant_has_unbounded_query():
    layer = SASESynthesis(8, 4, groups=2, reduction=1, query_activation=None, residual=True)

    assert layer.query_activation is None
    assert layer.residual


def test_zero_keys_stay_finite():
    layer = SASESynthesis(4, 2, groups=2, reduction=1)
    query = torch.ones(1, 2, 2)
    key = torch.zeros(1, 2, 3, 3)

    attention = layer.combine(query, key)

    assert torch.isfinite(attention).all()
    assert attention.abs().max() == 0


@pytest.mark.parametrize("mode", ["fixed", "learned"])
def test_key_noise_modes(mode):
    torch.manual_seed(0)
    layer = SASESynthesis(8, 4, groups=2, reduction=1, key_noise=mode).eval()
    source = torch.randn(1, 8, 4, 4)

    first, second = layer.compute_key(source, (4, 4)), layer.compute_key(source, (4, 4))

    if mode == "fixed":
        assert not torch.allclose(first, second)
    else:
        # The learned scale starts at 0, so the noise is off until training moves it.
        torch.testing.assert_close(first, second)
        assert layer.key_noise_scale.requires_grad


def test_dilation_keeps_source_size():
    layer = SASESynthesis(8, 4, groups=2, reduction=1, dilation=4).eval()

    key = layer.key[0](torch.randn(1, 4, 8, 8))

    assert key.shape == (1, 1, 8, 8)


def test_groups_not_dividing_channels_raise():
    with pytest.raises(ValueError, match="groups=3"):
        SASESynthesis(8, 4, groups=3)


def test_unknown_options_raise():
    with pytest.raises(ValueError, match="query_activation='relu'"):
        SASESynthesis(8, 4, query_activation="relu")
    with pytest.raises(ValueError, match="key_noise='gauss'"):
        SASESynthesis(8, 4, key_noise="gauss")


def test_mismatched_channels_raise():
    layer = SASESynthesis(8, 4, groups=2)

    with pytest.raises(ValueError, match="expects 8 source and 4 target"):
        layer(torch.randn(2, 6, 4, 4), torch.randn(2, 4, 8, 8))


def test_output_dtype_follows_promotion_without_autograd():
    torch.manual_seed(0)
    layer = SASESynthesis(8, 6, groups=2, reduction=2).eval()
    source = torch.randn(2, 8, 4, 4)
    target = torch.randn(2, 6, 8, 8, dtype=torch.float64)

    with torch.no_grad():
        output = layer(source, target)
    expected = layer(source, target)

    assert output.dtype == expected.dtype == torch.float64
    torch.testing.assert_close(output, expected.detach())
