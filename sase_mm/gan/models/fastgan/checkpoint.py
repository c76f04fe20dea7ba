"""Loading MMEngine checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, and MMEngine 0.10.7 (which calls
it without that argument) cannot resume from its own checkpoints: their ``message_hub`` entry
holds ``HistoryBuffer`` objects and NumPy arrays. :func:`allow_mmengine_checkpoint_globals` adds
those types to torch's allowlist, so resuming works without turning the safe loader off.
"""
from typing import List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

__all__ = ["allow_mmengine_checkpoint_globals"]


def _numpy_globals() -> List[object]:
    multiarray = getattr(np, "_core", None) or np.core
    dtype_classes = [type(np.dtype(name)) for name in ("float64", "float32", "int64", "int32", "bool")]
    return [multiarray.multiarray._reconstruct, multiarray.multiarray.scalar, np.ndarray, np.dtype,
            *dtype_classes]


def allow_mmengine_checkpoint_globals() -> None:
    """Allow ``HistoryBuffer`` and NumPy arrays and scalars in ``weights_only`` loads."""
    # NOTE: a pickled HistoryBuffer refers to its statistics methods as getattr(buffer, 'min'),
    # so ``getattr`` is allowed too; the unpickler still calls only allowlisted functions.
    torch.serialization.add_safe_globals([HistoryBuffer, getattr, *_numpy_globals()])
