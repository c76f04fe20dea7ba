"""Tests of SASEResNet used as an MMDetection backbone: pretrained loading and frozen stages."""
import pytest
import torch
from torch import nn

pytest.importorskip('mmdet')

from mmdet.models.backbones import ResNet  # noqa: E402
from mmdet.registry import MODELS  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix  # noqa: E402

import sase_mm.mm.backbones  # noqa: E402,F401  (registers SASEResNet)

BACKBONE = dict(
    type='SASEResNet', depth=50, out_indices=(0, 1, 2, 3), frozen_stages=1, norm_eval=True)


@pytest.fixture(scope='module')
def backbone():
    init_default_scope('mmdet')
    torch.manual_seed(0)
    return MODELS.build(BACKBONE)


@pytest.fixture(scope='module')
def classifier_checkpoint(backbone, tmp_path_factory):
    """Write an MMPretrain-style classifier checkpoint whose backbone weights differ from
    ``backbone``'s and that also contains head weights."""
    generator = torch.Generator().manual_seed(1)
    state_dict = {}
    for name, value in backbone.state_dict().items():
        if value.is_floating_point():
            value = torch.randn(value.shape, generator=generator)
        else:
            value = value + 3
        state_dict[f'backbone.{name}'] = value
    state_dict['head.fc.weight'] = torch.randn(10, 2048, generator=generator)
    state_dict['head.fc.bias'] = torch.zeros(10)
    path = tmp_path_factory.mktemp('checkpoints') / 'sase_resnet50_classifier.pth'
    torch.save({'state_dict': state_dict, 'meta': {}}, path)
    return path


def test_pretrained_prefix_loads_every_weight(classifier_checkpoint):
    init_default_scope('mmdet')
    config = dict(BACKBONE, init_cfg=dict(
        type='Pretrained', prefix='backbone.', checkpoint=str(classifier_checkpoint)))
    detector_backbone = MODELS.build(config)
    detector_backbone.init_weights()

    loaded = _load_checkpoint_with_prefix('backbone.', str(classifier_checkpoint))
    own = detector_backbone.state_dict()
    missing = sorted(set(own) - set(loaded))
    unexpected = sorted(set(loaded) - set(own))
    assert missing == []
    assert unexpected == []
    differing = [name for name, value in own.items() if not torch.equal(value, loaded[name])]
    assert differing == []


def test_missing_init_checkpoint_names_path(tmp_path):
    init_default_scope('mmdet')
    path = tmp_path / 'no_such_checkpoint.pth'
    config = dict(BACKBONE, init_cfg=dict(
        type='Pretrained', prefix='backbone.', checkpoint=str(path)))
    detector_backbone = MODELS.build(config)
    with pytest.raises(FileNotFoundError, match='no_such_checkpoint.pth'):
        detector_backbone.init_weights()


def _frozen_top_level_names(model: nn.Module) -> set:
    return {name.split('.')[0] for name, p in model.named_parameters() if not p.requires_grad}


def _eval_mode_norm_top_level_names(model: nn.Module) -> set:
    names = set()
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and not module.training:
            names.add(name.split('.')[0])
    return names


@pytest.mark.parametrize('frozen_stages', [-1, 0, 1, 2])
def test_frozen_stages_match_mmdet_resnet(frozen_stages):
    init_default_scope('mmdet')
    sase = MODELS.build(dict(BACKBONE, frozen_stages=frozen_stages, norm_eval=False))
    resnet = ResNet(depth=50, frozen_stages=frozen_stages, norm_eval=False)
    sase.train()
    resnet.train()
    assert _frozen_top_level_names(sase) == _frozen_top_level_names(resnet)
    assert _eval_mode_norm_top_level_names(sase) == _eval_mode_norm_top_level_names(resnet)
    expected = {-1: set(), 0: {'conv1', 'bn1'}, 1: {'conv1', 'bn1', 'layer1'},
                2: {'conv1', 'bn1', 'layer1', 'layer2'}}[frozen_stages]
    assert _frozen_top_level_names(sase) == expected


def test_frozen_stage_gets_no_gradient(backbone):
    backbone.train()
    outputs = backbone(torch.randn(2, 3, 64, 64))
    sum(output.mean() for output in outputs).backward()
    for name, parameter in backbone.named_parameters():
        if name.startswith(('conv1.', 'bn1.', 'layer1.')):
            assert parameter.grad is None, name
    assert backbone.layer2[0].conv1.weight.grad is not None
    backbone.zero_grad(set_to_none=True)


def test_norm_eval_keeps_batchnorm_statistics(backbone):
    backbone.train()
    batch_norms = [m for m in backbone.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert batch_norms
    assert not any(m.training for m in batch_norms)
    before = [m.running_mean.clone() for m in batch_norms]
    with torch.no_grad():
        backbone(torch.randn(2, 3, 64, 64))
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, batch_norms))


def test_norm_eval_false_trains_unfrozen_batchnorm():
    init_default_scope('mmdet')
    model = MODELS.build(dict(BACKBONE, norm_eval=False))
    model.train()
    assert not model.bn1.training
    assert all(m.training for m in model.layer2.modules()
               if isinstance(m, nn.modules.batchnorm._BatchNorm))


def test_outputs_fpn_levels(backbone):
    backbone.eval()
    with torch.no_grad():
        outputs = backbone(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outputs] == [
        (1, 256, 16, 16), (1, 512, 8, 8), (1, 1024, 4, 4), (1, 2048, 2, 2)]
