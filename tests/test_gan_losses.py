"""Tests of the hinge loss with random margins and the reconstruction losses."""
import os

import pytest
import torch

from sase_mm.gan.losses import L1ReconstructionLoss, LPIPSLoss, RandomMarginHingeLoss


def test_hinge_margins_bound_losses():
    torch.manual_seed(0)
    loss = RandomMarginHingeLoss(0.8, 1.0)
    logits = torch.zeros(1000)

    real, fake = loss.discriminator_real(logits), loss.discriminator_fake(logits)

    assert 0.8 <= float(real) <= 1.0
    assert float(real) == pytest.approx(0.9, abs=0.02)
    assert float(fake) == pytest.approx(0.9, abs=0.02)
    assert float(loss.discriminator_real(torch.full((10,), 1.0))) == 0
    assert float(loss.generator(torch.full((10,), 2.0))) == -2


def test_hinge_invalid_margins_raise():
    with pytest.raises(ValueError, match="0.9, 0.8"):
        RandomMarginHingeLoss(0.9, 0.8)


def test_l1_reconstruction():
    loss = L1ReconstructionLoss()

    assert float(loss(torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4))) == 1


def test_lpips_without_backbone_weights_raises(tmp_path, monkeypatch):
    pytest.importorskip("lpips")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))

    with pytest.raises(FileNotFoundError, match="L1ReconstructionLoss"):
        LPIPSLoss(net="vgg")


def test_lpips_loads_user_backbone_file(tmp_path):
    pytest.importorskip("lpips")
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    path = os.path.join(tmp_path, "alexnet.pth")
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), path)

    loss = LPIPSLoss(net="alex", backbone_weights=path, reduction="mean")
    images = torch.rand(2, 3, 64, 64) * 2 - 1

    assert float(loss(images, images)) == pytest.approx(0, abs=1e-6)
    assert float(loss(images, -images)) > 0
    assert not any(key.startswith("_network") for key in loss.state_dict())


def test_lpips_rejects_wrong_file(tmp_path):
    pytest.importorskip("lpips")
    path = os.path.join(tmp_path, "wrong.pth")
    torch.save({"features.0.weight": torch.zeros(1)}, path)

    with pytest.raises(ValueError, match="not a torchvision ImageNet state dict"):
        LPIPSLoss(net="alex", backbone_weights=path)
