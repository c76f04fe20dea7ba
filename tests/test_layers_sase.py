"""Tests of the SASE attention layer against a head-by-head reference."""
import pytest
import torch
import torch.nn.functional as F

from sase_mm.layers import SASEAttention


def _randomise_batch_norm(layer: SASEAttention) -> None:
    """Give the key's BN non-trivial statistics so the reference must apply them."""
    norm = layer.key[1]
    with torch.no_grad():
        norm.running_mean.uniform_(-0.5, 0.5)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)


def _head_slice(weight: torch.Tensor, head: int, groups: int) -> torch.Tensor:
    size = weight.shape[0] // groups
    return weight[head * size:(head + 1) * size]


def naive_sase(layer: SASEAttention, x: torch.Tensor) -> torch.Tensor:
    """Eqs. 9-13 evaluated one head at a time from the layer's own weights (eval mode)."""
    groups = layer.groups
    in_head = x.shape[1] // groups
    se_reduce, se_expand = layer.query[1], layer.query[3]
    key_first, key_norm, key_second = layer.key[0], layer.key[1], layer.key[3]
    conv_stride = key_first.stride
    dilation = key_first.dilation

    outputs = []
    for head in range(groups):
        x_head = x[:, head * in_head:(head + 1) * in_head]

        # Eq. 9: query = SE(X_i) = sigmoid(W2 relu(W1 mean(X_i))).
        pooled = x_head.mean(dim=(2, 3), keepdim=True)
        hidden = F.relu(F.conv2d(
            pooled, _head_slice(se_reduce.weight, head, groups), _head_slice(se_reduce.bias, head, groups)
        ))
        query = torch.sigmoid(F.conv2d(
            hidden, _head_slice(se_expand.weight, head, groups), _head_slice(se_expand.bias, head, groups)
        ))

        # Eq. 10: key = conv3x3(relu(BN(conv3x3(X_i)))).
        key = F.conv2d(x_head, _head_slice(key_first.weight, head, groups),
                       stride=conv_stride, padding=dilation, dilation=dilation)
        key = F.batch_norm(
            key,
            _head_slice(key_norm.running_mean, head, groups),
            _head_slice(key_norm.running_var, head, groups),
            _head_slice(key_norm.weight, head, groups),
            _head_slice(key_norm.bias, head, groups),
            training=False,
            eps=key_norm.eps,
        )
        key = F.conv2d(F.relu(key), _head_slice(key_second.weight, head, groups),
                       padding=dilation, dilation=dilation)

        # Eq. 11: value = conv3x3(X_i).
        value = F.conv2d(x_head, _head_slice(layer.value.weight, head, groups),
                         stride=conv_stride, padding=dilation, dilation=dilation)

        # Eq. 12: softmax over the head's channels, written out.
        logits = query * key
        exponentials = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
        attention = exponentials / exponentials.sum(dim=1, keepdim=True)

        # Eq. 13: modulate the value.
        outputs.append(attention * value)

    out = torch.cat(outputs, dim=1)
    if layer.stride == 2 and isinstance(layer.pool, torch.nn.AvgPool2d):
        out = F.avg_pool2d(out, 2, 2, ceil_mode=True, count_include_pad=False)
    return out


LAYER_CASES = [
    dict(in_channels=32, stride=1),
    dict(in_channels=32, stride=2),
    dict(in_channels=32, stride=2, pool_stride=False),
    dict(in_channels=32, dilation=2),
    dict(in_channels=32, out_channels=64, groups=8, key_reduction=2, se_reduction=2),
    dict(in_channels=48, groups=3, key_reduction=2, se_reduction=4),
]


@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last],
                         ids=["nchw", "channels_last"])
@pytest.mark.parametrize("autograd", [True, False], ids=["autograd", "in_place"])
@pytest.mark.parametrize("kwargs", LAYER_CASES, ids=lambda case: str(case))
def test_layer_matches_naive_reference(kwargs, autograd, memory_format):
    torch.manual_seed(0)
    layer = SASEAttention(**kwargs).double().eval()
    _randomise_batch_norm(layer)
    x = torch.randn(2, kwargs["in_channels"], 11, 13, dtype=torch.float64)

    expected = naive_sase(layer, x)
    layer = layer.to(memory_format=memory_format)
    x = x.contiguous(memory_format=memory_format)
    # Without autograd the layer writes its products into the key and value maps.
    with torch.set_grad_enabled(autograd):
        actual = layer(x)

    assert actual.requires_grad == autograd
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", LAYER_CASES, ids=lambda case: str(case))
def test_layer_widths_follow_arguments(kwargs):
    layer = SASEAttention(**kwargs)
    groups = kwargs.get("groups", 4)
    in_channels = kwargs["in_channels"]
    out_channels = kwargs.get("out_channels", in_channels)
    dilation = kwargs.get("dilation", 1)
    conv_stride = 1 if kwargs.get("pool_stride", True) else kwargs.get("stride", 1)

    assert layer.query[1].out_channels == in_channels // kwargs.get("se_reduction", 4)
    assert layer.query[3].out_channels == out_channels
    assert layer.key[0].out_channels == in_channels // kwargs.get("key_reduction", 4)
    assert layer.key[3].out_channels == out_channels
    for conv in (layer.key[0], layer.key[3], layer.value):
        assert conv.groups == groups
        assert conv.dilation == (dilation, dilation)
    assert layer.key[0].stride == layer.value.stride == (conv_stride, conv_stride)


def test_fx_symbolic_trace_matches_eager():
    layer = SASEAttention(16, groups=2, se_reduction=2, key_reduction=2).eval()
    traced = torch.fx.symbolic_trace(layer)
    x = torch.randn(1, 16, 9, 9)

    torch.testing.assert_close(traced(x), layer(x))


@pytest.mark.parametrize("stride", [1, 2])
def test_attention_sums_to_one_per_head(stride):
    torch.manual_seed(0)
    layer = SASEAttention(64, groups=4, stride=stride).eval()
    attention = layer.attention(torch.randn(2, 64, 9, 9))

    assert attention.shape == (2, 4, 16, 9, 9)
    torch.testing.assert_close(attention.sum(dim=2), torch.ones(2, 4, 9, 9))
    assert (attention > 0).all()


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    layer = SASEAttention(32, stride=2).train()
    x = torch.randn(2, 32, 10, 10, requires_grad=True)
    layer(x).square().mean().backward()

    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "size, stride, pool_stride, expected",
    [
        (225, 1, True, 225),
        (225, 2, True, 113),
        (225, 2, False, 113),
        (56, 2, True, 28),
        (7, 2, True, 4),
        (1, 1, True, 1),
    ],
)
def test_output_size_follows_stride(size, stride, pool_stride, expected):
    layer = SASEAttention(16, 32, stride=stride, pool_stride=pool_stride, se_reduction=2,
                          key_reduction=2).eval()
    out = layer(torch.randn(1, 16, size, size))

    assert out.shape == (1, 32, expected, expected)


def test_pool_stride_and_conv_stride_have_same_parameters():
    pooled = SASEAttention(32, stride=2, pool_stride=True)
    strided = SASEAttention(32, stride=2, pool_stride=False)

    assert pooled.state_dict().keys() == strided.state_dict().keys()
    for key, value in pooled.state_dict().items():
        assert value.shape == strided.state_dict()[key].shape


def test_parameter_count_matches_formula():
    # Per head of d channels: SE 2 * d * d/4 + biases, key 9 * d * d/4 * 2, value 9 * d * d.
    channels, groups = 64, 4
    layer = SASEAttention(channels, groups=groups)
    head = channels // groups
    se = groups * (head * head // 4 + head // 4 + head // 4 * head + head)
    key = 9 * channels * head // 4 + 2 * channels // 4 + 9 * channels // 4 * head
    value = 9 * channels * head

    assert sum(p.numel() for p in layer.parameters()) == se + key + value


def test_device_and_dtype_arguments():
    layer = SASEAttention(16, groups=2, device="meta", dtype=torch.float64)

    for parameter in layer.parameters():
        assert parameter.device.type == "meta"
        assert parameter.dtype == torch.float64


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(in_channels=30, groups=4), "in_channels"),
        (dict(in_channels=32, out_channels=30, groups=4), "out_channels"),
        (dict(in_channels=16, groups=4, key_reduction=8), "key_reduction=8"),
        (dict(in_channels=16, groups=4, se_reduction=8), "se_reduction=8"),
        (dict(in_channels=16, stride=3), "stride"),
        (dict(in_channels=16, groups=0), "groups must be a positive integer, got 0"),
        (dict(in_channels=16, groups=None), "groups must be a positive integer, got None"),
        (dict(in_channels=-4), "in_channels must be a positive integer, got -4"),
        (dict(in_channels=16, key_reduction=0), "key_reduction must be a positive integer"),
        (dict(in_channels=16, se_reduction=-2), "se_reduction must be a positive integer"),
        (dict(in_channels=16, dilation=0), "dilation must be a positive integer, got 0"),
        (dict(in_channels=16, stride=True), "stride must be 1 or 2, got True"),
        (dict(in_channels=8, groups=8, key_reduction=1, se_reduction=1), "softmax over one channel"),
    ],
)
def test_invalid_configuration_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SASEAttention(**kwargs)


@pytest.mark.parametrize("shape", [(16, 8, 8), (1, 8, 8, 8), (1, 16, 4, 4, 4)])
def test_invalid_input_shape_raises(shape):
    layer = SASEAttention(16, groups=2, se_reduction=2, key_reduction=2)

    with pytest.raises(ValueError, match=r"\(B, 16, H, W\)"):
        layer(torch.randn(*shape))


def test_flops_are_linear_in_pixels():
    from fvcore.nn import FlopCountAnalysis

    layer = SASEAttention(16, groups=2, se_reduction=2, key_reduction=2).eval()
    counts = []
    for side in (8, 16, 32):
        analysis = FlopCountAnalysis(layer, torch.randn(1, 16, side, side))
        analysis.unsupported_ops_warnings(False)
        counts.append(analysis.total())

    # Four times the pixels, four times the multiply-adds: no N x N term.
    assert counts[1] == pytest.approx(4 * counts[0], rel=0.01)
    assert counts[2] == pytest.approx(4 * counts[1], rel=0.01)


def test_hooked_convolution_outputs_stay_intact():
    torch.manual_seed(0)
    layer = SASEAttention(16, groups=4, se_reduction=2, key_reduction=2).eval()
    hooked = {}
    handles = [
        layer.key.register_forward_hook(lambda module, args, output: hooked.update(key=output)),
        layer.value.register_forward_hook(lambda module, args, output: hooked.update(value=output)),
    ]
    x = torch.randn(2, 16, 5, 5)

    with torch.no_grad():
        layer(x)
        for handle in handles:
            handle.remove()
        expected_key = layer.key(x)
        expected_value = layer.value(x)

    torch.testing.assert_close(hooked["key"], expected_key)
    torch.testing.assert_close(hooked["value"], expected_value)


def test_mixed_dtypes_promote_without_autograd():
    torch.manual_seed(0)
    layer = SASEAttention(16, groups=4, se_reduction=2, key_reduction=2).eval()
    attention = torch.rand(2, 4, 4, 5, 5, dtype=torch.float64)
    value = torch.randn(2, 4, 4, 5, 5)

    with torch.no_grad():
        product = layer._product(value, attention)

    assert product.dtype == torch.float64
    torch.testing.assert_close(product, value.double() * attention)
