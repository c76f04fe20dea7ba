"""Tests of the Fashion-MNIST COCO converter and its evaluation with mmdet's CocoMetric."""
import importlib.util
import json
import os
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pycocotools_mask = pytest.importorskip('pycocotools.mask')

ROOT = Path(__file__).resolve().parents[1]
FASHION_MNIST = Path('/usr/share/datasets/fashion-mnist')
needs_fashion_mnist = pytest.mark.skipif(
    not (FASHION_MNIST / 'train-images-idx3-ubyte.gz').is_file(),
    reason='Fashion-MNIST files of the Debian package dataset-fashion-mnist are not installed')


def _load_converter():
    path = ROOT / 'tools' / 'dataset_converters' / 'fashion_mnist_to_coco.py'
    spec = importlib.util.spec_from_file_location('fashion_mnist_to_coco', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


converter = _load_converter()


@pytest.fixture(scope='module')
def built_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp('fashion_coco')
    if not (FASHION_MNIST / 'train-images-idx3-ubyte.gz').is_file():
        pytest.skip('Fashion-MNIST files are not installed')
    converter.main(['--out', str(out), '--num-train', '6', '--num-val', '4', '--seed', '3'])
    return out


def _load_json(path):
    with open(path, encoding='utf-8') as file:
        return json.load(file)


@needs_fashion_mnist
def test_converter_writes_coco_splits(built_dataset):
    for split, num_images in (('train', 6), ('val', 4)):
        coco = _load_json(built_dataset / 'annotations' / f'instances_{split}.json')
        assert len(coco['images']) == num_images
        assert [c['id'] for c in coco['categories']] == list(range(1, 11))
        assert coco['categories'][9]['name'] == 'Ankle boot'
        assert len(coco['annotations']) >= num_images * 2 - 1
        assert len({a['id'] for a in coco['annotations']}) == len(coco['annotations'])

        for image_info in coco['images']:
            image = cv2.imread(str(built_dataset / split / image_info['file_name']))
            assert image.shape == (image_info['height'], image_info['width'], 3)

        for annotation in coco['annotations']:
            x, y, width, height = annotation['bbox']
            assert annotation['iscrowd'] == 0
            assert annotation['area'] > 0
            assert x >= 0
            assert y >= 0
            assert x + width <= 128
            assert y + height <= 128
            assert 1 <= annotation['category_id'] <= 10
            assert all(len(p) % 2 == 0 and len(p) >= 6 for p in annotation['segmentation'])

    readme = (built_dataset / 'README.md').read_text()
    assert 'objects are real, the layout is synthetic' in readme


@needs_fashion_mnist
def test_converter_is_deterministic(built_dataset, tmp_path):
    converter.main(['--out', str(tmp_path), '--num-train', '6', '--num-val', '4', '--seed', '3'])
    for name in ('annotations/instances_train.json', 'annotations/instances_val.json',
                 'train/000005.png', 'val/000003.png'):
        assert (tmp_path / name).read_bytes() == (built_dataset / name).read_bytes(), name


@needs_fashion_mnist
def test_converter_skips_current_split(built_dataset):
    annotation_file = built_dataset / 'annotations' / 'instances_train.json'
    modified = annotation_file.stat().st_mtime_ns
    converter.main(['--out', str(built_dataset), '--num-train', '6', '--num-val', '4',
                    '--seed', '3'])
    assert annotation_file.stat().st_mtime_ns == modified
    assert not [name for name in os.listdir(built_dataset / 'train') if name.startswith('.')]


@needs_fashion_mnist
def test_polygons_match_visible_pixels():
    images, labels = converter.load_split(FASHION_MNIST, 'val')
    layout = converter.LayoutConfig(min_objects=4, max_objects=5)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(5):
        image, items, visible_masks = converter.compose_layout(images, labels, layout, rng)
        for item, visible in zip(items, visible_masks):
            full = item.canvas_mask(layout.canvas_size)
            assert visible.sum() >= (1 - layout.max_occlusion) * full.sum()

            annotation = converter.build_annotation(visible, item.category_id, 1, 1)
            rle = converter.rasterize_polygons(annotation['segmentation'], 128, 128)
            rasterized = pycocotools_mask.decode(rle).astype(bool)
            assert np.array_equal(rasterized, visible)

            rows, cols = np.nonzero(visible)
            assert annotation['bbox'] == [
                cols.min(), rows.min(), cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min()]
            assert annotation['area'] == visible.sum()
            checked += 1
    assert checked >= 15


def test_mask_to_polygons_rasterizes_back():
    mask = np.zeros((20, 20), dtype=bool)
    mask[3:9, 4:15] = True
    mask[12:18, 2:5] = True
    polygons = converter.mask_to_polygons(mask)
    assert len(polygons) == 2
    rle = converter.rasterize_polygons(polygons, 20, 20)
    assert np.array_equal(pycocotools_mask.decode(rle).astype(bool), mask)
    assert list(pycocotools_mask.toBbox(rle)) == [2.0, 3.0, 13.0, 15.0]


def test_fill_holes_closes_enclosed_hole():
    ring = np.ones((7, 7), dtype=bool)
    ring[2:5, 2:5] = False
    assert converter.fill_holes(ring).all()


def test_idx_reader_rejects_wrong_magic(tmp_path):
    path = tmp_path / 'train-images-idx3-ubyte'
    path.write_bytes(struct.pack('>IIII', 2049, 1, 28, 28) + bytes(784))
    with pytest.raises(ValueError, match='not an IDX image file'):
        converter.read_idx_images(path)


def test_idx_reader_rejects_truncated_file(tmp_path):
    path = tmp_path / 'train-labels-idx1-ubyte'
    path.write_bytes(struct.pack('>II', 2049, 10) + bytes(3))
    with pytest.raises(ValueError, match='truncated'):
        converter.read_idx_labels(path)


def test_missing_source_names_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='dataset-fashion-mnist'):
        converter.load_split(tmp_path, 'train')


@pytest.mark.parametrize('field, value', [
    ('canvas_size', 16), ('min_objects', 0), ('max_item_size', 500), ('max_occlusion', 1.0),
    ('mask_threshold', 0.0)])
def test_layout_rejects_invalid_value(field, value):
    with pytest.raises(ValueError, match=field):
        converter.LayoutConfig(**{field: value})


@needs_fashion_mnist
def test_ground_truth_scores_full_map(built_dataset):
    torch = pytest.importorskip('torch')
    from mmdet.evaluation import CocoMetric

    ann_file = built_dataset / 'annotations' / 'instances_val.json'
    coco = _load_json(ann_file)
    metric = CocoMetric(ann_file=str(ann_file), metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=converter.FASHION_MNIST_CLASSES)

    samples = []
    for image_info in coco['images']:
        annotations = [a for a in coco['annotations'] if a['image_id'] == image_info['id']]
        boxes = [[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in annotations)]
        masks = [
            pycocotools_mask.decode(converter.rasterize_polygons(a['segmentation'], 128, 128))
            for a in annotations]
        samples.append({
            'img_id': image_info['id'],
            'ori_shape': (128, 128),
            'pred_instances': {
                'bboxes': torch.tensor(boxes, dtype=torch.float32),
                'scores': torch.ones(len(annotations)),
                'labels': torch.tensor([a['category_id'] - 1 for a in annotations]),
                'masks': torch.from_numpy(np.stack(masks).astype(bool)),
            },
        })
    metric.process({}, samples)
    results = metric.evaluate(len(samples))
    assert results['coco/bbox_mAP'] == pytest.approx(1.0)
    assert results['coco/segm_mAP'] == pytest.approx(1.0)
