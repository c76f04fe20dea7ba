"""Write a SASE-FastGAN style-mixing sheet as a PNG (SASE paper, appendix A.3.4).

The first row holds the content images and the first column the style images; every other cell is
the content image generated with the query vectors (channel codes) of the style image's
generation and its own key maps.

Example:
    python tools/gan/fastgan_style_mixing.py CONFIG CHECKPOINT --out mixing.png --styles 4 --contents 6
"""
import argparse
import sys
from typing import List, Optional

import torch

from sase_mm.gan.models.fastgan.analysis import style_mixing_sheet
from sase_mm.gan.models.fastgan.inference import load_fastgan, save_image_grid


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="SASE-FastGAN config file")
    parser.add_argument("checkpoint", help="checkpoint saved by tools/train.py")
    parser.add_argument("--out", required=True, help="output PNG path")
    parser.add_argument("--styles", type=int, default=4, help="number of style images (rows)")
    parser.add_argument("--contents", type=int, default=6, help="number of content images (columns)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.styles < 1 or args.contents < 1:
        raise ValueError(f"--styles={args.styles} and --contents={args.contents} must be positive.")
    model = load_fastgan(args.config, args.checkpoint, args.device)
    generator = torch.Generator().manual_seed(args.seed)
    z_style = model.sample_latents(args.styles, generator)
    z_content = model.sample_latents(args.contents, generator)
    sheet = style_mixing_sheet(model, z_style, z_content)
    save_image_grid(sheet, args.out, nrow=args.contents + 1)
    print(f"Wrote a {args.styles} x {args.contents} style-mixing sheet to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
