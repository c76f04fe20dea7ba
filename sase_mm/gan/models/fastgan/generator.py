"""FastGAN generator with a configurable skip-layer module (SLE, SASE, CBAM or SPAP).

The architecture follows the official FastGAN code (Liu et al., ICLR 2021; widths, blocks, noise
injection, GLU, spectral normalisation and SLE wiring) and the SASE paper's Fig. 3, which puts the
chosen module in place of the SLEs.
"""
import copy
import logging
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn
from torch.nn.utils import parametrize

from sase_mm.gan.modules.builder import build_gan_module
from sase_mm.gan.modules.layers import GLU, NoiseInjection, sn_conv2d, sn_conv_transpose2d
from sase_mm.gan.registry import MODELS
from sase_mm.layers.sase_synthesis import SASESynthesis

__all__ = ["FastGANGenerator", "SUPPORTED_SIZES", "check_im_size", "init_fastgan_weights"]

_logger = logging.getLogger(__name__)

SUPPORTED_SIZES = (256, 512, 1024)

# Width of the generator's feature map at each resolution, as a multiple of ``ngf``.
GENERATOR_WIDTH_MULTIPLIERS = {
    4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125,
}

# Composite up-blocks (two convolutions with noise injection) at these output sizes.
COMPOSITE_SIZES = (8, 32, 128, 512)

# Skip connections (source size -> target size); 32 -> 512 exists only above 256 px.
SKIP_CONNECTIONS = ((4, 64), (8, 128), (16, 256), (32, 512))


def check_im_size(im_size: int) -> int:
    """Return ``im_size`` if FastGAN supports it.

    Raises:
        ValueError: If ``im_size`` is not 256, 512 or 1024.
    """
    if im_size not in SUPPORTED_SIZES:
        raise ValueError(
            f"im_size={im_size!r} is not supported; FastGAN builds images of {SUPPORTED_SIZES} px."
        )
    return im_size


def init_fastgan_weights(module: nn.Module) -> None:
    """Initialise convolutions with N(0, 0.02) and batch-norm weights with N(1, 0.02), bias 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            if parametrize.is_parametrized(layer, "weight"):
                weight = layer.parametrizations.weight.original
            else:
                weight = layer.weight
            nn.init.normal_(weight, 0.0, 0.02)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)


def up_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Nearest x2 upsampling, SN conv3x3 to twice the width, BN and GLU."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        sn_conv2d(in_channels, out_channels * 2, 3, 1, 1, bias=False),
        nn.BatchNorm2d(out_channels * 2),
        GLU(),
    )


def up_block_composite(in_channels: int, out_channels: int) -> nn.Sequential:
    """Nearest x2 upsampling, then twice [SN conv3x3, noise injection, BN, GLU]."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"),
        sn_conv2d(in_channels, out_channels * 2, 3, 1, 1, bias=False),
        NoiseInjection(),
        nn.BatchNorm2d(out_channels * 2),
        GLU(),
        sn_conv2d(out_channels, out_channels * 2, 3, 1, 1, bias=False),
        NoiseInjection(),
        nn.BatchNorm2d(out_channels * 2),
        GLU(),
    )


@MODELS.register_module()
class FastGANGenerator(nn.Module):
    """FastGAN generator: a latent vector to an ``im_size`` image and a 128-px image.

    Args:
        im_size (int): Output resolution: 256, 512 or 1024. Defaults to 256.
        nz (int): Latent dimension. Defaults to 256.
        ngf (int): Base width; the width at resolution ``s`` is ``ngf`` times
            ``GENERATOR_WIDTH_MULTIPLIERS[s]``. Defaults to 64.
        out_channels (int): Image channels. Defaults to 3.
        skip_layer (dict): Config of the module on the skips 8->128, 16->256 and (above 256 px)
            32->512; ``source_channels`` and ``target_channels`` are filled in. Defaults to
            ``dict(type='SLE')``.
        first_skip_layer (dict | None): Config of the module on the 4->64 skip. None uses
            ``skip_layer`` there too. Defaults to ``dict(type='SLE')``: the SASE paper's Table 5
            parameter counts and its appendix A.2 (key dilations for the stages 8, 16 and 32 only)
            match keeping the 4->64 SLE, as the authors' code does.
        skip_layer_stage_cfgs (dict[int, dict] | None): Extra arguments of ``skip_layer`` per
            source size, for example ``{8: dict(dilation=2), 32: dict(dilation=4)}``.
            Defaults to None.
        output_tanh (bool): Apply tanh to both outputs. The official FastGAN code applies it only
            at 1024 px (its outputs at 256 and 512 px are unbounded), which this library treats as
            a bug. Defaults to True.

    Raises:
        ValueError: If ``im_size`` is unsupported or ``ngf`` / ``nz`` is not positive.
    """

    def __init__(
        self,
        im_size: int = 256,
        nz: int = 256,
        ngf: int = 64,
        out_channels: int = 3,
        skip_layer: Optional[dict] = None,
        first_skip_layer: Optional[dict] = dict(type="SLE"),
        skip_layer_stage_cfgs: Optional[Dict[int, dict]] = None,
        output_tanh: bool = True,
    ) -> None:
        super().__init__()
        self.im_size = check_im_size(im_size)
        if nz < 1 or ngf < 1:
            raise ValueError(f"nz={nz} and ngf={ngf} must be positive integers.")
        self.nz = nz
        self.output_tanh = output_tanh
        widths = {size: max(1, int(mult * ngf)) for size, mult in GENERATOR_WIDTH_MULTIPLIERS.items()}
        self.widths = widths

        self.init = nn.Sequential(
            sn_conv_transpose2d(nz, widths[4] * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[4] * 2),
            GLU(),
        )
        self.blocks = nn.ModuleDict()
        size = 8
        while size <= im_size:
            block = up_block_composite if size in COMPOSITE_SIZES else up_block
            self.blocks[f"feat_{size}"] = block(widths[size // 2], widths[size])
            size *= 2

        skip_layer = dict(type="SLE") if skip_layer is None else skip_layer
        stage_cfgs = skip_layer_stage_cfgs or {}
        self.skips = nn.ModuleDict()
        for source_size, target_size in SKIP_CONNECTIONS:
            if target_size > im_size:
                continue
            if source_size == 4 and first_skip_layer is not None:
                cfg = copy.deepcopy(first_skip_layer)
            else:
                cfg = copy.deepcopy(skip_layer)
                cfg.update(stage_cfgs.get(source_size, {}))
            cfg.update(source_channels=widths[source_size], target_channels=widths[target_size])
            self.skips[f"skip_{source_size}_{target_size}"] = build_gan_module(cfg, "skip layer")

        self.to_128 = sn_conv2d(widths[128], out_channels, 1, 1, 0, bias=False)
        self.to_big = sn_conv2d(widths[im_size], out_channels, 3, 1, 1, bias=False)
        init_fastgan_weights(self)

    def forward(
        self,
        z: torch.Tensor,
        query_overrides: Optional[Dict[str, torch.Tensor]] = None,
        attention: Optional[Dict[str, Dict[str, torch.Tensor]]] = None,
    ) -> List[torch.Tensor]:
        """Generate images from latent vectors.

        Args:
            z: Latent vectors ``(B, nz)``.
            query_overrides: Per skip name (``'skip_8_128'`` ...), queries ``(B, g, C)`` that
                replace those a SASE module computes (style mixing).
            attention: If given, filled per SASE skip name with ``{'query', 'key'}`` tensors.

        Returns:
            ``[image (B, C, im_size, im_size), image_128 (B, C, 128, 128)]``.
        """
        if z.dim() != 2 or z.shape[1] != self.nz:
            raise ValueError(f"z must have shape (B, {self.nz}); got {tuple(z.shape)}.")
        features = {4: self.init(z.view(z.shape[0], self.nz, 1, 1))}
        size = 8
        while size <= self.im_size:
            feature = self.blocks[f"feat_{size}"](features[size // 2])
            source_size = size // 16
            name = f"skip_{source_size}_{size}"
            if name in self.skips:
                feature = self._apply_skip(name, features[source_size], feature, query_overrides, attention)
            features[size] = feature
            size *= 2

        image = self.to_big(features[self.im_size])
        image_128 = self.to_128(features[128])
        if self.output_tanh:
            image, image_128 = torch.tanh(image), torch.tanh(image_128)
        return [image, image_128]

    def _apply_skip(
        self,
        name: str,
        source: torch.Tensor,
        target: torch.Tensor,
        query_overrides: Optional[Dict[str, torch.Tensor]],
        attention: Optional[Dict[str, Dict[str, torch.Tensor]]],
    ) -> torch.Tensor:
        module = self.skips[name]
        if not isinstance(module, SASESynthesis):
            return module(source, target)
        query = (query_overrides or {}).get(name)
        if query is None:
            query = module.compute_query(source)
        key = module.compute_key(source, target.shape[-2:])
        if attention is not None:
            attention[name] = {"query": query, "key": key}
        return module.combine(query, key) * target

    def sase_skip_names(self) -> Tuple[str, ...]:
        """Return the names of the skips that use the SASE synthesis layer."""
        return tuple(name for name, module in self.skips.items() if isinstance(module, SASESynthesis))
