"""Shared helpers of the FastGAN tests: tiny configs and image folders."""
import os
from typing import Optional

import numpy as np
from mmengine.config import Config
from PIL import Image

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG_FOLDER = os.path.join(REPOSITORY, "configs", "fastgan")


def write_images(folder: str, count: int = 4, size=(40, 48), seed: int = 0) -> str:
    """Write ``count`` random RGB PNGs of ``size`` (height, width) into ``folder``."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"image_{index}.png"))
    return folder


def tiny_config(name: str, data_root: str, work_dir: str, max_iters: int = 2,
                checkpoint_interval: Optional[int] = None) -> Config:
    """Load ``configs/fastgan/<name>.py`` at minimal widths, with the L1 reconstruction loss."""
    cfg = Config.fromfile(os.path.join(CONFIG_FOLDER, f"{name}.py"))
    cfg.model.generator.ngf = 4
    cfg.model.discriminator.ndf = 4
    cfg.model.discriminator.decoder_channels = 4
    cfg.model.reconstruction_loss = dict(type="L1ReconstructionLoss")
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.train_cfg.max_iters = max_iters
    cfg.default_hooks.checkpoint.interval = checkpoint_interval or max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    cfg.randomness = dict(seed=0)
    cfg.work_dir = work_dir
    return cfg
