"""Make an editing input for SinGAN: copy a box of an image to another place and write its mask.

The edited image and the mask (white where the box was pasted) are what
``tools/gan/singan_harmonize.py --mode editing`` takes. Boxes are in pixels of the given image.

Example::

    python tools/gan/singan_make_edit.py data/singan/china.png --box 150 200 120 120 \\
        --to 250 420 --out-image outputs/singan/edit.png --out-mask outputs/singan/edit_mask.png
"""

import argparse

import numpy as np
from PIL import Image

from sase_mm.gan.models.singan.outputs import save_png


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Copy a box of an image elsewhere and write its mask."
    )
    parser.add_argument("image", help="source image")
    parser.add_argument(
        "--box", type=int, nargs=4, required=True, metavar=("TOP", "LEFT", "HEIGHT", "WIDTH")
    )
    parser.add_argument(
        "--to", type=int, nargs=2, required=True, metavar=("TOP", "LEFT"), help="paste position"
    )
    parser.add_argument("--out-image", required=True, help="edited image (PNG)")
    parser.add_argument("--out-mask", required=True, help="mask of the pasted box (PNG)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with Image.open(args.image) as image:
        pixels = np.asarray(image.convert("RGB")).copy()
    top, left, height, width = args.box
    to_top, to_left = args.to
    rows, columns = pixels.shape[:2]
    for name, (y, x) in (("--box", (top, left)), ("--to", (to_top, to_left))):
        if y < 0 or x < 0 or y + height > rows or x + width > columns:
            raise SystemExit(
                f"error: {name} places a {height}x{width} box at ({y}, {x}), outside the "
                f"{rows}x{columns} image; choose a box inside it."
            )
    pixels[to_top : to_top + height, to_left : to_left + width] = pixels[
        top : top + height, left : left + width
    ]
    mask = np.zeros((rows, columns, 3), dtype=np.uint8)
    mask[to_top : to_top + height, to_left : to_left + width] = 255
    save_png(pixels, args.out_image)
    save_png(mask, args.out_mask)
    print(f"Wrote {args.out_image} and {args.out_mask}")


if __name__ == "__main__":
    main()
