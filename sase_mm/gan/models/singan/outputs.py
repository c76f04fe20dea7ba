"""Loading trained single-image GANs and writing PNG grids, for the SinGAN tools."""

import os
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from PIL import Image
from torchvision.utils import make_grid

from sase_mm.gan.models.singan.base import SingleImageGAN
from sase_mm.gan.models.singan.pyramid import image_to_uint8
from sase_mm.gan.registry import MODELS
# Importing sase_mm.mm installs the loader that MMEngine's load_checkpoint needs for our files.
import sase_mm.mm  # noqa: F401

__all__ = ["load_trained_model", "save_png", "save_png_grid"]


def load_trained_model(
    config: str,
    checkpoint: str,
    cfg_options: Optional[dict] = None,
    device: Optional[str] = None,
) -> SingleImageGAN:
    """Build the model of ``config`` and load ``checkpoint`` into it, in eval mode.

    Args:
        config: Config file the checkpoint was trained with.
        checkpoint: Checkpoint file written by the training run.
        cfg_options: Config overrides (for example ``{'model.image_path': ...}``).
        device: Device; defaults to CUDA when available, else the CPU.

    Returns:
        The model.

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
        ValueError: If the checkpoint was trained on another pyramid or architecture than the
            config gives.
    """
    for path in (config, checkpoint):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path!r} not found; pass an existing config and checkpoint.")
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get("default_scope", "sase_gan"))
    model = MODELS.build(cfg.model)
    try:
        load_checkpoint(model, checkpoint, map_location="cpu", strict=True)
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[0]
        raise ValueError(
            f"Checkpoint {checkpoint!r} does not fit the model that {config!r} builds "
            f"({first_line}); pass the config and --cfg-options it was trained with."
        ) from error
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return model.to(device).eval()


def save_png(array, path: str) -> None:
    """Write a uint8 ``(H, W, 3)`` array to ``path`` through a temporary file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{os.path.basename(path)}.tmp")
    Image.fromarray(array).save(temporary, format="PNG")
    os.replace(temporary, path)


def save_png_grid(
    images: Sequence[torch.Tensor], path: str, nrow: int = 4, padding: int = 2
) -> None:
    """Write images in ``[-1, 1]`` (``(C, H, W)`` each, one size) as one PNG grid.

    Args:
        images: The images; greyscale ones are shown in grey.
        path: Output PNG file.
        nrow: Images per row. Defaults to 4.
        padding: White pixels between images. Defaults to 2.
    """
    batch = torch.stack([image.detach().float().cpu() for image in images])
    if batch.shape[1] == 1:
        batch = batch.expand(-1, 3, -1, -1)
    grid = make_grid(batch, nrow=nrow, padding=padding, pad_value=1.0)
    save_png(image_to_uint8(grid), path)
