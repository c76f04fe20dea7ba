"""Write SASE key maps (spatial masks) over generated images as a PNG (SASE paper, Fig. 5).

Each row is one generated image followed by its key maps, from the coarsest SASE stage to the
finest and group by group within a stage; red marks high and blue low key values.

Example:
    python tools/gan/fastgan_key_maps.py CONFIG CHECKPOINT --out key_maps.png --num-samples 4
"""
import argparse
import sys
from typing import List, Optional

import torch

from sase_mm.gan.models.fastgan.analysis import key_map_overlays
from sase_mm.gan.models.fastgan.inference import load_fastgan, save_image_grid


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="SASE-FastGAN config file")
    parser.add_argument("checkpoint", help="checkpoint saved by tools/train.py")
    parser.add_argument("--out", required=True, help="output PNG path")
    parser.add_argument("--num-samples", type=int, default=4, help="number of images (rows)")
    parser.add_argument("--opacity", type=float, default=0.6, help="heat-map weight in [0, 1]")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not 0 <= args.opacity <= 1:
        raise ValueError(f"--opacity={args.opacity} must be in [0, 1].")
    model = load_fastgan(args.config, args.checkpoint, args.device)
    z = model.sample_latents(args.num_samples, torch.Generator().manual_seed(args.seed))
    sheet, row_length = key_map_overlays(model, z, opacity=args.opacity)
    save_image_grid(sheet, args.out, nrow=row_length)
    print(f"Wrote key maps of {args.num_samples} images ({row_length - 1} maps each) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
