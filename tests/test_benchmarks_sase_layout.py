"""The SASE layer's channels-last path against its contiguous path.

The layer keeps a channels-last input channels-last (so that the following
1x1 convolution and batch norm need no layout copy); these tests check that
this speed path computes the same values and gradients as the contiguous one,
which the layer's own tests compare with a naive reference.
"""
import pytest
import torch

from sase_mm.layers import SASEAttention


def _layer_pair(stride: int, pool_stride: bool):
    torch.manual_seed(0)
    contiguous = SASEAttention(16, 32, stride=stride, groups=4, pool_stride=pool_stride)
    for module in contiguous.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
    channels_last = SASEAttention(16, 32, stride=stride, groups=4, pool_stride=pool_stride)
    channels_last.load_state_dict(contiguous.state_dict())
    return contiguous, channels_last.to(memory_format=torch.channels_last)


@pytest.mark.parametrize('stride,pool_stride', [(1, True), (2, True), (2, False)])
@pytest.mark.parametrize('training', [False, True])
def test_channels_last_matches_contiguous(stride, pool_stride, training):
    contiguous, channels_last = _layer_pair(stride, pool_stride)
    contiguous.train(training)
    channels_last.train(training)
    x = torch.randn(2, 16, 9, 7)
    x_contiguous = x.clone().requires_grad_(True)
    x_channels_last = x.clone().contiguous(memory_format=torch.channels_last).requires_grad_(True)

    expected = contiguous(x_contiguous)
    output = channels_last(x_channels_last)
    weights = torch.randn_like(expected)
    (expected * weights).sum().backward()
    (output * weights).sum().backward()

    torch.testing.assert_close(output, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(x_channels_last.grad, x_contiguous.grad, rtol=1e-5, atol=1e-6)
    for (name, parameter), reference in zip(channels_last.named_parameters(),
                                            contiguous.parameters()):
        torch.testing.assert_close(parameter.grad, reference.grad, rtol=1e-4, atol=1e-6,
                                   msg=f'gradient of {name} differs')


def test_channels_last_output_stays_channels_last():
    _, channels_last = _layer_pair(1, True)
    x = torch.randn(2, 16, 9, 7).contiguous(memory_format=torch.channels_last)

    with torch.no_grad():
        output = channels_last.eval()(x)
        attention = channels_last.attention(x)

    assert output.is_contiguous(memory_format=torch.channels_last)
    assert not output.is_contiguous()
    assert attention.shape == (2, 4, 8, 9, 7)
    torch.testing.assert_close(attention.sum(dim=2), torch.ones(2, 4, 9, 7))
