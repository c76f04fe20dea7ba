"""Round trips of SASE-ResNet weights between timm, mmpretrain and mmdet layouts."""
import builtins
import pickle

import numpy as np
import pytest
import timm
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader

import sase_mm  # noqa: F401  (registers the timm models and the OpenMMLab modules)
from sase_mm.mm.checkpoint_globals import load_mmengine_checkpoint
from sase_mm.mm.converters import convert_checkpoint, join_checkpoint, split_checkpoint
from sase_mm.models._checkpoint import load_state_dict_file

NUM_CLASSES = 10


def _classifier_cfg():
    return dict(
        type="ImageClassifier",
        backbone=dict(type="SASEResNet", depth=26),
        neck=dict(type="GlobalAveragePooling"),
        head=dict(type="LinearClsHead", num_classes=NUM_CLASSES, in_channels=2048),
    )


@pytest.fixture(scope="module")
def timm_model():
    torch.manual_seed(0)
    model = timm.create_model("sase_resnet26", num_classes=NUM_CLASSES).eval()
    # Random BatchNorm statistics, so that a lost buffer changes the logits.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    return model


@pytest.fixture(scope="module")
def images():
    return torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))


def test_round_trip_keeps_logits_and_features(tmp_path, timm_model, images):
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmdet.registry import MODELS as DET_MODELS

    timm_file = tmp_path / "timm.pth"
    torch.save(timm_model.state_dict(), timm_file)
    expected_logits = timm_model(images)
    expected_features = timm_model.forward_features(images)

    convert_checkpoint(timm_file, tmp_path / "cls.pth", "timm", "mmpretrain")
    init_default_scope("mmpretrain")
    classifier = PRETRAIN_MODELS.build(_classifier_cfg()).eval()
    checkpoint = torch.load(tmp_path / "cls.pth", map_location="cpu", weights_only=True)
    classifier.load_state_dict(checkpoint["state_dict"], strict=True)
    # The pooling differs (mmpretrain's AdaptiveAvgPool2d, timm's mean), so the
    # logits agree to float32 rounding and the features below exactly.
    torch.testing.assert_close(classifier(images, mode="tensor"), expected_logits)

    convert_checkpoint(tmp_path / "cls.pth", tmp_path / "backbone.pth", "mmpretrain", "mmdet")
    init_default_scope("mmdet")
    backbone = DET_MODELS.build(
        dict(
            type="SASEResNet",
            depth=26,
            out_indices=(0, 1, 2, 3),
            init_cfg=dict(type="Pretrained", checkpoint=str(tmp_path / "backbone.pth")),
        )
    )
    backbone.init_weights()
    backbone.eval()
    features = backbone(images)
    assert [f.shape[1] for f in features] == [256, 512, 1024, 2048]
    torch.testing.assert_close(features[-1], expected_features, rtol=0, atol=0)

    convert_checkpoint(tmp_path / "cls.pth", tmp_path / "timm_again.pth", "mmpretrain", "timm")
    restored = timm.create_model("sase_resnet26", num_classes=NUM_CLASSES).eval()
    restored.load_state_dict(torch.load(tmp_path / "timm_again.pth", weights_only=True), strict=True)
    torch.testing.assert_close(restored(images), expected_logits, rtol=0, atol=0)


def test_detector_checkpoint_keeps_backbone_only(timm_model):
    detector = {f"backbone.{k}": v for k, v in timm_model.state_dict().items() if not k.startswith("fc.")}
    detector["neck.lateral_convs.0.conv.weight"] = torch.zeros(1)
    backbone, classifier = split_checkpoint(detector, "mmdet")
    assert classifier is None
    assert "neck.lateral_convs.0.conv.weight" not in backbone
    assert "conv1.weight" in backbone
    assert "state_dict" in join_checkpoint(backbone, None, "mmdet")


def test_unknown_format_is_rejected(timm_model):
    with pytest.raises(ValueError, match="unknown checkpoint format 'onnx'"):
        split_checkpoint(timm_model.state_dict(), "onnx")


def test_wrong_layout_names_first_keys():
    with pytest.raises(ValueError, match="the first keys are: encoder.weight"):
        split_checkpoint({"encoder.weight": torch.zeros(1)}, "mmpretrain")


def test_missing_source_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        convert_checkpoint(tmp_path / "missing.pth", tmp_path / "out.pth", "timm", "mmpretrain")


def test_state_dict_read_keeps_allowlist(tmp_path, timm_model):
    # Reading a state dict must not remove globals that the process allowed before.
    original = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([np.dtype])
    torch.save(timm_model.state_dict(), tmp_path / "weights.pth")
    try:
        before = set(torch.serialization.get_safe_globals())

        load_state_dict_file(tmp_path / "weights.pth")

        assert set(torch.serialization.get_safe_globals()) == before
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(original)


def _mmengine_training_checkpoint(path):
    """Write a checkpoint shaped like MMEngine's: a message hub buffer and a statistics method."""
    buffer = HistoryBuffer()
    buffer.update(1.5)
    # MMEngine's statistics methods pickle as getattr(HistoryBuffer, 'mean'); the entry comes
    # first so that a load without the allowlist stops at getattr.
    torch.save({"statistic": HistoryBuffer.mean, "message_hub": {"loss": buffer},
                "state_dict": {"backbone.conv1.weight": torch.ones(2),
                               "head.fc.weight": torch.ones(3, 2), "head.fc.bias": torch.ones(3)}},
               path)


def test_getattr_allowed_only_inside_loader(tmp_path):
    path = tmp_path / "epoch_1.pth"
    _mmengine_training_checkpoint(path)

    loaded = CheckpointLoader.load_checkpoint(str(path), map_location="cpu")

    assert loaded["message_hub"]["loss"].current() == 1.5
    assert loaded["statistic"](loaded["message_hub"]["loss"]) == 1.5
    assert builtins.getattr not in torch.serialization.get_safe_globals()
    # Outside MMEngine's loader PyTorch's own allowlist applies: getattr is refused.
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL getattr"):
        torch.load(path, weights_only=True)


def test_training_checkpoint_converts_to_timm(tmp_path):
    _mmengine_training_checkpoint(tmp_path / "iter_300.pth")

    converted = convert_checkpoint(tmp_path / "iter_300.pth", tmp_path / "timm.pth",
                                   "mmpretrain", "timm")

    assert sorted(converted) == ["conv1.weight", "fc.bias", "fc.weight"]


class _InitOfHistoryBuffer:
    def __reduce__(self):
        return getattr, (HistoryBuffer, "__init__")


class _OverwriteModuleGlobal:
    """Pickles as getattr(HistoryBuffer.__init__, '__globals__') plus a dict item write."""

    def __reduce__(self):
        items = iter([("np", "replaced")])
        return getattr, (_InitOfHistoryBuffer(), "__globals__"), None, None, items


def test_crafted_getattr_is_rejected(tmp_path):
    import mmengine.logging.history_buffer as history_buffer_module

    path = tmp_path / "crafted.pth"
    torch.save({"payload": _OverwriteModuleGlobal()}, path)

    with pytest.raises(ValueError, match="only public HistoryBuffer methods"):
        CheckpointLoader.load_checkpoint(str(path), map_location="cpu")
    assert history_buffer_module.np is np


def test_folder_path_is_named(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_mmengine_checkpoint(tmp_path)


def test_converter_cli_reports_damaged_file(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    damaged = tmp_path / "damaged.pth"
    damaged.write_text("garbage")
    tools = Path(__file__).resolve().parents[1] / "tools"
    tool = tools / "model_converters" / "convert_sase_resnet.py"

    completed = subprocess.run(
        [sys.executable, str(tool), str(damaged), str(tmp_path / "out.pth"), "--src", "timm",
         "--dst", "mmpretrain"], capture_output=True, text=True, timeout=300, check=False)

    assert completed.returncode == 1
    assert completed.stderr.startswith("error: Could not read checkpoint")
    assert "Traceback" not in completed.stderr
