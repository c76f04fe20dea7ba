"""A COCO dataset for MMDetection that checks its annotation file and images first."""
from __future__ import annotations

from typing import List

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.registry import DATASETS

from .coco_validation import check_image_files, load_coco_json, validate_coco_dict


class ValidatedCOCO(COCO):
    """mmdet's COCO API wrapper that checks the file before it builds the index.

    The file is read once: it is parsed and checked here, then indexed by
    pycocotools exactly as ``COCO(annotation_file)`` would.

    Args:
        annotation_file (str, optional): Local path of the COCO JSON file.
            Defaults to None (an empty index).

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not COCO JSON or its references are broken
            (see :func:`validate_coco_dict`).
    """

    def __init__(self, annotation_file: str | None = None) -> None:
        super().__init__(annotation_file=None)
        if annotation_file is None:
            return
        dataset = load_coco_json(annotation_file)
        validate_coco_dict(dataset, str(annotation_file))
        self.dataset = dataset
        self.createIndex()
        # mmdet's wrapper keeps snake-case aliases of the two index maps.
        self.img_ann_map = self.imgToAnns
        self.cat_img_map = self.catToImgs


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """``CocoDataset`` that rejects broken inputs with errors naming the value.

    Before any image is read it checks that the annotation file exists and is
    COCO JSON, that its annotation list is not empty, that every annotation's
    ``category_id`` and ``image_id`` are defined in the file, that every class
    name in ``metainfo`` is one of the file's categories, and (for local files)
    that every listed image exists under ``data_prefix['img']``. mmdet's
    ``CocoDataset`` skips annotations of unknown classes silently, so a class
    list that does not match the file would otherwise train on nothing.

    Takes the same arguments as mmdet's ``CocoDataset``.
    """

    def COCOAPI(self, annotation_file: str) -> ValidatedCOCO:  # noqa: N802 (mmdet's name)
        """Build the checked COCO index and remember the file's category names."""
        coco = ValidatedCOCO(annotation_file)
        self._file_category_names = [category['name'] for category in coco.dataset['categories']]
        return coco

    def load_data_list(self) -> List[dict]:
        """Load and check the annotation file, then the image list.

        Returns:
            list[dict]: The parsed data infos, as ``CocoDataset`` returns them.

        Raises:
            FileNotFoundError: If the annotation file or an image is missing.
            ValueError: If the annotation file is invalid or a class name of
                ``metainfo`` is not among its categories.
        """
        data_list = super().load_data_list()

        missing = [
            name for name in self.metainfo['classes'] if name not in self._file_category_names
        ]
        if missing:
            raise ValueError(
                f'Classes {missing} of the dataset metainfo are not categories of '
                f'{self.ann_file} (it has {self._file_category_names}). Set '
                f'metainfo=dict(classes=...) in the dataset config to names from the file.')

        if self.backend_args is None:
            check_image_files((info['img_path'] for info in data_list), str(self.ann_file))
        return data_list
