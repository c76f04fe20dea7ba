"""Backtrack held-out images into a FastGAN's latent space (SASE paper, appendix A.3.3).

Latent vectors are optimised so that the EMA generator reconstructs each image of a held-out
folder. The tool writes a PNG (targets in the first row, reconstructions in the second) and a JSON
file with each image's L2 (mean squared error on [-1, 1] pixels) and, when LPIPS backbone weights
are given, its LPIPS distance. Low distances on images the model never saw indicate that it did
not only memorise its training set.

Example:
    python tools/gan/fastgan_backtrack.py CONFIG CHECKPOINT --images data/test --out backtrack.png \
        --lpips-weights ~/.cache/torch/hub/checkpoints/vgg16-397923af.pth
"""
import argparse
import json
import os
import sys
import tempfile
from typing import List, Optional

import torch

from sase_mm.gan.datasets.image_folder import FewShotImageFolder
from sase_mm.gan.losses.reconstruction import LPIPSLoss
from sase_mm.gan.models.fastgan.analysis import backtrack_latents
from sase_mm.gan.models.fastgan.inference import load_fastgan, save_image_grid


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="FastGAN config file")
    parser.add_argument("checkpoint", help="checkpoint saved by tools/train.py")
    parser.add_argument("--images", required=True, help="folder of held-out images")
    parser.add_argument("--out", required=True, help="output PNG path; the JSON goes next to it")
    parser.add_argument("--max-images", type=int, default=8, help="images to backtrack")
    parser.add_argument("--iterations", type=int, default=1000, help="Adam steps on the latents")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate")
    parser.add_argument("--lpips-weights", default=None,
                        help="torchvision VGG16 ImageNet weights; adds LPIPS to the loss and report")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial latents")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def write_json(data: dict, path: str) -> None:
    """Write ``data`` as JSON through a temporary file in the same folder and ``os.replace``."""
    handle, temporary = tempfile.mkstemp(suffix=".json", dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(handle, "w") as stream:
        json.dump(data, stream, indent=2)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(temporary, 0o666 & ~mask)
    os.replace(temporary, path)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.max_images < 1:
        raise ValueError(f"--max-images={args.max_images} must be positive.")
    model = load_fastgan(args.config, args.checkpoint, args.device)
    dataset = FewShotImageFolder(args.images, model.im_size, horizontal_flip=False)
    count = min(args.max_images, len(dataset))
    targets = torch.stack([dataset.load_image(index) for index in range(count)])
    perceptual = None
    if args.lpips_weights:
        perceptual = LPIPSLoss(net="vgg", backbone_weights=args.lpips_weights, reduction="mean")
        perceptual = perceptual.to(args.device)
    result = backtrack_latents(
        model, targets, iterations=args.iterations, learning_rate=args.lr, perceptual=perceptual,
        generator=torch.Generator().manual_seed(args.seed),
    )
    save_image_grid(torch.cat([targets.to(result["reconstructions"].device), result["reconstructions"]]),
                    args.out, nrow=count)
    report = {
        "images": dataset.paths[:count],
        "iterations": args.iterations,
        "l2": result["l2"].tolist(),
        "mean_l2": float(result["l2"].mean()),
    }
    if "lpips" in result:
        report["lpips"] = result["lpips"].tolist()
        report["mean_lpips"] = float(result["lpips"].mean())
    json_path = os.path.splitext(args.out)[0] + ".json"
    write_json(report, json_path)
    summary = f"mean L2 {report['mean_l2']:.4f}"
    if "mean_lpips" in report:
        summary += f", mean LPIPS {report['mean_lpips']:.4f}"
    print(f"Backtracked {count} images ({summary}); wrote {args.out} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
