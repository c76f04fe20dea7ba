"""The OpenMMLab backbone SASEResNet: registries, outputs, freezing, loading and bad input."""
import pytest
import timm
import torch
from torch.nn.modules.batchnorm import _BatchNorm

import sase_mm  # noqa: F401  (registers the timm models and the OpenMMLab modules)
from sase_mm.mm.backbones import SASEResNetBackbone


def _backbone(**kwargs):
    kwargs.setdefault("depth", 26)
    return SASEResNetBackbone(**kwargs)


@pytest.mark.parametrize("scope", ["mmpretrain", "mmdet"])
def test_type_resolves_in_scope(scope):
    from mmengine.registry import init_default_scope

    if scope == "mmpretrain":
        from mmpretrain.registry import MODELS
    else:
        from mmdet.registry import MODELS
    init_default_scope(scope)
    model = MODELS.build(dict(type="SASEResNet", depth=26))
    assert isinstance(model, SASEResNetBackbone)


def test_out_indices_shapes_and_negative_index():
    model = _backbone(out_indices=(0, 1, 2, -1)).eval()
    features = model(torch.randn(1, 3, 64, 64))
    assert [tuple(f.shape) for f in features] == [(1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
    assert model.stage_channels == (256, 512, 1024, 2048)
    assert model.stage_reductions == (4, 8, 16, 32)


def test_small_input_is_rejected():
    with pytest.raises(ValueError, match=r"H, W >= 32, got \(1, 3, 28, 28\)"):
        _backbone()(torch.randn(1, 3, 28, 28))


def test_matches_timm_network():
    torch.manual_seed(0)
    reference = timm.create_model("sase_resnet26", num_classes=0).eval()
    model = _backbone().eval()
    model.load_state_dict(reference.state_dict(), strict=True)
    images = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(model(images)[0], reference.forward_features(images), rtol=0, atol=0)


def test_frozen_stages_stop_gradients_and_statistics():
    model = _backbone(frozen_stages=1)
    model.train()
    frozen = [model.conv1, model.bn1, model.layer1]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not model.bn1.training
    assert all(not m.training for m in model.layer1.modules())
    assert any(isinstance(m, _BatchNorm) and m.training for m in model.layer2.modules())

    before = model.layer1[0].bn1.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))[0].sum().backward()
    assert torch.equal(before, model.layer1[0].bn1.running_mean)
    assert model.conv1.weight.grad is None
    assert model.layer2[0].conv1.weight.grad is not None


def test_norm_eval_keeps_statistics():
    model = _backbone(norm_eval=True)
    model.train()
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert norms and all(not m.training for m in norms)
    before = [m.running_mean.clone() for m in norms]
    model(torch.randn(2, 3, 32, 32))
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, norms))
    assert all(p.requires_grad for p in model.parameters())


def test_norm_cfg_builds_group_norm():
    model = _backbone(norm_cfg=dict(type="GN", num_groups=8, requires_grad=True))
    assert isinstance(model.bn1, torch.nn.GroupNorm)
    assert not any(isinstance(m, _BatchNorm) for m in model.modules())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(depth=34), "invalid depth 34"),
        (dict(out_indices=(4,)), "out_indices contains 4"),
        (dict(out_indices=(-5,)), "out_indices contains -5"),
        (dict(out_indices=()), "out_indices is empty"),
        (dict(frozen_stages=5), "frozen_stages=5 is out of range"),
        (dict(frozen_stages=-2), "frozen_stages=-2 is out of range"),
        (dict(num_stages=3), "num_stages=3"),
        (dict(style="caffe"), "style='caffe'"),
    ],
)
def test_bad_arguments_name_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _backbone(**kwargs)


def _classifier_checkpoint(tmp_path, model):
    path = tmp_path / "classifier.pth"
    state_dict = {f"backbone.{k}": v for k, v in model.state_dict().items()}
    state_dict["head.fc.weight"] = torch.zeros(10, 2048)
    torch.save({"state_dict": state_dict}, path)
    return path


def test_pretrained_with_prefix_loads(tmp_path):
    source = _backbone()
    path = _classifier_checkpoint(tmp_path, source)
    model = _backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="backbone."))
    model.init_weights()
    assert torch.equal(model.layer3[0].conv1.weight, source.layer3[0].conv1.weight)


def test_pretrained_without_prefix_suggests_it(tmp_path):
    path = _classifier_checkpoint(tmp_path, _backbone())
    model = _backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    with pytest.raises(ValueError, match=r"missing keys .*set prefix='backbone\.' in init_cfg"):
        model.init_weights()


def test_pretrained_wrong_prefix_is_named(tmp_path):
    path = _classifier_checkpoint(tmp_path, _backbone())
    model = _backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="model."))
    with pytest.raises(ValueError, match=r"no key .* starts with prefix 'model\.'.*prefix='backbone\.'"):
        model.init_weights()


def test_pretrained_other_depth_is_rejected(tmp_path):
    path = _classifier_checkpoint(tmp_path, _backbone(depth=26))
    model = _backbone(depth=50, init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="backbone."))
    with pytest.raises(ValueError, match=r"does not match SASEResNet\(depth=50\).*missing keys"):
        model.init_weights()
