"""Few-shot image folder: every readable image below a folder, as RGB tensors in [-1, 1]."""
import logging
import os
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from sase_mm.gan.registry import DATASETS

__all__ = ["FewShotImageFolder", "IMAGE_EXTENSIONS"]

_logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
RESIZE_MODES = ("resize", "center_crop")


@DATASETS.register_module()
class FewShotImageFolder(Dataset):
    """Images of a folder (searched recursively) for unconditional GAN training.

    Greyscale, palette and RGBA images are converted to RGB (alpha is dropped). A non-square image
    is either resized to a square, which changes its aspect ratio (``resize_mode='resize'``), or
    centre-cropped to its shorter side first (``'center_crop'``). Images smaller than ``im_size``
    are upsampled (bilinear) with a warning. Unreadable files are skipped with a warning naming
    them.

    Args:
        data_root (str): Folder with the images.
        im_size (int): Side of the square output images.
        resize_mode (str): ``'resize'`` or ``'center_crop'``. Defaults to ``'resize'``, as the
            official FastGAN code does.
        horizontal_flip (bool): Flip each image horizontally with probability 0.5, as FastGAN
            does. Defaults to True.
        extensions (Sequence[str]): File extensions to read. Defaults to jpg, jpeg, png, webp, bmp.

    Raises:
        FileNotFoundError: If ``data_root`` does not exist or holds no readable image.
        ValueError: If ``im_size`` is not positive or ``resize_mode`` is unknown.
    """

    def __init__(
        self,
        data_root: str,
        im_size: int,
        resize_mode: str = "resize",
        horizontal_flip: bool = True,
        extensions: Sequence[str] = IMAGE_EXTENSIONS,
    ) -> None:
        if not isinstance(im_size, int) or im_size < 1:
            raise ValueError(f"im_size={im_size!r} must be a positive integer.")
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f"resize_mode={resize_mode!r} is not supported; use one of {RESIZE_MODES}.")
        if not os.path.isdir(data_root):
            raise FileNotFoundError(f"data_root {data_root!r} is not a folder; point it at your images.")
        self.data_root = data_root
        self.im_size = im_size
        self.resize_mode = resize_mode
        self.horizontal_flip = horizontal_flip
        self.extensions = tuple(extension.lower() for extension in extensions)
        self.paths = self._scan()
        if not self.paths:
            raise FileNotFoundError(
                f"data_root {data_root!r} holds no readable image with an extension in "
                f"{self.extensions}."
            )
        self.metainfo = dict(data_root=data_root, num_images=len(self.paths))

    def _scan(self) -> List[str]:
        candidates = []
        for folder, _, names in sorted(os.walk(self.data_root)):
            candidates += [
                os.path.join(folder, name) for name in sorted(names)
                if name.lower().endswith(self.extensions)
            ]
        readable, small = [], []
        for path in candidates:
            try:
                with Image.open(path) as image:
                    image.verify()
                    width, height = image.size
            except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
                _logger.warning("Skipping unreadable image %s: %s", path, error)
                continue
            readable.append(path)
            if min(width, height) < self.im_size:
                small.append(path)
        if small:
            _logger.warning(
                "%d of %d images are smaller than im_size=%d and will be upsampled, for example %s.",
                len(small), len(readable), self.im_size, small[0],
            )
        return readable

    def __len__(self) -> int:
        return len(self.paths)

    def load_image(self, index: int) -> torch.Tensor:
        """Return image ``index`` as a float tensor ``(3, im_size, im_size)`` in [-1, 1]."""
        with Image.open(self.paths[index]) as image:
            array = np.asarray(image.convert("RGB"), dtype=np.float32)
        tensor = torch.from_numpy(array).permute(2, 0, 1) / 127.5 - 1.0
        height, width = tensor.shape[-2:]
        if self.resize_mode == "center_crop" and height != width:
            side = min(height, width)
            top, left = (height - side) // 2, (width - side) // 2
            tensor = tensor[:, top:top + side, left:left + side]
        if tensor.shape[-2:] != (self.im_size, self.im_size):
            tensor = F.interpolate(
                tensor.unsqueeze(0), size=(self.im_size, self.im_size), mode="bilinear",
                align_corners=False, antialias=True,
            ).squeeze(0)
        return tensor.clamp_(-1.0, 1.0)

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        image = self.load_image(index)
        if self.horizontal_flip and torch.rand(()) < 0.5:
            image = image.flip(-1)
        return {"inputs": image}
