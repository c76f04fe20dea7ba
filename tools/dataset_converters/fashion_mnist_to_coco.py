"""Build a COCO-format instance segmentation dataset from real Fashion-MNIST items.

No package ships real COCO annotations, so this script makes a small detection
dataset that can be built offline. The objects are real: every instance is one
Fashion-MNIST image (Zalando, MIT licence), tinted and rescaled. The layout is
synthetic: items are pasted at random sizes and positions onto larger canvases
with a noisy dark background, and later items may cover part of earlier ones.

Each instance mask comes from the item's own pixels: the resized item is
thresholded, its enclosed holes are filled (COCO polygons cannot express
holes), and the part that later items cover is removed. Placement keeps every
instance at least ``1 - max_occlusion`` visible and never puts an item inside
a hole of another one's visible region, so the polygons describe what the
image shows. Boxes and areas are taken from the polygons as pycocotools
rasterizes them, so training targets and evaluation agree.

The train split draws items from the 60k Fashion-MNIST training images and
the val split from the 10k test images. The build is deterministic for a
given seed and writes every file under a temporary name first.

Example:
    python tools/dataset_converters/fashion_mnist_to_coco.py \\
        --out data/fashion_mnist_coco --num-train 400 --num-val 100
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import logging
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
from pycocotools import mask as mask_utils

_logger = logging.getLogger(__name__)

DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist'

# Fashion-MNIST label order; COCO category ids are the label plus one.
FASHION_MNIST_CLASSES = (
    'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
    'Ankle boot')

# IDX file names per split (the same names with or without a .gz suffix are read).
SPLIT_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'val': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}

_IDX_IMAGES_MAGIC = 2051
_IDX_LABELS_MAGIC = 2049

# Placement attempts per item before the item is left out of the image.
_MAX_PLACEMENT_ATTEMPTS = 30


@dataclasses.dataclass(frozen=True)
class LayoutConfig:
    """Parameters of the synthetic layout.

    Attributes:
        canvas_size: Side of the square canvas in pixels.
        min_objects: Minimum number of items per image.
        max_objects: Maximum number of items per image.
        min_item_size: Minimum side in pixels of a pasted item (the 28 px item is resized).
        max_item_size: Maximum side in pixels of a pasted item.
        max_occlusion: Largest fraction of an item's mask that later items may cover.
        mask_threshold: Grey level in [0, 1] above which an item pixel belongs to its mask.
    """

    canvas_size: int = 128
    min_objects: int = 2
    max_objects: int = 5
    min_item_size: int = 24
    max_item_size: int = 64
    max_occlusion: float = 0.5
    mask_threshold: float = 0.1

    def __post_init__(self) -> None:
        if self.canvas_size < 32:
            raise ValueError(f'canvas_size={self.canvas_size} is too small; use at least 32 pixels.')
        if not 1 <= self.min_objects <= self.max_objects:
            raise ValueError(
                f'Invalid object counts min_objects={self.min_objects}, '
                f'max_objects={self.max_objects}; need 1 <= min_objects <= max_objects.')
        if not 8 <= self.min_item_size <= self.max_item_size <= self.canvas_size:
            raise ValueError(
                f'Invalid item sizes min_item_size={self.min_item_size}, '
                f'max_item_size={self.max_item_size}; need 8 <= min_item_size <= '
                f'max_item_size <= canvas_size ({self.canvas_size}).')
        if not 0.0 <= self.max_occlusion < 1.0:
            raise ValueError(f'max_occlusion={self.max_occlusion} must be in [0, 1).')
        if not 0.0 < self.mask_threshold < 1.0:
            raise ValueError(f'mask_threshold={self.mask_threshold} must be in (0, 1).')


@dataclasses.dataclass
class PlacedItem:
    """One pasted item: its pixels, full mask, position, tint and category id."""

    intensity: np.ndarray  # (size, size) float32 grey levels in [0, 1]
    mask: np.ndarray  # (size, size) bool, holes filled
    x: int
    y: int
    color: np.ndarray  # (3,) float32 RGB tint in [0, 1]
    category_id: int

    def canvas_mask(self, canvas_size: int) -> np.ndarray:
        """Return the item's full mask placed on an empty canvas."""
        full = np.zeros((canvas_size, canvas_size), dtype=bool)
        size = self.mask.shape[0]
        full[self.y:self.y + size, self.x:self.x + size] = self.mask
        return full


def _resolve_idx_file(source: Path, name: str) -> Path:
    for candidate in (source / name, source / f'{name}.gz'):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f'Fashion-MNIST file {name}(.gz) not found in {source}. Install the Debian package '
        f'dataset-fashion-mnist or pass --source with the folder that holds the IDX files.')


def _read_idx_bytes(path: Path) -> bytes:
    opener = gzip.open if path.suffix == '.gz' else open
    try:
        with opener(path, 'rb') as file:
            return file.read()
    except (OSError, EOFError) as error:
        raise ValueError(f'Could not read IDX file {path}: {error}') from error


def read_idx_images(path: Path) -> np.ndarray:
    """Read an IDX3 image file (optionally gzipped).

    Args:
        path: The file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        uint8 array of shape (N, rows, cols).

    Raises:
        ValueError: If the file is not an IDX3 image file or is truncated.
    """
    data = _read_idx_bytes(path)
    if len(data) < 16:
        raise ValueError(f'{path} is too short to be an IDX image file ({len(data)} bytes).')
    magic, count, rows, cols = struct.unpack('>IIII', data[:16])
    if magic != _IDX_IMAGES_MAGIC:
        raise ValueError(
            f'{path} is not an IDX image file: magic number {magic}, '
            f'expected {_IDX_IMAGES_MAGIC}.')
    expected = 16 + count * rows * cols
    if len(data) != expected:
        raise ValueError(f'{path} is truncated: {len(data)} bytes, expected {expected}.')
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)


def read_idx_labels(path: Path) -> np.ndarray:
    """Read an IDX1 label file (optionally gzipped).

    Args:
        path: The file, e.g. ``train-labels-idx1-ubyte.gz``.

    Returns:
        uint8 array of shape (N,).

    Raises:
        ValueError: If the file is not an IDX1 label file or is truncated.
    """
    data = _read_idx_bytes(path)
    if len(data) < 8:
        raise ValueError(f'{path} is too short to be an IDX label file ({len(data)} bytes).')
    magic, count = struct.unpack('>II', data[:8])
    if magic != _IDX_LABELS_MAGIC:
        raise ValueError(
            f'{path} is not an IDX label file: magic number {magic}, '
            f'expected {_IDX_LABELS_MAGIC}.')
    if len(data) != 8 + count:
        raise ValueError(f'{path} is truncated: {len(data)} bytes, expected {8 + count}.')
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def load_split(source: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Load the Fashion-MNIST images and labels that a COCO split draws from.

    Args:
        source: Folder with the IDX files.
        split: ``'train'`` (Fashion-MNIST training set) or ``'val'`` (test set).

    Returns:
        Images (N, 28, 28) uint8 and labels (N,) uint8.

    Raises:
        ValueError: If ``split`` is unknown or the files disagree in length.
        FileNotFoundError: If an IDX file is missing.
    """
    if split not in SPLIT_FILES:
        raise ValueError(f'Unknown split {split!r}; expected one of {sorted(SPLIT_FILES)}.')
    images_name, labels_name = SPLIT_FILES[split]
    images = read_idx_images(_resolve_idx_file(source, images_name))
    labels = read_idx_labels(_resolve_idx_file(source, labels_name))
    if len(images) != len(labels):
        raise ValueError(
            f'{images_name} has {len(images)} images but {labels_name} has {len(labels)} labels '
            f'in {source}.')
    return images, labels


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Return ``mask`` with every enclosed hole filled (8-connected outer contours)."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(mask.shape, dtype=np.uint8)
    cv2.drawContours(filled, contours, -1, color=1, thickness=cv2.FILLED)
    return filled.astype(bool)


def mask_to_polygons(mask: np.ndarray) -> list[list[float]]:
    """Trace the outer contours of a binary mask as COCO polygons.

    pycocotools rasterizes pixel ``i`` as the interval ``[i, i + 1)``, so a
    contour through the pixel indices of the boundary pixels would lose the
    right and bottom boundary rows. The mask is therefore traced at 2x
    resolution and mapped back so that the polygon runs a quarter pixel inside
    the outer edges of the boundary pixels, which rasterizes back to the same
    pixels.

    Args:
        mask: (H, W) bool or 0/1 array.

    Returns:
        One flat ``[x0, y0, x1, y1, ...]`` list per outer contour with at least
        three vertices.
    """
    upsampled = np.kron(mask.astype(np.uint8), np.ones((2, 2), dtype=np.uint8))
    contours, _ = cv2.findContours(upsampled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        if len(contour) < 3:
            continue
        points = (contour.reshape(-1, 2).astype(np.float64) + 0.5) / 2.0
        polygons.append([round(float(value), 2) for value in points.ravel()])
    return polygons


def rasterize_polygons(polygons: Sequence[Sequence[float]], height: int, width: int) -> dict:
    """Return the merged COCO RLE that pycocotools makes of ``polygons``."""
    return mask_utils.merge(mask_utils.frPyObjects([list(p) for p in polygons], height, width))


def _make_item(
        image: np.ndarray,
        label: int,
        layout: LayoutConfig,
        rng: np.random.Generator,
) -> PlacedItem | None:
    size = int(rng.integers(layout.min_item_size, layout.max_item_size + 1))
    resized = cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)
    intensity = resized.astype(np.float32) / 255.0
    mask = fill_holes(intensity > layout.mask_threshold)
    if not mask.any():
        return None
    color = rng.uniform(0.4, 1.0, size=3).astype(np.float32)
    return PlacedItem(
        intensity=intensity, mask=mask, x=0, y=0, color=color, category_id=int(label) + 1)


def _placement_keeps_earlier_items(
        new_mask: np.ndarray,
        full_areas: Sequence[int],
        visible_masks: Sequence[np.ndarray],
        max_occlusion: float,
) -> bool:
    """Check that a new top item hides little of each earlier item and fills none of its holes."""
    for full_area, visible in zip(full_areas, visible_masks):
        remaining = visible & ~new_mask
        if remaining.sum() < (1.0 - max_occlusion) * full_area:
            return False
        if (fill_holes(remaining) & new_mask).any():
            return False
    return True


def compose_layout(
        images: np.ndarray,
        labels: np.ndarray,
        layout: LayoutConfig,
        rng: np.random.Generator,
) -> tuple[np.ndarray, list[PlacedItem], list[np.ndarray]]:
    """Compose one canvas from randomly drawn items.

    Args:
        images: Item pool (N, 28, 28) uint8.
        labels: Labels (N,) of the pool.
        layout: Layout parameters.
        rng: Random generator; the result is a pure function of its state.

    Returns:
        The RGB uint8 image (H, W, 3), the placed items from bottom to top and
        the visible mask (H, W) bool of each item.
    """
    canvas_size = layout.canvas_size
    background_level = rng.uniform(0.0, 0.2)
    noise = rng.normal(0.0, 0.03, size=(canvas_size, canvas_size, 3))
    canvas = np.clip(background_level + noise, 0.0, 1.0).astype(np.float32)

    items: list[PlacedItem] = []
    visible_masks: list[np.ndarray] = []
    full_areas: list[int] = []
    num_objects = int(rng.integers(layout.min_objects, layout.max_objects + 1))
    for _ in range(num_objects):
        index = int(rng.integers(len(images)))
        item = _make_item(images[index], int(labels[index]), layout, rng)
        if item is None:
            continue
        size = item.mask.shape[0]
        for _ in range(_MAX_PLACEMENT_ATTEMPTS):
            item.x = int(rng.integers(0, canvas_size - size + 1))
            item.y = int(rng.integers(0, canvas_size - size + 1))
            new_mask = item.canvas_mask(canvas_size)
            if _placement_keeps_earlier_items(
                    new_mask, full_areas, visible_masks, layout.max_occlusion):
                break
        else:
            continue
        visible_masks = [visible & ~new_mask for visible in visible_masks]
        visible_masks.append(new_mask)
        full_areas.append(int(new_mask.sum()))
        items.append(item)

        region = canvas[item.y:item.y + size, item.x:item.x + size]
        pixels = item.intensity[..., None] * item.color[None, None, :]
        region[item.mask] = pixels[item.mask]

    image = np.round(canvas * 255.0).astype(np.uint8)
    return image, items, visible_masks


def build_annotation(
        visible_mask: np.ndarray,
        category_id: int,
        annotation_id: int,
        image_id: int,
) -> dict[str, Any] | None:
    """Build one COCO annotation from a visible mask, or None if no polygon survives."""
    polygons = mask_to_polygons(visible_mask)
    if not polygons:
        return None
    height, width = visible_mask.shape
    rle = rasterize_polygons(polygons, height, width)
    area = float(mask_utils.area(rle))
    if area <= 0:
        return None
    x, y, box_width, box_height = (float(value) for value in mask_utils.toBbox(rle))
    return {
        'id': annotation_id,
        'image_id': image_id,
        'category_id': category_id,
        'segmentation': polygons,
        'area': area,
        'bbox': [x, y, box_width, box_height],
        'iscrowd': 0,
    }


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f'.{path.name}.tmp-{os.getpid()}')
    with open(temporary, 'wb') as file:
        file.write(data)
    os.replace(temporary, path)


def _encode_png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode('.png', cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError('OpenCV failed to encode a PNG image.')
    return encoded.tobytes()


def coco_categories() -> list[dict[str, Any]]:
    """Return the COCO ``categories`` list: Fashion-MNIST label + 1 as id."""
    return [
        {'id': label + 1, 'name': name, 'supercategory': 'fashion'}
        for label, name in enumerate(FASHION_MNIST_CLASSES)
    ]


def build_split(
        source: Path,
        out: Path,
        split: str,
        num_images: int,
        layout: LayoutConfig,
        seed: int,
) -> dict[str, Any]:
    """Write the images and the COCO JSON of one split.

    Args:
        source: Folder with the Fashion-MNIST IDX files.
        out: Dataset root; images go to ``out/<split>/`` and the JSON to
            ``out/annotations/instances_<split>.json``.
        split: ``'train'`` or ``'val'``.
        num_images: Number of canvases.
        layout: Layout parameters.
        seed: Base seed; each split uses its own stream.

    Returns:
        The COCO dictionary that was written.
    """
    if num_images < 1:
        raise ValueError(f'num_images={num_images} for split {split!r}; need at least 1.')
    images, labels = load_split(source, split)
    split_index = sorted(SPLIT_FILES).index(split)
    rng = np.random.default_rng([seed, split_index])

    coco_images: list[dict[str, Any]] = []
    coco_annotations: list[dict[str, Any]] = []
    for image_index in range(num_images):
        image_id = image_index + 1
        file_name = f'{image_index:06d}.png'
        image, items, visible_masks = compose_layout(images, labels, layout, rng)
        for item, visible in zip(items, visible_masks):
            annotation = build_annotation(
                visible, item.category_id, len(coco_annotations) + 1, image_id)
            if annotation is not None:
                coco_annotations.append(annotation)
        _atomic_write_bytes(out / split / file_name, _encode_png(image))
        coco_images.append({
            'id': image_id,
            'file_name': file_name,
            'width': layout.canvas_size,
            'height': layout.canvas_size,
        })

    coco = {
        'info': {
            'description': (
                'Real Fashion-MNIST items composited onto synthetic canvases '
                '(objects real, layout synthetic)'),
            'version': '1.0',
            'build_parameters': {
                'split': split,
                'num_images': num_images,
                'seed': seed,
                'layout': dataclasses.asdict(layout),
            },
        },
        'licenses': [{'id': 1, 'name': 'MIT (Fashion-MNIST, Zalando Research)', 'url': ''}],
        'images': coco_images,
        'annotations': coco_annotations,
        'categories': coco_categories(),
    }
    annotation_file = out / 'annotations' / f'instances_{split}.json'
    _atomic_write_bytes(annotation_file, json.dumps(coco).encode('utf-8'))
    _logger.info(
        'wrote %s: %d images, %d instances', annotation_file, len(coco_images),
        len(coco_annotations))
    return coco


def _split_is_current(out: Path, split: str, num_images: int, layout: LayoutConfig,
                      seed: int) -> bool:
    """Check whether a finished build with the same parameters is already on disk."""
    annotation_file = out / 'annotations' / f'instances_{split}.json'
    if not annotation_file.is_file():
        return False
    try:
        with open(annotation_file, encoding='utf-8') as file:
            coco = json.load(file)
    except (OSError, json.JSONDecodeError):
        return False
    expected = {
        'split': split, 'num_images': num_images, 'seed': seed,
        'layout': dataclasses.asdict(layout)}
    if coco.get('info', {}).get('build_parameters') != expected:
        return False
    return all((out / split / image['file_name']).is_file() for image in coco['images'])


DATASET_README = """\
# Fashion-MNIST COCO (composited)

Made by `tools/dataset_converters/fashion_mnist_to_coco.py` of sase_mm.

**The objects are real, the layout is synthetic.** Every instance is one real
Fashion-MNIST image (Zalando Research, MIT licence), resized to {min_size}-{max_size} px
and tinted with a random colour, pasted at a random position on a
{canvas}x{canvas} canvas with a noisy dark background. {min_objects} to {max_objects}
items per image; later items may cover up to {occlusion:.0%} of earlier ones.
Train images draw on the Fashion-MNIST training set, val images on its test set.

Masks come from the item pixels: grey level above {threshold} of the resized item,
enclosed holes filled, minus the parts that later items cover. They are stored
as COCO polygons; `bbox` and `area` are those of the polygons as pycocotools
rasterizes them. All annotations have `iscrowd` 0. Category ids are the
Fashion-MNIST label plus one: {classes}.

Layout:

    annotations/instances_train.json   {num_train} images
    annotations/instances_val.json     {num_val} images
    train/*.png, val/*.png

Seed {seed}; the same command with the same arguments writes the same files.
"""


def write_dataset_readme(out: Path, layout: LayoutConfig, num_train: int, num_val: int,
                         seed: int) -> None:
    """Write the dataset's own README that states how the data was made."""
    classes = ', '.join(
        f'{label + 1} {name}' for label, name in enumerate(FASHION_MNIST_CLASSES))
    text = DATASET_README.format(
        min_size=layout.min_item_size, max_size=layout.max_item_size,
        canvas=layout.canvas_size, min_objects=layout.min_objects,
        max_objects=layout.max_objects, occlusion=layout.max_occlusion,
        threshold=layout.mask_threshold, classes=classes, num_train=num_train,
        num_val=num_val, seed=seed)
    _atomic_write_bytes(out / 'README.md', text.encode('utf-8'))


def build_dataset(source: Path, out: Path, num_train: int, num_val: int, layout: LayoutConfig,
                  seed: int, force: bool = False) -> None:
    """Build both splits and the dataset README, skipping splits already built alike."""
    for split, num_images in (('train', num_train), ('val', num_val)):
        if not force and _split_is_current(out, split, num_images, layout, seed):
            _logger.info('%s split in %s is up to date; skipping it', split, out)
            continue
        build_split(source, out, split, num_images, layout, seed)
    write_dataset_readme(out, layout, num_train, num_val, seed)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = LayoutConfig()
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--source', type=Path, default=Path(DEFAULT_SOURCE),
                        help='folder with the Fashion-MNIST IDX files (.gz or not)')
    parser.add_argument('--out', type=Path, default=Path('data/fashion_mnist_coco'),
                        help='dataset root to write')
    parser.add_argument('--num-train', type=int, default=400, help='train canvases')
    parser.add_argument('--num-val', type=int, default=100, help='val canvases')
    parser.add_argument('--canvas-size', type=int, default=defaults.canvas_size,
                        help='canvas side in pixels')
    parser.add_argument('--min-objects', type=int, default=defaults.min_objects,
                        help='minimum items per canvas')
    parser.add_argument('--max-objects', type=int, default=defaults.max_objects,
                        help='maximum items per canvas')
    parser.add_argument('--min-item-size', type=int, default=defaults.min_item_size,
                        help='minimum pasted item side in pixels')
    parser.add_argument('--max-item-size', type=int, default=defaults.max_item_size,
                        help='maximum pasted item side in pixels')
    parser.add_argument('--max-occlusion', type=float, default=defaults.max_occlusion,
                        help='largest fraction of an item that later items may cover')
    parser.add_argument('--mask-threshold', type=float, default=defaults.mask_threshold,
                        help='grey level in (0, 1) above which an item pixel is in its mask')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--force', action='store_true',
                        help='rebuild splits even if a build with the same arguments exists')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    args = parse_args(argv)
    layout = LayoutConfig(
        canvas_size=args.canvas_size, min_objects=args.min_objects,
        max_objects=args.max_objects, min_item_size=args.min_item_size,
        max_item_size=args.max_item_size, max_occlusion=args.max_occlusion,
        mask_threshold=args.mask_threshold)
    start = time.perf_counter()
    build_dataset(args.source, args.out, args.num_train, args.num_val, layout, args.seed,
                  force=args.force)
    _logger.info('dataset ready in %s (%.1f s)', args.out, time.perf_counter() - start)
    return 0


if __name__ == '__main__':
    sys.exit(main())
