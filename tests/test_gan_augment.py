"""Tests of DiffAugment and ADA (ops, gradients, the p controller, errors)."""
import pytest
import torch

from sase_mm.gan.augment import AdaptiveAugment, DiffAugment


def test_diffaugment_keeps_shape_and_gradient():
    torch.manual_seed(0)
    images = torch.rand(4, 3, 16, 16, requires_grad=True)

    output = DiffAugment("color,translation,cutout")(images)
    output.sum().backward()

    assert output.shape == images.shape
    assert images.grad is not None
    assert images.grad.abs().sum() > 0


def test_translation_shifts_whole_image():
    torch.manual_seed(0)
    images = torch.arange(64, dtype=torch.float32).view(1, 1, 8, 8).repeat(8, 1, 1, 1) + 1

    shifted = DiffAugment("translation")(images)

    for index in range(8):
        nonzero = shifted[index, 0][shifted[index, 0] != 0]
        # A translation keeps the pixel differences along rows of what remains visible.
        assert nonzero.numel() >= 49
        assert set(nonzero.tolist()) <= set(images[0, 0].flatten().tolist())


def test_cutout_zeroes_a_quarter():
    torch.manual_seed(0)
    images = torch.ones(16, 3, 16, 16)

    output = DiffAugment("cutout")(images)
    zero_fraction = (output[:, 0] == 0).float().mean(dim=(1, 2))

    assert zero_fraction.max() <= 0.25
    assert zero_fraction.min() > 0


def test_unknown_policy_op_raises():
    with pytest.raises(ValueError, match=r"unknown ops \['colour'\]"):
        DiffAugment("colour,translation")


def test_ada_probability_rises_to_one_in_10k_iterations():
    ada = AdaptiveAugment(target=0.6, speed_iters=10000, interval=4)
    overfit_logits = torch.ones(8, 2, 5, 5)

    for _ in range(9996):
        ada.update(overfit_logits)
    assert float(ada.probability) == pytest.approx(0.9996, abs=1e-4)
    for _ in range(4):
        ada.update(overfit_logits)

    assert float(ada.probability) == pytest.approx(1.0)


def test_ada_probability_falls_when_below_target():
    ada = AdaptiveAugment(initial_probability=0.5, speed_iters=100, interval=4)
    logits = torch.tensor([1.0, -1.0, -1.0, 1.0])  # mean sign 0 < 0.6

    for _ in range(8):
        ada.update(logits)

    assert float(ada.probability) == pytest.approx(0.5 - 8 / 100)


def test_ada_state_survives_state_dict():
    ada = AdaptiveAugment(speed_iters=100, interval=4)
    for _ in range(6):
        ada.update(torch.ones(4))
    restored = AdaptiveAugment(speed_iters=100, interval=4)

    restored.load_state_dict(ada.state_dict())

    assert float(restored.probability) == pytest.approx(0.04)
    assert int(restored.calls) == 6
    assert float(restored.sign_count) == 8


def test_ada_augments_differentiably_at_p_one():
    torch.manual_seed(0)
    ada = AdaptiveAugment(initial_probability=1.0)
    images = torch.rand(4, 3, 16, 16, requires_grad=True)

    output = ada(images)
    output.mean().backward()

    assert output.shape == images.shape
    assert not torch.allclose(output, images)
    assert images.grad.abs().sum() > 0


def test_ada_is_identity_at_p_zero():
    images = torch.rand(2, 3, 8, 8)

    assert torch.equal(AdaptiveAugment()(images), images)


def test_ada_invalid_arguments_raise():
    with pytest.raises(ValueError, match="target=1.5"):
        AdaptiveAugment(target=1.5)
    with pytest.raises(ValueError, match="speed_iters=0"):
        AdaptiveAugment(speed_iters=0)
