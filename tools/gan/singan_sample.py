"""Write PNG grids of random samples from a trained SinGAN, SLE-/SASE-SinGAN or ConSinGAN.

For every ``--sizes`` entry ``HxW`` (height and width factors relative to the training image) it
writes ``samples_<H>x<W>.png``. The grid at ``1x1`` starts with the training image. For every
``--start-scales`` entry ``n`` it writes ``start_scale_<n>.png``: scales below ``n`` reproduce the
training image (fixed reconstruction noise) and the variation starts at scale ``n``.

Example::

    python tools/gan/singan_sample.py configs/singan/sase-singan_250px.py \\
        work_dirs/sase-singan_250px/iter_18000.pth --out-dir outputs/singan/samples \\
        --sizes 1x1 1x1.5 0.75x1 --start-scales 0 2 4
"""
import argparse
import os
from typing import Tuple

import torch
from mmengine.config import DictAction

from sase_mm.gan.models.singan.outputs import load_trained_model, save_png_grid


def parse_factors(text: str) -> Tuple[float, float]:
    """Parse ``'HxW'`` (for example ``'1x1.5'``) into positive height and width factors."""
    try:
        height, width = (float(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"size {text!r} must look like 1x1.5 (height x width factors)") from error
    if height <= 0 or width <= 0:
        raise argparse.ArgumentTypeError(f"size {text!r} needs positive factors")
    return height, width


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write sample grids of a trained single-image GAN.")
    parser.add_argument("config", help="config the checkpoint was trained with")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--out-dir", default="outputs/singan/samples", help="folder for the PNG grids")
    parser.add_argument("--num-samples", type=int, default=8, help="samples per grid")
    parser.add_argument("--nrow", type=int, default=4, help="images per grid row")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling noise")
    parser.add_argument(
        "--sizes", nargs="+", type=parse_factors, default=[(1.0, 1.0), (1.0, 1.5), (0.75, 1.0)],
        help="output sizes as HEIGHTxWIDTH factors of the training size, for example 1x1.5",
    )
    parser.add_argument(
        "--start-scales", nargs="*", type=int, default=[1, 2],
        help="first scales with random noise (0 is the coarsest); scales below reconstruct the image",
    )
    parser.add_argument("--device", help="cpu or cuda; default cuda when available")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="config overrides, key=value")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.num_samples < 1:
        raise SystemExit(f"--num-samples={args.num_samples} must be at least 1.")
    model = load_trained_model(args.config, args.checkpoint, args.cfg_options, args.device)
    generator = torch.Generator().manual_seed(args.seed)
    written = []

    for height_factor, width_factor in args.sizes:
        samples = model.sample(args.num_samples, 0, height_factor, width_factor, generator)
        images = list(samples)
        if (height_factor, width_factor) == (1.0, 1.0):
            # The training image at the last trained scale, the size the samples have.
            real = model.reals[int(model.num_trained_scales) - 1][0]
            images = [real.expand_as(samples[0])] + images
        path = os.path.join(args.out_dir, f"samples_{height_factor:g}x{width_factor:g}.png")
        save_png_grid(images, path, nrow=args.nrow)
        written.append(path)

    for scale in args.start_scales:
        samples = model.sample(args.num_samples, start_scale=scale, generator=generator)
        path = os.path.join(args.out_dir, f"start_scale_{scale}.png")
        save_png_grid(list(samples), path, nrow=args.nrow)
        written.append(path)

    for path in written:
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
