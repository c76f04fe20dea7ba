"""Evaluate a GAN checkpoint or a folder of generated images against real images.

Examples::

    # FID, KID, density/coverage of 5000 samples of a checkpoint
    python tools/gan/evaluate.py --real data/obama --config CONFIG --checkpoint CKPT \\
        --num-samples 5000 --metrics fid kid prdc --out outputs/eval.json

    # SIFID and diversity of SinGAN samples saved as images (one training image in --real)
    python tools/gan/evaluate.py --real data/pyramid --fake outputs/samples \\
        --metrics sifid diversity --out outputs/sifid.json

    # KS memorization test by latent recovery (train and held-out folders)
    python tools/gan/evaluate.py --config CONFIG --checkpoint CKPT --metrics memorization \\
        --train data/obama_train --heldout data/obama_test --out outputs/memorization.json

Weight files are never downloaded: FID/KID/density/coverage/SIFID read
``pt_inception-2015-12-05-6726825d.pth`` and LPIPS reads the torchvision backbone from
the given paths or the torch hub cache (``<torch.hub.get_dir()>/checkpoints/``).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from sase_mm.gan.metrics.features import DEFAULT_CACHE_DIR, extract_features, folder_features
from sase_mm.gan.metrics.frechet import frechet_distance_from_features
from sase_mm.gan.metrics.images import iterate_batches, list_images, load_images
from sase_mm.gan.metrics.inception import build_fid_inception
from sase_mm.gan.metrics.kid import kernel_inception_distance
from sase_mm.gan.metrics.lpips import build_lpips
from sase_mm.gan.metrics.memorization import run_memorization_test
from sase_mm.gan.metrics.prdc import density_coverage
from sase_mm.gan.metrics.single_image import diversity_score, sifid_pairs

_logger = logging.getLogger("sase_mm.gan.evaluate")

METRICS = ("fid", "kid", "prdc", "sifid", "diversity", "lpips", "memorization")
FEATURE_METRICS = {"fid", "kid", "prdc"}
IMAGE_METRICS = {"sifid", "diversity", "lpips"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_argument_group("images")
    source.add_argument("--real", help="folder of real images (all metrics but memorization)")
    source.add_argument("--fake", help="folder of generated images (instead of a checkpoint)")
    source.add_argument("--config", help="GAN config that builds the model of --checkpoint")
    source.add_argument("--checkpoint", help="checkpoint to sample from with model.generate")
    source.add_argument("--num-samples", type=int, default=5000,
                        help="images to generate from --checkpoint (default: 5000)")
    source.add_argument("--train", help="training images for the memorization test")
    source.add_argument("--heldout", help="held-out images for the memorization test")
    parser.add_argument("--metrics", nargs="+", choices=METRICS, default=["fid", "kid", "prdc"],
                        help="metrics to compute (default: fid kid prdc)")
    parser.add_argument("--out", required=True, help="JSON file to write the results to")

    weights = parser.add_argument_group("weights (never downloaded)")
    weights.add_argument("--inception-weights",
                         help="pt_inception-2015-12-05-6726825d.pth (default: torch hub cache)")
    weights.add_argument("--lpips-net", choices=("alex", "vgg"), default="alex",
                         help="LPIPS backbone (default: alex)")
    weights.add_argument("--lpips-backbone-weights",
                         help="torchvision AlexNet/VGG-16 file (default: torch hub cache)")
    weights.add_argument("--lpips-linear-weights",
                         help="LPIPS v0.1 linear heads (default: the lpips package's file)")

    options = parser.add_argument_group("metric options")
    options.add_argument("--kid-subsets", type=int, default=100, help="KID subsets (default: 100)")
    options.add_argument("--kid-subset-size", type=int, default=1000,
                         help="KID samples per subset, clipped to the set sizes (default: 1000)")
    options.add_argument("--k", type=int, default=5,
                         help="nearest neighbours of density/coverage (default: 5)")
    options.add_argument("--recovery-steps", type=int, default=500,
                         help="Adam steps of latent recovery per image (default: 500)")
    options.add_argument("--recovery-lr", type=float, default=0.05,
                         help="Adam learning rate of latent recovery (default: 0.05)")
    options.add_argument("--recovery-distance", choices=("l2", "lpips"), default="l2",
                         help="reconstruction distance of latent recovery (default: l2)")
    options.add_argument("--no-resize", action="store_true",
                         help="skip the 299x299 resize before Inception (not standard FID; "
                              "quick checks only)")

    run = parser.add_argument_group("run")
    run.add_argument("--batch-size", type=int, default=50, help="images per batch (default: 50)")
    run.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                     help="device (default: cuda when available, else cpu)")
    run.add_argument("--seed", type=int, default=0, help="seed of sampling and recovery")
    run.add_argument("--cache-dir", default=str(DEFAULT_CACHE_DIR),
                     help=f"feature cache of real folders (default: {DEFAULT_CACHE_DIR})")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    validate_args(parser, args)
    return args


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    metrics = set(args.metrics)
    from_checkpoint = args.config is not None or args.checkpoint is not None
    if from_checkpoint and (args.config is None or args.checkpoint is None):
        parser.error("--config and --checkpoint go together")
    if metrics - {"memorization"}:
        if args.real is None:
            parser.error(f"--real is required for {', '.join(sorted(metrics - {'memorization'}))}")
        if (args.fake is None) == (not from_checkpoint):
            parser.error("give either --fake or --config with --checkpoint")
    if "memorization" in metrics:
        if not from_checkpoint:
            parser.error("memorization needs a generator: give --config and --checkpoint")
        if args.train is None or args.heldout is None:
            parser.error("memorization needs --train and --heldout image folders")
    if args.num_samples < 1 or args.batch_size < 1:
        parser.error("--num-samples and --batch-size must be positive")


def build_model(config: str, checkpoint: str, device: str) -> torch.nn.Module:
    """Build the GAN model of a config and load a checkpoint into it."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.utils import import_modules_from_strings

    cfg = Config.fromfile(config)
    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg["custom_imports"])
    init_default_scope(cfg.get("default_scope", "sase_gan"))
    import sase_mm.gan  # noqa: F401  (registers the GAN models)
    from sase_mm.gan.registry import MODELS

    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location="cpu", logger="current")
    model.to(device).eval()
    if not hasattr(model, "generate"):
        raise TypeError(
            f"{type(model).__name__} has no generate(num_samples, generator) method; "
            "the evaluation samples through it"
        )
    return model


def generated_batches(
    model: torch.nn.Module, num_samples: int, batch_size: int, seed: int, progress: bool
) -> Iterator[torch.Tensor]:
    """Yield ``num_samples`` images of ``model.generate`` in [0, 1], on the CPU, in batches."""
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad(), tqdm(total=num_samples, desc="sampling", disable=not progress) as bar:
        for start in range(0, num_samples, batch_size):
            count = min(batch_size, num_samples - start)
            images = model.generate(count, generator=generator)
            bar.update(count)
            yield ((images.float().cpu() + 1) / 2).clamp(0, 1)


def evaluate(args: argparse.Namespace) -> dict:
    """Compute the requested metrics and return them as a JSON-ready dict."""
    metrics = set(args.metrics)
    progress = not args.no_progress
    cache_dir = None if args.no_cache else args.cache_dir
    results: dict = {"settings": settings(args)}

    model = None
    if args.config is not None:
        model = build_model(args.config, args.checkpoint, args.device)

    inception = None
    if metrics & (FEATURE_METRICS | {"sifid"}):
        inception = build_fid_inception(
            args.inception_weights, resize_input=not args.no_resize, device=args.device
        )

    fake_names = None
    fake_features = None
    fake_images = []
    if metrics & (FEATURE_METRICS | IMAGE_METRICS):
        if model is not None:
            batches = generated_batches(
                model, args.num_samples, args.batch_size, args.seed, progress
            )
            total = -(-args.num_samples // args.batch_size)
        else:
            fake_files = list_images(args.fake)
            fake_names = [str(path) for path in fake_files]
            batches = iterate_batches(fake_files, args.batch_size)
            total = -(-len(fake_files) // args.batch_size)

        def keep_images(stream: Iterator[torch.Tensor]) -> Iterator[torch.Tensor]:
            for batch in stream:
                if metrics & IMAGE_METRICS:
                    fake_images.append((batch * 255).round().to(torch.uint8))
                yield batch

        if metrics & FEATURE_METRICS:
            fake_features = extract_features(
                keep_images(batches), inception, device=args.device, progress=progress,
                total=total, description="features of fake images",
            )
        else:
            for _ in keep_images(batches):
                pass

    if fake_features is not None:
        real_features = folder_features(
            args.real, inception, args.batch_size, cache_dir, progress=progress
        )
        results.update(feature_metrics(args, metrics, real_features, fake_features))

    if metrics & IMAGE_METRICS:
        fakes = torch.cat(fake_images).float() / 255
        real_files = list_images(args.real)
        reals = load_images(real_files)
        real_names = [str(path) for path in real_files]
        results.update(
            image_metrics(args, metrics, inception, reals, real_names, fakes, fake_names)
        )

    if "memorization" in metrics:
        report = run_memorization_test(
            model, args.train, args.heldout, distance=args.recovery_distance,
            lpips_options=(args.lpips_net, args.lpips_backbone_weights, args.lpips_linear_weights),
            seed=args.seed, steps=args.recovery_steps, learning_rate=args.recovery_lr,
            batch_size=args.batch_size, progress=progress,
        )
        results["memorization"] = report
        if args.recovery_distance == "lpips":
            results["LPIPS_backtracking"] = report["heldout_error_mean"]
    return results


def feature_metrics(
    args: argparse.Namespace,
    metrics: set[str],
    real_features: np.ndarray,
    fake_features: np.ndarray,
) -> dict:
    """Compute FID, KID and density/coverage on pool3 features."""
    results: dict = {"num_real": len(real_features), "num_fake": len(fake_features)}
    if "fid" in metrics:
        results["FID"] = frechet_distance_from_features(
            real_features, fake_features, names=("real features", "fake features")
        )
    if "kid" in metrics:
        subset_size = min(args.kid_subset_size, len(real_features), len(fake_features))
        if subset_size < args.kid_subset_size:
            _logger.warning("KID subset size clipped from %d to %d (the smaller set size)",
                            args.kid_subset_size, subset_size)
        results["KID"], results["KID_std"] = kernel_inception_distance(
            real_features, fake_features, args.kid_subsets, subset_size, seed=args.seed
        )
        results["KID_subset_size"] = subset_size
    if "prdc" in metrics:
        results.update(density_coverage(real_features, fake_features, args.k))
    return results


def image_metrics(
    args: argparse.Namespace,
    metrics: set[str],
    inception: torch.nn.Module | None,
    reals: torch.Tensor,
    real_names: list[str],
    fakes: torch.Tensor,
    fake_names: list[str] | None,
) -> dict:
    """Compute SIFID, the diversity score and paired LPIPS on images."""
    results: dict = {}
    if "sifid" in metrics:
        values = sifid_pairs(reals, fakes, inception, real_names=real_names, fake_names=fake_names)
        results["SIFID"] = float(np.mean(values))
        results["SIFID_per_image"] = values
    if "diversity" in metrics:
        if len(reals) != 1:
            raise ValueError(
                f"the diversity score needs exactly one training image in --real "
                f"({args.real!r} contains {len(reals)})"
            )
        results["diversity"] = diversity_score(fakes, reals[0])
    if "lpips" in metrics:
        if len(reals) != len(fakes):
            raise ValueError(
                f"LPIPS pairs real and fake images in name order: {args.real!r} contains "
                f"{len(reals)} images but there are {len(fakes)} fake images"
            )
        lpips = build_lpips(
            args.lpips_net, args.lpips_backbone_weights, args.lpips_linear_weights, args.device
        )
        with torch.no_grad():
            distances = lpips(fakes.to(args.device), reals.to(args.device)).cpu()
        results["LPIPS"] = float(distances.mean())
    return results


def settings(args: argparse.Namespace) -> dict:
    return {
        "metrics": list(args.metrics),
        "real": args.real,
        "fake": args.fake,
        "config": args.config,
        "checkpoint": args.checkpoint,
        "num_samples": args.num_samples if args.checkpoint else None,
        "inception_preprocessing": (
            "RGB in [0, 1], bilinear resize to 299x299 (align_corners=False), then 2x - 1"
            if not args.no_resize else "RGB in [0, 1], no resize, then 2x - 1"
        ),
        "kid": {"subsets": args.kid_subsets, "degree": 3, "gamma": "1/D", "coef0": 1},
        "k": args.k,
        "seed": args.seed,
    }


def write_json(path: str | os.PathLike, data: dict) -> None:
    """Write JSON to a temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(data, file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    try:
        results = evaluate(args)
    except (FileNotFoundError, ValueError, TypeError) as error:
        _logger.error("%s", error)
        return 1
    write_json(args.out, results)
    summary = {key: value for key, value in results.items() if isinstance(value, float)}
    _logger.info("Wrote %s: %s", args.out, json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
