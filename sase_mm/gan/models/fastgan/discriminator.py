"""FastGAN discriminator with SLE inside, two 5x5 logit maps and self-supervised decoders."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from sase_mm.gan.models.fastgan.generator import check_im_size, init_fastgan_weights
from sase_mm.gan.modules.layers import GLU, sn_conv2d
from sase_mm.gan.modules.sle import SLE
from sase_mm.gan.registry import MODELS

__all__ = ["FastGANDiscriminator", "SimpleDecoder", "crop_quadrant"]

# Width of the discriminator's feature map at each resolution, as a multiple of ``ndf``.
DISCRIMINATOR_WIDTH_MULTIPLIERS = {
    4: 16, 8: 16, 16: 8, 32: 4, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125,
}
# Decoder widths per resolution, as a multiple of ``decoder_channels``.
DECODER_WIDTH_MULTIPLIERS = {16: 4, 32: 2, 64: 2, 128: 1}


def crop_quadrant(images: torch.Tensor, quadrant: int) -> torch.Tensor:
    """Return quadrant 0 (top left), 1 (top right), 2 (bottom left) or 3 (bottom right)."""
    half_height, half_width = images.shape[2] // 2, images.shape[3] // 2
    row, column = divmod(quadrant, 2)
    return images[
        :, :, row * half_height:(row + 1) * half_height, column * half_width:(column + 1) * half_width
    ]


class DownBlock(nn.Sequential):
    """SN conv4x4 stride 2, BN, LeakyReLU(0.2)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            sn_conv2d(in_channels, out_channels, 4, 2, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2, inplace=True),
        )


class DownBlockComposite(nn.Module):
    """Mean of a two-conv stride-2 path and an average-pool + 1x1 conv path."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            sn_conv2d(in_channels, out_channels, 4, 2, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2, inplace=True),
            sn_conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2),
        )
        self.direct = nn.Sequential(
            nn.AvgPool2d(2, 2),
            sn_conv2d(in_channels, out_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.main(x) + self.direct(x)) / 2


class SimpleDecoder(nn.Module):
    """Decoder from a discriminator feature map to a 128-px image (pooled to 8x8, four up-blocks).

    Args:
        in_channels (int): Channels of the feature map.
        out_channels (int): Image channels. Defaults to 3.
        decoder_channels (int): Base width (32 in FastGAN). Defaults to 32.
    """

    def __init__(self, in_channels: int, out_channels: int = 3, decoder_channels: int = 32) -> None:
        super().__init__()
        widths = {size: max(1, int(mult * decoder_channels))
                  for size, mult in DECODER_WIDTH_MULTIPLIERS.items()}
        layers: List[nn.Module] = [nn.AdaptiveAvgPool2d(8)]
        previous = in_channels
        for size in (16, 32, 64, 128):
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                sn_conv2d(previous, widths[size] * 2, 3, 1, 1, bias=False),
                nn.BatchNorm2d(widths[size] * 2),
                GLU(),
            ]
            previous = widths[size]
        layers += [sn_conv2d(previous, out_channels, 3, 1, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


@MODELS.register_module()
class FastGANDiscriminator(nn.Module):
    """FastGAN discriminator with a 5x5 output map on both branches.

    A big branch reads the image at ``im_size`` (stem, five composite down-blocks, SLE 2->16,
    4->32, 8->64) and a small branch reads it at 128 px. Each ends in a 5x5 logit map, the output
    size the SASE paper uses for every data set. On real images three decoders reconstruct the
    image from the big branch's last features, from the small branch's features, and one random
    quadrant from the big branch's 16x16 features.

    Args:
        im_size (int): Input resolution: 256, 512 or 1024. Defaults to 256.
        ndf (int): Base width. Defaults to 64.
        in_channels (int): Image channels. Defaults to 3.
        decoder_channels (int): Base width of the decoders. Defaults to 32.
    """

    def __init__(
        self, im_size: int = 256, ndf: int = 64, in_channels: int = 3, decoder_channels: int = 32
    ) -> None:
        super().__init__()
        self.im_size = check_im_size(im_size)
        if ndf < 1:
            raise ValueError(f"ndf={ndf} must be a positive integer.")
        widths = {size: max(1, int(mult * ndf)) for size, mult in DISCRIMINATOR_WIDTH_MULTIPLIERS.items()}

        if im_size == 1024:
            self.down_from_big = nn.Sequential(
                sn_conv2d(in_channels, widths[1024], 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                sn_conv2d(widths[1024], widths[512], 4, 2, 1, bias=False),
                nn.BatchNorm2d(widths[512]),
                nn.LeakyReLU(0.2, inplace=True),
            )
        elif im_size == 512:
            self.down_from_big = nn.Sequential(
                sn_conv2d(in_channels, widths[512], 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
            )
        else:
            self.down_from_big = nn.Sequential(
                sn_conv2d(in_channels, widths[512], 3, 1, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
            )

        self.down_4 = DownBlockComposite(widths[512], widths[256])
        self.down_8 = DownBlockComposite(widths[256], widths[128])
        self.down_16 = DownBlockComposite(widths[128], widths[64])
        self.down_32 = DownBlockComposite(widths[64], widths[32])
        self.down_64 = DownBlockComposite(widths[32], widths[16])
        self.logits_big = nn.Sequential(
            sn_conv2d(widths[16], widths[8], 1, 1, 0, bias=False),
            nn.BatchNorm2d(widths[8]),
            nn.LeakyReLU(0.2, inplace=True),
            sn_conv2d(widths[8], 1, 4, 1, 0, bias=False),
        )
        self.skip_2_16 = SLE(widths[512], widths[64])
        self.skip_4_32 = SLE(widths[256], widths[32])
        self.skip_8_64 = SLE(widths[128], widths[16])

        self.down_from_small = nn.Sequential(
            sn_conv2d(in_channels, widths[256], 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            DownBlock(widths[256], widths[128]),
            DownBlock(widths[128], widths[64]),
            DownBlock(widths[64], widths[32]),
        )
        self.logits_small = sn_conv2d(widths[32], 1, 4, 1, 0, bias=False)

        self.decoder_big = SimpleDecoder(widths[16], in_channels, decoder_channels)
        self.decoder_part = SimpleDecoder(widths[32], in_channels, decoder_channels)
        self.decoder_small = SimpleDecoder(widths[32], in_channels, decoder_channels)
        init_fastgan_weights(self)

    def forward(
        self,
        images: Union[torch.Tensor, List[torch.Tensor]],
        reconstruct: bool = False,
        quadrant: Optional[int] = None,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, Dict[str, torch.Tensor], int]]:
        """Score images; on request also reconstruct them.

        Args:
            images: A batch ``(B, C, H, W)``, resized here to ``im_size`` and 128 px, or the
                generator's ``[image, image_128]`` pair.
            reconstruct: Also return the three decoder outputs.
            quadrant: The quadrant (0-3) the part decoder reconstructs; random when None.

        Returns:
            Logits ``(B, 2, 5, 5)`` (big and small branch); with ``reconstruct`` also a dict of
            reconstructions ``big``, ``small``, ``part`` (each 128 px) and the quadrant index.
        """
        if isinstance(images, torch.Tensor):
            images = [
                F.interpolate(images, size=self.im_size, mode="nearest"),
                F.interpolate(images, size=128, mode="nearest"),
            ]
        big, small = images
        if big.shape[-1] != self.im_size or small.shape[-1] != 128:
            raise ValueError(
                f"Discriminator expects images of {self.im_size} and 128 px; got "
                f"{tuple(big.shape)} and {tuple(small.shape)}."
            )

        feat_2 = self.down_from_big(big)
        feat_4 = self.down_4(feat_2)
        feat_8 = self.down_8(feat_4)
        feat_16 = self.skip_2_16(feat_2, self.down_16(feat_8))
        feat_32 = self.skip_4_32(feat_4, self.down_32(feat_16))
        feat_last = self.skip_8_64(feat_8, self.down_64(feat_32))
        feat_small = self.down_from_small(small)
        logits = torch.cat([self.logits_big(feat_last), self.logits_small(feat_small)], dim=1)
        if not reconstruct:
            return logits

        if quadrant is None:
            quadrant = int(torch.randint(4, ()))
        reconstructions = {
            "big": self.decoder_big(feat_last),
            "small": self.decoder_small(feat_small),
            "part": self.decoder_part(crop_quadrant(feat_32, quadrant)),
        }
        return logits, reconstructions, quadrant
