"""Checks of COCO instance annotation files that fail with errors naming the bad value.

pycocotools and mmdet's ``CocoDataset`` accept malformed files silently or fail
deep inside with a bare ``KeyError``. These checks run before the data is used
and raise ``FileNotFoundError`` or ``ValueError`` that name the file, the
offending entry and the fix.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

REQUIRED_KEYS = ('images', 'annotations', 'categories')


def load_coco_json(ann_file: str | os.PathLike) -> dict[str, Any]:
    """Load a COCO annotation file and check that it is a JSON object.

    Args:
        ann_file: Path of the local JSON file.

    Returns:
        The parsed dictionary.

    Raises:
        FileNotFoundError: If ``ann_file`` does not exist.
        ValueError: If the file is not JSON or its top level is not an object.
    """
    if not os.path.isfile(ann_file):
        raise FileNotFoundError(
            f'COCO annotation file {ann_file} not found. Check data_root and ann_file in the '
            f'config, or build the Fashion-MNIST COCO dataset with '
            f'tools/dataset_converters/fashion_mnist_to_coco.py.')
    try:
        with open(ann_file, encoding='utf-8') as file:
            dataset = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f'Annotation file {ann_file} is not COCO JSON: it does not parse as JSON '
            f'({error}).') from error
    if not isinstance(dataset, dict):
        raise ValueError(
            f'Annotation file {ann_file} is not COCO JSON: its top level is a '
            f'{type(dataset).__name__}, expected an object with keys {list(REQUIRED_KEYS)}.')
    return dataset


def _require_list_of_dicts(dataset: dict[str, Any], key: str, source: str) -> list[dict]:
    entries = dataset[key]
    if not isinstance(entries, list):
        raise ValueError(
            f'Annotation file {source} is not COCO JSON: {key!r} is a '
            f'{type(entries).__name__}, expected a list.')
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(
                f'Annotation file {source}: {key}[{index}] is a {type(entry).__name__}, '
                f'expected an object.')
    return entries


def _require_fields(entry: dict, fields: Iterable[str], what: str, source: str) -> None:
    missing = [field for field in fields if field not in entry]
    if missing:
        raise ValueError(
            f'Annotation file {source}: {what} is missing the field(s) {missing}.')


def validate_coco_dict(dataset: dict[str, Any], source: str = '<memory>') -> None:
    """Check the structure and the cross references of a COCO instances dictionary.

    Args:
        dataset: The parsed COCO dictionary.
        source: Name of the file it came from, used in messages.

    Raises:
        ValueError: If a top-level key is missing, the annotation or category
            list is empty, an id is duplicated, or an annotation refers to an
            image id or category id that the file does not define.
    """
    missing = [key for key in REQUIRED_KEYS if key not in dataset]
    if missing:
        raise ValueError(
            f'Annotation file {source} is not COCO JSON: the key(s) {missing} are missing; '
            f'a COCO instances file has {list(REQUIRED_KEYS)}.')
    images = _require_list_of_dicts(dataset, 'images', source)
    annotations = _require_list_of_dicts(dataset, 'annotations', source)
    categories = _require_list_of_dicts(dataset, 'categories', source)

    if not categories:
        raise ValueError(f"Annotation file {source} has an empty 'categories' list.")
    category_ids = set()
    for index, category in enumerate(categories):
        _require_fields(category, ('id', 'name'), f'categories[{index}]', source)
        category_ids.add(category['id'])

    image_ids = set()
    for index, image in enumerate(images):
        _require_fields(image, ('id', 'file_name', 'width', 'height'), f'images[{index}]',
                        source)
        if image['id'] in image_ids:
            raise ValueError(f'Annotation file {source}: image id {image["id"]} is duplicated.')
        image_ids.add(image['id'])

    if not annotations:
        raise ValueError(
            f"Annotation file {source} has an empty 'annotations' list, so there is nothing "
            f'to train or evaluate on. Rebuild the file or point ann_file at one with '
            f'annotations.')
    annotation_ids = set()
    for index, annotation in enumerate(annotations):
        _require_fields(annotation, ('id', 'image_id', 'category_id', 'bbox'),
                        f'annotations[{index}]', source)
        annotation_id = annotation['id']
        if annotation_id in annotation_ids:
            raise ValueError(f'Annotation file {source}: annotation id {annotation_id} is '
                             f'duplicated.')
        annotation_ids.add(annotation_id)
        if annotation['category_id'] not in category_ids:
            raise ValueError(
                f'Annotation file {source}: annotation id {annotation_id} has category_id '
                f'{annotation["category_id"]!r}, which is not in categories (ids '
                f'{sorted(category_ids)}). Fix the annotation or add the category.')
        if annotation['image_id'] not in image_ids:
            raise ValueError(
                f'Annotation file {source}: annotation id {annotation_id} has image_id '
                f'{annotation["image_id"]!r}, which is not in images.')


def check_image_files(image_paths: Iterable[str], source: str) -> None:
    """Check that every image that an annotation file lists exists on disk.

    Args:
        image_paths: Full local paths built from ``data_prefix`` and ``file_name``.
        source: The annotation file, used in the message.

    Raises:
        FileNotFoundError: On the first image that is missing.
    """
    for path in image_paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f'Image {path} listed in {source} not found. Check data_root and '
                f'data_prefix.img in the config, or rebuild the dataset.')
