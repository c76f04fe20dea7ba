"""Allowlist for loading MMEngine checkpoints with PyTorch's ``weights_only`` unpickler.

Since PyTorch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 calls ``torch.load`` without the argument, and its checkpoints hold
``HistoryBuffer`` objects of the message hub (numpy arrays, and the buffer's
statistics methods, which pickle as ``getattr(HistoryBuffer, 'mean')``). Both
``--resume`` and ``load_from`` therefore fail on such checkpoints. Adding these
globals keeps the safe unpickler instead of falling back to
``weights_only=False``. The unpickler still refuses to call any function that
is not on the list, so allowing ``getattr`` only lets a checkpoint look up
attributes, not run them.
"""
import builtins

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _numpy_globals() -> list:
    # numpy >= 2 moved the pickling helpers from numpy.core to numpy._core.
    core = getattr(np, "_core", None) or np.core
    found = [np.dtype, np.ndarray, core.multiarray._reconstruct, core.multiarray.scalar]
    found += [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith("DType")]
    return found


def allow_mmengine_checkpoint_globals() -> None:
    """Add the globals of MMEngine checkpoints to ``torch.serialization``'s safe list.

    Calling it more than once is harmless.
    """
    torch.serialization.add_safe_globals([HistoryBuffer, builtins.getattr] + _numpy_globals())
