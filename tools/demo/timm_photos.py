"""Run real photos through timm's data pipeline and a SASE-ResNet.

The photos ship inside scikit-image and scikit-learn, so this runs offline. The
model's weights are random unless ``--checkpoint`` gives a file: the printed
classes are then meaningless, and the point is the shapes and the speed.

Example:
    python tools/demo/timm_photos.py --model sase_resnet50
"""
from __future__ import annotations

import argparse
import logging
import time
from typing import Dict, List

import numpy as np
import timm
import torch
from PIL import Image
from timm.data import create_transform, resolve_data_config

import sase_mm  # noqa: F401  (registers the SASE-ResNet family in timm)

_logger = logging.getLogger("timm_photos")


def load_bundled_photos() -> Dict[str, Image.Image]:
    """Return the real photos bundled with scikit-image and scikit-learn, by name."""
    from skimage import data as skimage_data
    from sklearn.datasets import load_sample_image

    photos = {
        name: Image.fromarray(getattr(skimage_data, name)())
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    }
    for name in ("china.jpg", "flower.jpg"):
        photos[f"sklearn-{name}"] = Image.fromarray(np.asarray(load_sample_image(name)))
    return {name: photo.convert("RGB") for name, photo in photos.items()}


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="sase_resnet50", help="timm model name")
    parser.add_argument("--checkpoint", default=None,
                        help="state dict to load (default: random weights)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed forward passes over the batch (default: 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    return parser.parse_args(argv)


def main(argv: List[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.repeats < 1:
        raise SystemExit(f"--repeats must be at least 1, got {args.repeats}.")
    if args.threads:
        torch.set_num_threads(args.threads)

    pretrained_kwargs = {}
    if args.checkpoint:
        pretrained_kwargs = dict(pretrained=True, pretrained_cfg_overlay=dict(file=args.checkpoint))
    model = timm.create_model(args.model, **pretrained_kwargs).eval()
    weights = args.checkpoint or "random weights (no checkpoint given): classes are meaningless"
    _logger.info("model %s, %.2f M parameters, %s", args.model,
                 sum(p.numel() for p in model.parameters()) / 1e6, weights)

    # timm's own pipeline: resize, centre crop and normalise as the model's config specifies.
    data_config = resolve_data_config(model=model)
    transform = create_transform(**data_config)
    _logger.info("data config: %s", data_config)

    photos = load_bundled_photos()
    batch = torch.stack([transform(photo) for photo in photos.values()])
    _logger.info("batch of %d real photos: %s", len(photos), tuple(batch.shape))

    with torch.inference_mode():
        model(batch)  # warm-up
        start = time.perf_counter()
        for _ in range(args.repeats):
            logits = model(batch)
        elapsed = (time.perf_counter() - start) / args.repeats
        features = model.forward_features(batch)

    _logger.info("features %s, logits %s", tuple(features.shape), tuple(logits.shape))
    _logger.info("wall-clock time per image: %.1f ms (%d threads, batch %d, mean of %d passes)",
                 1000 * elapsed / len(photos), torch.get_num_threads(), len(photos), args.repeats)
    probabilities = logits.softmax(dim=-1)
    for (name, photo), row in zip(photos.items(), probabilities):
        top = row.topk(3)
        classes = ", ".join(f"{i}:{p:.3f}" for p, i in zip(top.values.tolist(), top.indices.tolist()))
        _logger.info("  %-20s %4dx%-4d top-3 class:probability %s",
                     name, photo.width, photo.height, classes)


if __name__ == "__main__":
    main()
