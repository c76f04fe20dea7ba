"""Tests of the timm-registered SASE-ResNet family, including timm's generic model checks."""
import pytest
import timm
import torch
from torch import nn

import sase_mm  # noqa: F401  (registers the models)
from sase_mm.models import SASEResNet, create_sase_resnet, pretrained_cache_path
from sase_mm.models._checkpoint import StateDictMismatch

MODEL_NAMES = ["sase_resnet26", "sase_resnet50", "sase_resnet101"]
SMALL_INPUT = (2, 3, 64, 64)


@pytest.fixture(scope="module")
def resnet26():
    torch.manual_seed(0)
    return timm.create_model("sase_resnet26", num_classes=10).eval()


def test_models_are_registered():
    assert set(MODEL_NAMES) <= set(timm.list_models("sase_*"))
    for name in MODEL_NAMES:
        assert timm.is_model(name)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_pretrained_cfg_names_real_modules(name):
    # timm's tests/test_models.py: first_conv and classifier must name real modules.
    model = timm.create_model(name, num_classes=7)
    cfg = model.pretrained_cfg

    assert isinstance(model.get_submodule(cfg["first_conv"]), nn.Conv2d)
    classifier = model.get_submodule(cfg["classifier"])
    assert isinstance(classifier, nn.Linear)
    assert classifier.out_features == 7
    assert model.get_classifier() is classifier
    assert cfg["input_size"] == (3, 224, 224)


def test_forward_shapes_and_head(resnet26):
    x = torch.randn(*SMALL_INPUT)
    with torch.no_grad():
        features = resnet26.forward_features(x)
        logits = resnet26.forward_head(features)
        pooled = resnet26.forward_head(features, pre_logits=True)

    assert features.shape == (2, resnet26.num_features, 2, 2)
    assert logits.shape == (2, 10)
    assert pooled.shape == (2, 2048)
    torch.testing.assert_close(resnet26(x), logits)


def test_odd_input_size():
    model = timm.create_model("sase_resnet26", num_classes=5).eval()
    with torch.no_grad():
        features = model.forward_features(torch.randn(1, 3, 225, 225))

    assert features.shape == (1, 2048, 8, 8)


def test_features_only_channels_and_reductions():
    model = timm.create_model("sase_resnet50", features_only=True).eval()
    info = model.feature_info

    assert info.channels() == [64, 256, 512, 1024, 2048]
    assert info.reduction() == [2, 4, 8, 16, 32]
    with torch.no_grad():
        outputs = model(torch.randn(1, 3, 64, 64))
    for output, channels, reduction in zip(outputs, info.channels(), info.reduction()):
        assert output.shape == (1, channels, 64 // reduction, 64 // reduction)


def test_features_only_out_indices():
    model = timm.create_model("sase_resnet26", features_only=True, out_indices=(2, 4)).eval()
    with torch.no_grad():
        outputs = model(torch.randn(1, 3, 64, 64))

    assert [o.shape[1] for o in outputs] == [512, 2048]
    assert model.feature_info.reduction() == [8, 32]


def test_forward_intermediates_matches_forward_features(resnet26):
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        final, intermediates = resnet26.forward_intermediates(x)
        expected = resnet26.forward_features(x)

    torch.testing.assert_close(final, expected)
    assert [t.shape[1] for t in intermediates] == [64, 256, 512, 1024, 2048]


def test_reset_classifier():
    model = timm.create_model("sase_resnet26").eval()
    model.reset_classifier(3)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 3)

    model.reset_classifier(0)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 2048)


def test_gradient_checkpointing_gives_same_gradients():
    torch.manual_seed(0)
    model = timm.create_model("sase_resnet26", num_classes=4).train()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()
    x = torch.randn(2, 3, 64, 64)

    model(x).sum().backward()
    plain = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    model.set_grad_checkpointing(True)
    model(x).sum().backward()

    for name, parameter in model.named_parameters():
        torch.testing.assert_close(parameter.grad, plain[name], rtol=1e-4, atol=1e-5)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = timm.create_model("sase_resnet26", num_classes=4, zero_init_last=False).train()
    model(torch.randn(2, 3, 64, 64)).square().mean().backward()

    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


@pytest.mark.parametrize("in_chans", [1, 4])
def test_in_chans(in_chans):
    model = timm.create_model("sase_resnet26", in_chans=in_chans, num_classes=2).eval()
    with torch.no_grad():
        assert model(torch.randn(1, in_chans, 64, 64)).shape == (1, 2)


def test_drop_path_rate_follows_linear_rule():
    model = timm.create_model("sase_resnet26", drop_path_rate=0.2)
    rates = [block.drop_path.drop_prob if block.drop_path is not None else 0.0
             for stage in (model.layer1, model.layer2, model.layer3, model.layer4)
             for block in stage]

    assert rates[0] == 0.0
    assert rates[-1] == pytest.approx(0.2)
    assert rates == sorted(rates)


def test_device_and_dtype_arguments():
    model = timm.create_model("sase_resnet26", device="meta", dtype=torch.float64)

    assert {p.device.type for p in model.parameters()} == {"meta"}
    assert {p.dtype for p in model.parameters()} == {torch.float64}


def test_torchscript_matches_eager(resnet26):
    scripted = torch.jit.script(resnet26)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), resnet26(x))


def test_create_by_depth():
    assert isinstance(create_sase_resnet(26, num_classes=3), SASEResNet)
    with pytest.raises(ValueError, match="depth 77.*26, 50, 101"):
        create_sase_resnet(77)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((3, 64, 64), "4-D batch"),
        ((1, 1, 64, 64), "in_chans=3 but the input has 1 channels"),
        ((1, 3, 16, 64), "smaller than the network's total stride 32"),
    ],
)
def test_invalid_input_raises(resnet26, shape, message):
    with pytest.raises(ValueError, match=message):
        resnet26(torch.randn(*shape))


def test_complexity_matches_paper_table_8():
    from fvcore.nn import FlopCountAnalysis

    model = timm.create_model("sase_resnet50").eval()
    parameters = sum(p.numel() for p in model.parameters())
    analysis = FlopCountAnalysis(model, torch.randn(1, 3, 224, 224))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)

    # Paper: 18.66 M parameters, 3.36 GFLOPs. fvcore counts one multiply-add as
    # one FLOP (conv, linear, BN, adaptive pooling); it gives 4.11 G for timm's
    # resnet50, consistent with the paper's 4.1 G.
    assert parameters == pytest.approx(18.66e6, rel=0.005)
    assert analysis.total() == pytest.approx(3.36e9, rel=0.02)


# Pretrained weights: none are published, so every path uses files made here.


def test_pretrained_without_file_explains_how_to_pass_one(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(ValueError, match="pretrained_cfg_overlay=dict\\(file="):
        timm.create_model("sase_resnet26", pretrained=True)


def test_pretrained_file_round_trip(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save(resnet26.state_dict(), path)

    loaded = timm.create_model(
        "sase_resnet26", num_classes=10, pretrained=True,
        pretrained_cfg_overlay=dict(file=str(path)),
    ).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), resnet26(x))


def test_pretrained_from_cache(tmp_path, monkeypatch, resnet26):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    cached = pretrained_cache_path("sase_resnet26")
    (tmp_path / "checkpoints").mkdir()
    torch.save({"state_dict": resnet26.state_dict()}, cached)

    loaded = timm.create_model("sase_resnet26", num_classes=10, pretrained=True).eval()
    torch.testing.assert_close(loaded.fc.weight, resnet26.fc.weight)


def test_pretrained_with_new_classes_and_channels(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save(resnet26.state_dict(), path)

    loaded = timm.create_model(
        "sase_resnet26", num_classes=3, in_chans=1, pretrained=True,
        pretrained_cfg_overlay=dict(file=str(path)),
    )
    torch.testing.assert_close(loaded.layer4[0].attn.value.weight,
                               resnet26.layer4[0].attn.value.weight)
    torch.testing.assert_close(loaded.conv1.weight, resnet26.conv1.weight.sum(1, keepdim=True))
    assert loaded.fc.out_features == 3


def test_pretrained_features_only(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save(resnet26.state_dict(), path)

    model = timm.create_model("sase_resnet26", features_only=True, pretrained=True,
                              pretrained_cfg_overlay=dict(file=str(path)))
    torch.testing.assert_close(model.layer2[0].attn.key[0].weight,
                               resnet26.layer2[0].attn.key[0].weight)


def test_pretrained_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        timm.create_model("sase_resnet26", pretrained=True,
                          pretrained_cfg_overlay=dict(file=str(tmp_path / "missing.pth")))


def test_pretrained_truncated_file(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save(resnet26.state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(ValueError, match="truncated"):
        timm.create_model("sase_resnet26", num_classes=10, pretrained=True,
                          pretrained_cfg_overlay=dict(file=str(path)))


def test_pretrained_other_architecture_lists_keys(tmp_path):
    path = tmp_path / "resnet26.pth"
    torch.save(timm.create_model("resnet26").state_dict(), path)

    with pytest.raises(StateDictMismatch) as error:
        timm.create_model("sase_resnet26", pretrained=True,
                          pretrained_cfg_overlay=dict(file=str(path)))
    message = str(error.value)
    assert "missing keys" in message
    assert "layer1.0.attn" in message
    assert "unexpected keys" in message
    assert "layer1.0.conv2.weight" in message


def test_pretrained_other_depth_lists_keys(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save(resnet26.state_dict(), path)

    with pytest.raises(StateDictMismatch, match="missing keys.*layer1.2"):
        timm.create_model("sase_resnet50", num_classes=10, pretrained=True,
                          pretrained_cfg_overlay=dict(file=str(path)))


def test_pretrained_unknown_prefix_suggests_stripping(tmp_path, resnet26):
    path = tmp_path / "weights.pth"
    torch.save({f"encoder.{k}": v for k, v in resnet26.state_dict().items()}, path)

    with pytest.raises(StateDictMismatch, match="start with 'encoder.'"):
        timm.create_model("sase_resnet26", num_classes=10, pretrained=True,
                          pretrained_cfg_overlay=dict(file=str(path)))


def test_default_cfg_pool_size_matches_features():
    # timm's test_model_default_cfgs: features at input_size have pool_size and num_features.
    model = timm.create_model("sase_resnet26").eval()
    cfg = model.pretrained_cfg
    with torch.no_grad():
        features = model.forward_features(torch.randn(1, *cfg["input_size"]))

    assert features.shape[1] == model.num_features
    assert tuple(features.shape[-2:]) == cfg["pool_size"]
    assert torch.isfinite(features).all()


def test_features_only_matches_forward_intermediates(resnet26):
    # timm's test_model_forward_intermediates_features, on shared weights.
    extractor = timm.create_model("sase_resnet26", features_only=True).eval()
    extractor.load_state_dict(
        {k: v for k, v in resnet26.state_dict().items() if not k.startswith("fc.")}
    )
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = resnet26.forward_intermediates(x, intermediates_only=True)
        actual = extractor(x)

    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        torch.testing.assert_close(a, e)


def _create_from(path, **kwargs):
    return timm.create_model("sase_resnet26", pretrained=True,
                             pretrained_cfg_overlay=dict(file=str(path)), **kwargs).eval()


def _assert_same_weights(model, reference):
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, msg=key)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda sd: {"model": sd}, id="model-nesting"),
        pytest.param(lambda sd: {"module": sd}, id="module-nesting"),
        pytest.param(lambda sd: {f"module.{k}": v for k, v in sd.items()}, id="ddp-prefix"),
        pytest.param(lambda sd: {f"_orig_mod.{k}": v for k, v in sd.items()}, id="compile-prefix"),
        pytest.param(
            lambda sd: {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")},
            id="no-num-batches-tracked",
        ),
    ],
)
def test_pretrained_accepts_common_layouts(tmp_path, resnet26, wrap):
    path = tmp_path / "weights.pth"
    torch.save(wrap(resnet26.state_dict()), path)

    _assert_same_weights(_create_from(path, num_classes=10), resnet26)


def test_pretrained_timm_training_checkpoint(tmp_path, resnet26):
    # timm's train.py stores its arguments and metrics beside the weights.
    import argparse

    import numpy as np

    path = tmp_path / "checkpoint.pth.tar"
    torch.save({"epoch": 3, "arch": "sase_resnet26", "args": argparse.Namespace(lr=0.1),
                "state_dict": resnet26.state_dict(), "metric": np.float64(71.2)}, path)

    _assert_same_weights(_create_from(path, num_classes=10), resnet26)


def test_pretrained_openmmlab_classifier_checkpoint(tmp_path, resnet26):
    state_dict = {f"backbone.{k}": v for k, v in resnet26.state_dict().items() if not k.startswith("fc.")}
    state_dict["head.fc.weight"] = resnet26.fc.weight
    state_dict["head.fc.bias"] = resnet26.fc.bias
    path = tmp_path / "mmpretrain.pth"
    torch.save({"meta": {"epoch": 1}, "state_dict": state_dict}, path)

    _assert_same_weights(_create_from(path, num_classes=10), resnet26)


def test_pretrained_headless_keeps_new_classifier(tmp_path, resnet26):
    path = tmp_path / "headless.pth"
    torch.save({k: v for k, v in resnet26.state_dict().items() if not k.startswith("fc.")}, path)

    model = _create_from(path, num_classes=10)
    torch.testing.assert_close(model.layer3[1].attn.value.weight, resnet26.layer3[1].attn.value.weight)
    assert model.fc.out_features == 10


def test_pretrained_unsafe_object_is_rejected(tmp_path, resnet26):
    path = tmp_path / "unsafe.pth"
    torch.save({"state_dict": resnet26.state_dict(), "optimizer": torch.optim.SGD}, path)

    with pytest.raises(ValueError, match="contains Python objects.*weights_only=False"):
        _create_from(path, num_classes=10)


@pytest.mark.parametrize("text", ["these are not weights\n" * 10, "garbage"])
def test_pretrained_garbage_file(tmp_path, text):
    path = tmp_path / "notes.pth"
    path.write_text(text)

    with pytest.raises(ValueError, match="Could not read checkpoint .*damaged"):
        _create_from(path)


def test_pretrained_file_without_tensors(tmp_path):
    path = tmp_path / "ema_only.pth"
    torch.save({"epoch": 1, "note": "no weights"}, path)

    with pytest.raises(ValueError, match=r"no state dict of tensors \(found \['epoch', 'note'\]\)"):
        _create_from(path)


def test_zero_init_last():
    model = timm.create_model("sase_resnet26")
    untouched = timm.create_model("sase_resnet26", zero_init_last=False)

    for block in model.layer1:
        assert torch.count_nonzero(block.bn3.weight) == 0
    assert torch.count_nonzero(untouched.layer1[0].bn3.weight) > 0


@pytest.mark.parametrize("output_stride, dilations", [(16, [1, 2]), (8, [1, 2, 2, 4])])
def test_output_stride_dilates_last_stages(output_stride, dilations):
    model = timm.create_model("sase_resnet26", output_stride=output_stride, features_only=True).eval()
    first_blocks = [model.layer3[0], model.layer3[1], model.layer4[0], model.layer4[1]]
    found = [block.attn.value.dilation[0] for block in first_blocks]
    with torch.no_grad():
        outputs = model(torch.randn(1, 3, 64, 64))

    assert found[-len(dilations):] == dilations
    assert all(block.attn.key[0].dilation == block.attn.value.dilation for block in first_blocks)
    assert outputs[-1].shape[-1] == 64 // output_stride


def test_drop_path_is_applied_in_training():
    model = timm.create_model("sase_resnet26", drop_path_rate=0.5, num_classes=3, zero_init_last=False)
    x = torch.randn(2, 3, 64, 64)

    model.train()
    torch.manual_seed(1)
    first = model(x)
    torch.manual_seed(2)
    second = model(x)
    model.eval()
    with torch.no_grad():
        evaluated = [model(x), model(x)]

    assert not torch.allclose(first, second)
    torch.testing.assert_close(evaluated[0], evaluated[1])


def test_gradient_checkpointing_recomputes_blocks(monkeypatch):
    # Forward hooks do not fire during recomputation, so count calls of the layer itself.
    from sase_mm.layers import SASEAttention

    calls = []
    original_forward = SASEAttention.forward

    def counting_forward(self, x):
        calls.append(1)
        return original_forward(self, x)

    monkeypatch.setattr(SASEAttention, "forward", counting_forward)
    model = timm.create_model("sase_resnet26", num_classes=2).train()
    model(torch.randn(2, 3, 64, 64)).sum().backward()
    plain_calls = len(calls)

    calls.clear()
    model.set_grad_checkpointing(True)
    model(torch.randn(2, 3, 64, 64)).sum().backward()

    assert plain_calls == 8
    assert len(calls) == 2 * plain_calls


def test_fx_feature_extraction():
    model = timm.create_model("sase_resnet26", features_only=True, feature_cls="fx",
                              out_indices=(3, 4)).eval()
    with torch.no_grad():
        outputs = model(torch.randn(1, 3, 64, 64))

    assert [o.shape[1] for o in outputs] == [1024, 2048]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(heads=3), r"heads=3 must divide every stage width \(64, 128, 256, 512\)"),
        (dict(heads=64), "heads=64 must divide every stage width"),
        (dict(key_reduction=32), r"key_reduction=32 must divide every head width \(16, 32, 64, 128\)"),
        (dict(se_reduction=0), "se_reduction=0"),
    ],
)
def test_invalid_heads_and_reductions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timm.create_model("sase_resnet26", **kwargs)
