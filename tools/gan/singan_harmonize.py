"""Harmonize or edit an image with a trained single-image GAN and write a PNG grid.

The reference image (a naive paste for harmonization, a cut-and-moved copy for editing) and its
mask (white marks the pasted or edited region, same size as the reference) are resized to the
training size. The reference enters at ``--scale`` (1 .. N-1, the coarsest scale is 0), runs
through the finer scales, and the result replaces the reference inside the mask, dilated (radius 7
for harmonization, 20 for editing) and blurred (sigma 5).

The grid ``<mode>_scale<n>.png`` shows the reference, the soft mask, then for every sample the
blended result.

Example::

    python tools/gan/singan_harmonize.py configs/singan/sase-singan_250px.py CHECKPOINT \\
        --reference naive.png --mask naive_mask.png --scale 3 --mode harmonization
"""
import argparse
import os

import torch
from mmengine.config import DictAction

from sase_mm.gan.models.singan.manipulate import MASK_DILATION_RADII, harmonize
from sase_mm.gan.models.singan.outputs import load_trained_model, save_png_grid
from sase_mm.gan.models.singan.pyramid import load_image


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Harmonize or edit with a trained single-image GAN.")
    parser.add_argument("config", help="config the checkpoint was trained with")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--reference", required=True, help="reference image (naive paste or edit)")
    parser.add_argument("--mask", required=True, help="mask image of the reference's size; white = region")
    parser.add_argument("--scale", type=int, required=True, help="injection scale, 1 .. N-1 (0 is the coarsest)")
    parser.add_argument("--mode", choices=sorted(MASK_DILATION_RADII), default="harmonization")
    parser.add_argument("--num-samples", type=int, default=3, help="number of results")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise")
    parser.add_argument("--out-dir", default="outputs/singan/harmonization", help="folder for the PNG grid")
    parser.add_argument("--device", help="cpu or cuda; default cuda when available")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="config overrides, key=value")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = load_trained_model(args.config, args.checkpoint, args.cfg_options, args.device)
    reference = load_image(args.reference, model.in_channels)
    mask = (load_image(args.mask, 1) + 1) / 2
    generator = torch.Generator().manual_seed(args.seed)
    result = harmonize(model, reference, mask, args.scale, args.mode, args.num_samples, generator)

    soft_mask = (result["mask"][0] * 2 - 1).expand(model.in_channels, -1, -1)
    images = [result["reference"][0], soft_mask] + list(result["blended"])
    path = os.path.join(args.out_dir, f"{args.mode}_scale{args.scale}.png")
    save_png_grid(images, path, nrow=len(images))
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
