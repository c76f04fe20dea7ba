"""Loading a trained FastGAN and writing image grids (the library side of tools/gan/fastgan_*.py)."""
import copy
import logging
import os
import tempfile
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torchvision.utils import make_grid
from torchvision.transforms.functional import to_pil_image

from sase_mm.gan.models.fastgan.model import FastGAN
from sase_mm.gan.registry import MODELS, SCOPE
from sase_mm.mm.checkpoint_globals import load_mmengine_checkpoint

__all__ = ["load_fastgan", "save_png", "save_image_grid"]

_logger = logging.getLogger(__name__)


def load_fastgan(
    config: Union[str, Config],
    checkpoint: Optional[str] = None,
    device: Union[str, torch.device] = "cpu",
) -> FastGAN:
    """Build the FastGAN of a config and load a checkpoint saved by the Runner.

    The reconstruction loss is replaced by the L1 loss, which sampling never uses, so that no LPIPS
    weights are needed.

    Args:
        config: Config file or object.
        checkpoint: Checkpoint file (``iter_N.pth``); None keeps the initial weights.
        device: Device of the returned model.

    Returns:
        The model in eval mode.

    Raises:
        FileNotFoundError: If the checkpoint does not exist.
        ValueError: If it was saved by another FastGAN architecture or size.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    init_default_scope(cfg.get("default_scope", SCOPE))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg["reconstruction_loss"] = dict(type="L1ReconstructionLoss")
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        if not os.path.isfile(checkpoint):
            raise FileNotFoundError(f"checkpoint {checkpoint!r} does not exist.")
        state = load_mmengine_checkpoint(checkpoint, map_location="cpu")
        state_dict = state.get("state_dict", state)
        state_dict = {
            key: value for key, value in state_dict.items()
            if not key.startswith(("reconstruction_loss.", "data_preprocessor."))
        }
        model.load_state_dict(state_dict, strict=True)
    return model.to(device).eval()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_png(image: torch.Tensor, path: str) -> None:
    """Write a ``(3, H, W)`` image in [0, 1] as a PNG, through a temporary file and ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=folder)
    os.close(handle)
    try:
        to_pil_image(image.detach().float().clamp(0, 1).cpu()).save(temporary, format="PNG")
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def save_image_grid(images: torch.Tensor, path: str, nrow: int = 4, padding: int = 2) -> None:
    """Write images in [-1, 1] of shape ``(N, 3, H, W)`` as one PNG grid with ``nrow`` per row."""
    grid = make_grid(images.detach().cpu().add(1).div(2), nrow=nrow, padding=padding, pad_value=1.0)
    save_png(grid, path)
