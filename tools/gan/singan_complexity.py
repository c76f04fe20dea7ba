"""Count parameters and FLOPs of the four single-image GANs next to the SASE paper's Table 7.

Each config's model is built for a training image of ``--height`` x ``--width`` pixels. The image
is random noise written to a temporary folder, because the counts depend on the size only. Parameters are the
generator's (every scale). FLOPs come from MMEngine's FlopAnalyzer (one fused multiply-add is one
FLOP) for the finest scale's network, the count that matches Table 7, at the training size and at
twice the height (330x250 for a 165x250 image); the count over all scales is listed too.

Example::

    python tools/gan/singan_complexity.py --height 165 --width 250 --out model_cards/singan_complexity.md
"""
import argparse
import os
import tempfile

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from sase_mm.gan.models.singan.complexity import (
    discriminator_parameter_count,
    generator_flops,
    generator_parameter_count,
)
from sase_mm.gan.registry import MODELS

# Quoted from the SASE paper, Table 7: parameters and FLOPs at 165x250 and 330x250.
PAPER_TABLE_7 = {
    "SinGAN": (1.02e6, 19.33e9, 38.20e9),
    "SLE-SinGAN": (1.63e6, 19.33e9, 38.21e9),
    "SASE-SinGAN": (1.25e6, 22.85e9, 44.65e9),
    "ConSinGAN": (0.77e6, 8.92e9, 17.73e9),
}
CONFIGS = {
    "SinGAN": "configs/singan/singan_250px.py",
    "SLE-SinGAN": "configs/singan/sle-singan_250px.py",
    "SASE-SinGAN": "configs/singan/sase-singan_250px.py",
    "ConSinGAN": "configs/singan/consingan_250px.py",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Parameter and FLOP table of the SinGAN variants.")
    parser.add_argument("--height", type=int, default=165, help="training image height in pixels")
    parser.add_argument("--width", type=int, default=250, help="training image width in pixels")
    parser.add_argument("--out", help="also write the Markdown table to this file")
    return parser.parse_args()


def relative(measured: float, paper: float) -> str:
    return f"{100 * (measured - paper) / paper:+.1f} %"


def main() -> None:
    args = parse_args()
    init_default_scope("sase_gan")
    rows = [
        "| Model | Scales | G params (here) | Table 7 | Diff | D params | G FLOPs finest, "
        f"{args.height}x{args.width} | Table 7 | G FLOPs finest, {2 * args.height}x{args.width} "
        "| Table 7 | G FLOPs all scales |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        image_path = os.path.join(folder, "image.png")
        noise = np.random.default_rng(0).integers(0, 256, (args.height, args.width, 3), dtype=np.uint8)
        Image.fromarray(noise).save(image_path)
        for name, config in CONFIGS.items():
            cfg = Config.fromfile(config)
            cfg.model.image_path = image_path
            model = MODELS.build(cfg.model)
            parameters = generator_parameter_count(model)
            flops = generator_flops(model, finest_only=True)
            flops_tall = generator_flops(model, 2.0, 1.0, finest_only=True)
            flops_all = generator_flops(model)
            paper = PAPER_TABLE_7[name]
            rows.append(
                f"| {name} | {model.num_scales} | {parameters / 1e6:.3f} M | {paper[0] / 1e6:.2f} M | "
                f"{relative(parameters, paper[0])} | {discriminator_parameter_count(model) / 1e6:.3f} M | "
                f"{flops / 1e9:.2f} G | {paper[1] / 1e9:.2f} G | {flops_tall / 1e9:.2f} G | "
                f"{paper[2] / 1e9:.2f} G | {flops_all / 1e9:.2f} G |"
            )
    table = "\n".join(rows)
    print(table)
    if args.out:
        folder = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        temporary = os.path.join(folder, f".{os.path.basename(args.out)}.tmp")
        with open(temporary, "w") as handle:
            handle.write(table + "\n")
        os.replace(temporary, args.out)


if __name__ == "__main__":
    main()
