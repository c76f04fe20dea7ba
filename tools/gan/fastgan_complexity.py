"""Print generator parameters and FLOPs of the FastGAN skip-layer variants as a Markdown table.

FLOPs are counted by fvcore (0.1.5) on one latent vector with the generator in eval mode. fvcore
counts one fused multiply-add as one FLOP, so its FLOPs are MACs. It counts its default operators
(convolutions, linear layers, batch norm, upsampling, einsum). It does not count element-wise
operations such as activations, the GLU gates and the division of the SASE attention.

Example:
    python tools/gan/fastgan_complexity.py --sizes 256 1024
"""
import argparse
import logging
import sys
from typing import List, Optional

import torch

import sase_mm.gan  # noqa: F401  (registers the modules)
from sase_mm.gan.models.fastgan.generator import FastGANGenerator

# The skip-layer settings of the configs in configs/fastgan/.
VARIANTS = {
    "SLE": dict(type="SLE"),
    "SASE": dict(type="SASE", groups=4, reduction=16, key_depth=2),
    "CBAM": dict(type="CBAM", reduction=16),
    "SPAP": dict(type="SPAP", dilations=(1, 2, 4), reduction=4),
}


def count(variant: str, im_size: int) -> tuple:
    """Return (parameters, FLOPs) of the generator of ``variant`` at ``im_size``."""
    from fvcore.nn import FlopCountAnalysis

    generator = FastGANGenerator(im_size=im_size, skip_layer=VARIANTS[variant]).eval()
    parameters = sum(parameter.numel() for parameter in generator.parameters())
    analysis = FlopCountAnalysis(generator, (torch.randn(1, generator.nz),))
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return parameters, analysis.total()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024], help="image sizes")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args(argv)
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    print("| Generator | Size | Parameters (M) | FLOPs (G, fvcore) |")
    print("| --- | --- | --- | --- |")
    with torch.no_grad():
        for variant in args.variants:
            for size in args.sizes:
                parameters, flops = count(variant, size)
                print(f"| {variant} | {size} | {parameters / 1e6:.2f} | {flops / 1e9:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
