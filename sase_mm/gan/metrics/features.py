"""Feature extraction in batches, and the per-folder feature cache.

Features of a real-image folder are stored under a cache folder. The key covers the
folder's file names, sizes and modification times and a fingerprint of the extractor's
parameters and buffers, so any change to one of them computes the features anew. Cache
files are numpy ``.npz`` archives read with ``allow_pickle=False`` and written to a
temporary name first, then renamed, so an interrupted run never leaves a broken file.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from sase_mm.gan.metrics.images import iterate_batches, list_images

__all__ = [
    "DEFAULT_CACHE_DIR",
    "extract_features",
    "folder_features",
    "module_fingerprint",
]

_logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path(
    os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")
) / "sase_mm" / "gan_features"


def module_fingerprint(module: nn.Module) -> str:
    """Return a hash of a module's class, parameters and buffers (identifies an extractor)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(type(module).__qualname__.encode())
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    for name, value in sorted(vars(module).items()):
        if isinstance(value, (bool, int, float, str)):
            digest.update(f"{name}={value!r}".encode())
    return digest.hexdigest()


@torch.no_grad()
def extract_features(
    batches: Iterable[torch.Tensor],
    extractor: Callable[[torch.Tensor], torch.Tensor],
    device: torch.device | str | None = None,
    progress: bool = True,
    total: int | None = None,
    description: str = "features",
) -> np.ndarray:
    """Run an extractor over image batches and stack the features.

    Args:
        batches: Float image batches in [0, 1], shape (B, 3, H, W).
        extractor: Maps a batch to features of shape (B, D).
        device: Device the batches are moved to; None uses the extractor's device.
        progress: Show a progress bar. Defaults to True.
        total: Number of batches, for the progress bar.
        description: Label of the progress bar.

    Returns:
        Float32 array of shape (N, D).
    """
    if device is None and isinstance(extractor, nn.Module):
        device = next(iter(extractor.parameters()), torch.empty(0)).device
    features = []
    for batch in tqdm(batches, total=total, desc=description, disable=not progress, leave=False):
        features.append(extractor(batch.to(device)).float().cpu().numpy())
    return np.concatenate(features, axis=0)


def _folder_key(files: list[Path], extractor_id: str) -> str:
    digest = hashlib.sha256(extractor_id.encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _write_npz_atomically(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def folder_features(
    folder: str | os.PathLike,
    extractor: nn.Module,
    batch_size: int = 50,
    cache_dir: str | os.PathLike | None = DEFAULT_CACHE_DIR,
    progress: bool = True,
    extractor_id: str | None = None,
) -> np.ndarray:
    """Compute (or read from the cache) the features of every image in a folder.

    Args:
        folder: Folder of image files of one size.
        extractor: Module mapping float images in [0, 1] to features (B, D).
        batch_size: Images per forward pass. Defaults to 50.
        cache_dir: Folder of the feature cache; None disables the cache. Defaults to
            ``$XDG_CACHE_HOME/sase_mm/gan_features`` (``~/.cache/...``).
        progress: Show a progress bar. Defaults to True.
        extractor_id: Identity of the extractor in the cache key; None uses
            :func:`module_fingerprint`.

    Returns:
        Float32 array of shape (N, D), in the order of :func:`list_images`.
    """
    files = list_images(folder)
    cache_file = None
    if cache_dir is not None:
        extractor_id = extractor_id or module_fingerprint(extractor)
        key = _folder_key(files, extractor_id)
        cache_file = Path(cache_dir) / f"{Path(folder).resolve().name}-{key}.npz"
        if cache_file.is_file():
            with np.load(cache_file, allow_pickle=False) as archive:
                _logger.info("Read cached features of %s from %s", folder, cache_file)
                return archive["features"]

    num_batches = -(-len(files) // batch_size)
    features = extract_features(
        iterate_batches(files, batch_size), extractor, progress=progress, total=num_batches,
        description=f"features of {Path(folder).name}",
    )
    if cache_file is not None:
        _write_npz_atomically(cache_file, features=features)
        _logger.info("Cached features of %s in %s", folder, cache_file)
    return features
