"""Write one of scikit-learn's bundled photos to a PNG file, as a SinGAN training image.

scikit-learn ships ``china.jpg`` (640x427, a pagoda) and ``flower.jpg`` in its wheel, so a
one-shot GAN can train on a real photo without downloading anything.

Example::

    python tools/gan/singan_export_sample_image.py --name china.jpg --out data/singan/china.png
"""
import argparse
import os

from PIL import Image
from sklearn.datasets import load_sample_image


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Export a photo bundled with scikit-learn as PNG.")
    parser.add_argument("--name", default="china.jpg", choices=["china.jpg", "flower.jpg"])
    parser.add_argument("--out", default="data/singan/china.png", help="output PNG path")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    array = load_sample_image(args.name)
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{os.path.basename(args.out)}.tmp")
    Image.fromarray(array).save(temporary, format="PNG")
    os.replace(temporary, args.out)
    print(f"Wrote {args.out} ({array.shape[1]}x{array.shape[0]} pixels).")


if __name__ == "__main__":
    main()
