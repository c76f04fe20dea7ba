"""Write one PNG with a row per trained model: the training image, then random samples.

Every model is sampled with the same seed. The rows follow the order of ``--model`` arguments,
and all models must generate images of one size (the same image and pyramid settings).

Example::

    python tools/gan/singan_side_by_side.py --out outputs/singan/china_side_by_side.png \\
        --model configs/singan/singan_china-cpu.py work_dirs/singan/iter_1500.pth \\
        --model configs/singan/sase-singan_china-cpu.py work_dirs/sase-singan/iter_1500.pth
"""
import argparse

import torch

from sase_mm.gan.models.singan.outputs import load_trained_model, save_png_grid


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sample grids of several models, one row each.")
    parser.add_argument(
        "--model", nargs=2, action="append", required=True, metavar=("CONFIG", "CHECKPOINT"),
        help="a config and its checkpoint; repeat for every row",
    )
    parser.add_argument("--out", required=True, help="output PNG file")
    parser.add_argument("--num-samples", type=int, default=5, help="samples per row")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling noise")
    parser.add_argument("--device", help="cpu or cuda; default cuda when available")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    images = []
    size = None
    for config, checkpoint in args.model:
        model = load_trained_model(config, checkpoint, device=args.device)
        samples = model.sample(args.num_samples, generator=torch.Generator().manual_seed(args.seed))
        if size is not None and samples.shape[-2:] != size:
            raise SystemExit(
                f"{config} generates {tuple(samples.shape[-2:])} pixels but the first model "
                f"{tuple(size)}; compare models trained on one image with one pyramid."
            )
        size = samples.shape[-2:]
        real = model.reals[int(model.num_trained_scales) - 1][0].to(samples.device)
        images += [real] + list(samples)
        print(f"Row {len(images) // (args.num_samples + 1)}: {config}")
    save_png_grid(images, args.out, nrow=args.num_samples + 1)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
