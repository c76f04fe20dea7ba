"""Write a grid of samples from a FastGAN checkpoint's EMA generator (eval mode) as a PNG.

Example:
    python tools/gan/fastgan_sample.py configs/fastgan/fastgan_sase_256_diffaug.py \
        work_dirs/fastgan_sase_256_diffaug/iter_50000.pth --out samples.png --num-samples 16
"""
import argparse
import sys
from typing import List, Optional

import torch

from sase_mm.gan.models.fastgan.inference import load_fastgan, save_image_grid


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="FastGAN config file")
    parser.add_argument("checkpoint", help="checkpoint saved by tools/train.py (iter_N.pth)")
    parser.add_argument("--out", required=True, help="output PNG path")
    parser.add_argument("--num-samples", type=int, default=16, help="number of images")
    parser.add_argument("--nrow", type=int, default=4, help="images per grid row")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors")
    parser.add_argument(
        "--standing-stats", type=int, default=0, metavar="BATCHES",
        help="recompute the batch-norm running statistics from this many batches of 8 samples "
             "before sampling (useful after few iterations); 0 keeps the trained ones",
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    model = load_fastgan(args.config, args.checkpoint, args.device)
    generator = torch.Generator().manual_seed(args.seed)
    if args.standing_stats > 0:
        model.update_standing_statistics(args.standing_stats, generator=generator)
    images = model.generate(args.num_samples, generator=generator)
    save_image_grid(images, args.out, nrow=args.nrow)
    print(f"Wrote {args.num_samples} samples of the EMA generator to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
