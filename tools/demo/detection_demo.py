"""Run a trained MMDetection detector on a photo and write the drawn result as PNG.

The photo is a file or one of the real photos bundled with scikit-image
(astronaut, chelsea, coffee, rocket) or scikit-learn (china, flower), so the
demo needs no download. Example::

    python tools/demo/detection_demo.py \\
        configs/mask_rcnn/sase-resnet50_mask-rcnn_fpn_ms-poly-3x_fashion-mnist-coco.py \\
        work_dirs/sase-fashion/iter_600.pth --image astronaut --out outputs/detection/demo.png

A detector trained on the Fashion-MNIST COCO dataset has only seen clothing
items on dark canvases, so its boxes on a photo show that the pipeline runs,
not that it recognises the photo's content.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

_logger = logging.getLogger(__name__)


def _skimage_photo(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from skimage import data
        return getattr(data, name)()
    return load


def _sklearn_photo(file_name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image
        return load_sample_image(file_name)
    return load


# Bundled photos by name; each loader returns an RGB uint8 array.
BUNDLED_PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    'astronaut': _skimage_photo('astronaut'),
    'chelsea': _skimage_photo('chelsea'),
    'coffee': _skimage_photo('coffee'),
    'rocket': _skimage_photo('rocket'),
    'china': _sklearn_photo('china.jpg'),
    'flower': _sklearn_photo('flower.jpg'),
}


def load_photo(image: str) -> np.ndarray:
    """Load a bundled photo by name or an image file.

    Args:
        image: A name from ``BUNDLED_PHOTOS`` or a path.

    Returns:
        RGB uint8 array (H, W, 3).

    Raises:
        FileNotFoundError: If ``image`` is neither a bundled name nor a file.
        ValueError: If the file cannot be decoded as an image.
    """
    if image in BUNDLED_PHOTOS:
        return np.ascontiguousarray(BUNDLED_PHOTOS[image]()[..., :3])
    if not os.path.isfile(image):
        raise FileNotFoundError(
            f'Image {image!r} is not a file nor a bundled photo name '
            f'({", ".join(sorted(BUNDLED_PHOTOS))}).')
    bgr = cv2.imread(image, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f'Could not decode {image} as an image.')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_png(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB image as PNG under a temporary name, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f'OpenCV failed to encode the result for {path} as PNG.')
    temporary = path.with_name(f'.{path.name}.tmp-{os.getpid()}')
    temporary.write_bytes(encoded.tobytes())
    os.replace(temporary, path)


def run_demo(config: str, checkpoint: str, image: str, out: Path, score_thr: float = 0.3,
             device: str = 'cpu') -> int:
    """Detect objects in one photo and write the drawn result.

    Args:
        config: MMDetection config file.
        checkpoint: Detector checkpoint from ``tools/train.py``.
        image: Bundled photo name or image path.
        out: PNG file to write.
        score_thr: Minimum score of a drawn detection.
        device: Torch device, e.g. ``'cpu'`` or ``'cuda:0'``.

    Returns:
        Number of detections at or above ``score_thr``.

    Raises:
        FileNotFoundError: If the config, checkpoint or image is missing.
        ValueError: If ``score_thr`` is outside [0, 1].
    """
    for kind, path in (('config', config), ('checkpoint', checkpoint)):
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f'Detector {kind} {path} not found; train one with tools/train.py or pass '
                f'the right path.')
    if not 0.0 <= score_thr <= 1.0:
        raise ValueError(f'score_thr={score_thr} must be in [0, 1].')

    from mmdet.apis import inference_detector, init_detector
    from mmdet.visualization import DetLocalVisualizer

    rgb = load_photo(image)
    model = init_detector(config, checkpoint, device=device)
    result = inference_detector(model, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    visualizer = DetLocalVisualizer()
    visualizer.dataset_meta = model.dataset_meta
    visualizer.add_datasample(
        'result', rgb, data_sample=result, draw_gt=False, show=False, pred_score_thr=score_thr)
    write_png(out, visualizer.get_image())

    instances = result.pred_instances
    keep = instances.scores >= score_thr
    classes = model.dataset_meta['classes']
    for label, score in zip(instances.labels[keep].tolist(), instances.scores[keep].tolist()):
        _logger.info('%s %.2f', classes[label], score)
    _logger.info('%d detections at score >= %.2f drawn in %s', int(keep.sum()), score_thr, out)
    return int(keep.sum())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='MMDetection config file')
    parser.add_argument('checkpoint', help='detector checkpoint')
    parser.add_argument('--image', default='astronaut',
                        help=f'image path or bundled photo ({", ".join(sorted(BUNDLED_PHOTOS))})')
    parser.add_argument('--out', type=Path, default=Path('outputs/detection/demo.png'),
                        help='PNG file to write')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='minimum score in [0, 1] of a drawn detection')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cpu or cuda:0')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    args = parse_args(argv)
    run_demo(args.config, args.checkpoint, args.image, args.out, args.score_thr, args.device)
    return 0


if __name__ == '__main__':
    sys.exit(main())
