"""Tests of the COCO input checks of CheckedCocoDataset."""
import copy
import json

import cv2
import numpy as np
import pytest

pytest.importorskip('mmdet')

from mmdet.registry import DATASETS  # noqa: E402

from sase_mm.mm.datasets.checked_coco import CheckedCocoDataset  # noqa: E402
from sase_mm.mm.datasets.coco_validation import validate_coco_dict  # noqa: E402

CLASSES = ('Trouser', 'Bag')

VALID_COCO = {
    'images': [
        {'id': 1, 'file_name': 'a.png', 'width': 64, 'height': 48},
        {'id': 2, 'file_name': 'b.png', 'width': 64, 'height': 48},
    ],
    'annotations': [
        {'id': 1, 'image_id': 1, 'category_id': 1, 'bbox': [4, 4, 20, 30], 'area': 600.0,
         'iscrowd': 0, 'segmentation': [[4, 4, 24, 4, 24, 34, 4, 34]]},
        {'id': 2, 'image_id': 2, 'category_id': 2, 'bbox': [30, 10, 20, 20], 'area': 400.0,
         'iscrowd': 0, 'segmentation': [[30, 10, 50, 10, 50, 30, 30, 30]]},
    ],
    'categories': [{'id': 1, 'name': 'Trouser'}, {'id': 2, 'name': 'Bag'}],
}


def _write_dataset(root, coco, images=('a.png', 'b.png')):
    (root / 'images').mkdir(exist_ok=True)
    for name in images:
        cv2.imwrite(str(root / 'images' / name), np.zeros((48, 64, 3), dtype=np.uint8))
    ann_file = root / 'instances.json'
    ann_file.write_text(json.dumps(coco))
    return ann_file


def _build(root, ann_file='instances.json', classes=CLASSES):
    return CheckedCocoDataset(
        data_root=str(root), ann_file=ann_file, data_prefix=dict(img='images/'),
        metainfo=dict(classes=classes), pipeline=[])


def test_valid_file_loads(tmp_path):
    _write_dataset(tmp_path, VALID_COCO)
    dataset = _build(tmp_path)
    assert len(dataset) == 2
    labels = [dataset.get_data_info(i)['instances'][0]['bbox_label'] for i in range(2)]
    assert labels == [0, 1]


def test_registered_in_mmdet_scope():
    assert DATASETS.get('CheckedCocoDataset') is CheckedCocoDataset


def test_missing_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.json not found'):
        _build(tmp_path, ann_file='missing.json')


def test_annotation_file_not_json(tmp_path):
    (tmp_path / 'instances.json').write_text('images: [1, 2]\n')
    with pytest.raises(ValueError, match='instances.json is not COCO JSON'):
        _build(tmp_path)


def test_annotation_file_json_list(tmp_path):
    (tmp_path / 'instances.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='top level is a list'):
        _build(tmp_path)


def test_annotation_file_missing_key(tmp_path):
    coco = copy.deepcopy(VALID_COCO)
    del coco['categories']
    _write_dataset(tmp_path, coco)
    with pytest.raises(ValueError, match=r"\['categories'\] are missing"):
        _build(tmp_path)


def test_empty_annotation_list(tmp_path):
    coco = copy.deepcopy(VALID_COCO)
    coco['annotations'] = []
    _write_dataset(tmp_path, coco)
    with pytest.raises(ValueError, match="empty 'annotations' list"):
        _build(tmp_path)


def test_unknown_category_id(tmp_path):
    coco = copy.deepcopy(VALID_COCO)
    coco['annotations'][1]['category_id'] = 7
    _write_dataset(tmp_path, coco)
    with pytest.raises(ValueError, match=r'annotation id 2 has category_id 7, which is not in '
                                         r'categories \(ids \[1, 2\]\)'):
        _build(tmp_path)


def test_unknown_image_id(tmp_path):
    coco = copy.deepcopy(VALID_COCO)
    coco['annotations'][0]['image_id'] = 9
    _write_dataset(tmp_path, coco)
    with pytest.raises(ValueError, match='annotation id 1 has image_id 9'):
        _build(tmp_path)


def test_duplicate_annotation_id(tmp_path):
    coco = copy.deepcopy(VALID_COCO)
    coco['annotations'][1]['id'] = 1
    _write_dataset(tmp_path, coco)
    with pytest.raises(ValueError, match='annotation id 1 is duplicated'):
        _build(tmp_path)


def test_missing_image_file(tmp_path):
    _write_dataset(tmp_path, VALID_COCO, images=('a.png',))
    with pytest.raises(FileNotFoundError, match=r'images/b.png listed in .*instances.json'):
        _build(tmp_path)


def test_class_not_in_categories(tmp_path):
    _write_dataset(tmp_path, VALID_COCO)
    with pytest.raises(ValueError, match=r"Classes \['Coat'\] of the dataset metainfo"):
        _build(tmp_path, classes=('Trouser', 'Coat'))


def test_validate_reports_missing_image_fields():
    coco = copy.deepcopy(VALID_COCO)
    del coco['images'][0]['width']
    with pytest.raises(ValueError, match=r"images\[0\] is missing the field\(s\) \['width'\]"):
        validate_coco_dict(coco, 'x.json')
