"""Tests of the Mask R-CNN configs: inheritance from mmdet and detector construction."""
import copy
import os
from pathlib import Path

import pytest

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import get_installed_path  # noqa: E402

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs' / 'mask_rcnn'
COCO_3X = CONFIG_DIR / 'sase-resnet50_mask-rcnn_fpn_ms-poly-3x_coco.py'
FASHION = CONFIG_DIR / 'sase-resnet50_mask-rcnn_fpn_ms-poly-3x_fashion-mnist-coco.py'
FASHION_RESNET = CONFIG_DIR / 'resnet50_mask-rcnn_fpn_ms-poly-3x_fashion-mnist-coco.py'
MMDET_3X = os.path.join(
    get_installed_path('mmdet'), '.mim', 'configs', 'mask_rcnn',
    'mask-rcnn_r50_fpn_ms-poly-3x_coco.py')


def _strip_scope(node):
    """Drop the ``_scope_`` keys that ``mmdet::`` inheritance adds to every typed dict."""
    if isinstance(node, dict):
        return {key: _strip_scope(value) for key, value in node.items() if key != '_scope_'}
    if isinstance(node, (list, tuple)):
        return type(node)(_strip_scope(value) for value in node)
    return node


def _without_backbone(config: Config) -> dict:
    data = _strip_scope(copy.deepcopy(config.to_dict()))
    data['model'].pop('backbone')
    data.pop('custom_imports', None)
    return data


def test_3x_config_changes_only_backbone():
    config = Config.fromfile(str(COCO_3X))
    reference = Config.fromfile(MMDET_3X)
    assert _without_backbone(config) == _without_backbone(reference)

    backbone = config.model.backbone
    assert backbone.type == 'SASEResNet'
    assert backbone.depth == 50
    assert tuple(backbone.out_indices) == (0, 1, 2, 3)
    assert backbone.frozen_stages == 1
    assert backbone.norm_eval is True
    assert backbone.init_cfg.type == 'Pretrained'
    assert backbone.init_cfg.prefix == 'backbone.'
    assert '://' not in backbone.init_cfg.checkpoint


def test_3x_checkpoint_path_from_environment(monkeypatch):
    monkeypatch.setenv('SASE_RESNET50_CHECKPOINT', '/models/sase50.pth')
    config = Config.fromfile(str(COCO_3X))
    assert config.model.backbone.init_cfg.checkpoint == '/models/sase50.pth'


def test_3x_detector_builds():
    from mmdet.registry import MODELS

    import sase_mm.mm.backbones  # noqa: F401  (registers SASEResNet)

    init_default_scope('mmdet')
    config = Config.fromfile(str(COCO_3X))
    detector = MODELS.build(config.model)
    assert type(detector).__name__ == 'MaskRCNN'
    assert type(detector.backbone).__name__ == 'SASEResNetBackbone'
    assert detector.roi_head.bbox_head.num_classes == 80


@pytest.mark.parametrize('path, backbone_type', [
    (FASHION, 'SASEResNet'), (FASHION_RESNET, 'ResNet')])
def test_fashion_configs_share_all_but_backbone(path, backbone_type):
    config = Config.fromfile(str(path))
    assert config.model.backbone.type == backbone_type
    assert config.model.backbone.init_cfg is None
    assert config.model.roi_head.bbox_head.num_classes == 10
    assert config.train_dataloader.dataset.dataset.type == 'CheckedCocoDataset'
    assert config.val_evaluator.type == 'CocoMetric'
    assert list(config.val_evaluator.metric) == ['bbox', 'segm']
    if path != FASHION:
        assert _without_backbone(config) == _without_backbone(Config.fromfile(str(FASHION)))
