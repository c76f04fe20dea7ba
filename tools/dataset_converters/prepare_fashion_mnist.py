"""Decompress the Fashion-MNIST IDX files into a folder mmpretrain's FashionMNIST reads.

Example::

    python tools/dataset_converters/prepare_fashion_mnist.py --out-dir data/fashion_mnist
"""
import argparse
import logging

from sase_mm.mm.datasets.fashion_mnist import DEBIAN_FASHION_MNIST_DIR, prepare_fashion_mnist


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        default=DEBIAN_FASHION_MNIST_DIR,
        help="folder with the gzipped (or plain) IDX files; default: %(default)s, "
        "where the Debian package dataset-fashion-mnist installs them",
    )
    parser.add_argument(
        "--out-dir",
        default="data/fashion_mnist",
        help="output folder, used as data_root in the configs; default: %(default)s",
    )
    return parser.parse_args()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args()
    paths = prepare_fashion_mnist(args.out_dir, args.source)
    print(f"Fashion-MNIST ready in {args.out_dir} ({len(paths)} files)")


if __name__ == "__main__":
    main()
