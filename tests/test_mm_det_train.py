"""End-to-end test: dataset build, Mask R-CNN training, CocoMetric evaluation and the demo."""
import importlib.util
import sys
from pathlib import Path

import cv2
import pytest

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FASHION_MNIST = Path('/usr/share/datasets/fashion-mnist')
CONFIG = ROOT / 'configs' / 'mask_rcnn' / (
    'sase-resnet50_mask-rcnn_fpn_ms-poly-3x_fashion-mnist-coco.py')


def _load_tool(relative_path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not (FASHION_MNIST / 'train-images-idx3-ubyte.gz').is_file(),
                    reason='Fashion-MNIST files are not installed')
def test_train_evaluate_and_demo(tmp_path):
    converter = _load_tool('tools/dataset_converters/fashion_mnist_to_coco.py',
                           'fashion_mnist_to_coco')
    demo = _load_tool('tools/demo/detection_demo.py', 'detection_demo')

    data_root = tmp_path / 'data'
    converter.main(['--out', str(data_root), '--num-train', '4', '--num-val', '2',
                    '--canvas-size', '64', '--min-item-size', '16', '--max-item-size', '32'])

    config = Config.fromfile(str(CONFIG))
    config.work_dir = str(tmp_path / 'work')
    config.train_dataloader.dataset.dataset.data_root = f'{data_root}/'
    config.val_dataloader.dataset.data_root = f'{data_root}/'
    config.test_dataloader.dataset.data_root = f'{data_root}/'
    config.val_evaluator.ann_file = f'{data_root}/annotations/instances_val.json'
    config.test_evaluator.ann_file = config.val_evaluator.ann_file
    config.train_cfg.max_iters = 2
    config.train_cfg.val_interval = 2
    config.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    config.default_hooks.checkpoint.interval = 2
    config.default_hooks.logger.interval = 1
    config.train_dataloader.dataset.dataset.pipeline[2].scale = [(106, 51), (106, 64)]
    for loader in (config.val_dataloader, config.test_dataloader):
        loader.dataset.pipeline[1].scale = (106, 64)

    runner = Runner.from_cfg(config)
    runner.train()
    metrics = runner.test()
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP', 'coco/segm_mAP_50'):
        assert 0.0 <= metrics[key] <= 1.0, key

    checkpoint = tmp_path / 'work' / 'iter_2.pth'
    assert checkpoint.is_file()
    out = tmp_path / 'demo' / 'astronaut.png'
    config_file = tmp_path / 'config.py'
    config.dump(str(config_file))
    demo.run_demo(str(config_file), str(checkpoint), 'astronaut', out, score_thr=0.0)
    image = cv2.imread(str(out))
    assert image.shape == (512, 512, 3)
