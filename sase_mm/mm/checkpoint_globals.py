"""Loading MMEngine checkpoints with PyTorch's ``weights_only`` unpickler.

Since PyTorch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 calls ``torch.load`` without the argument, and its checkpoints hold
``HistoryBuffer`` objects of the message hub (numpy arrays, and the buffer's
statistics methods, which pickle as ``getattr(HistoryBuffer, 'mean')``). Both
``--resume`` and ``load_from`` therefore fail on such checkpoints.

Importing :mod:`sase_mm.mm` replaces MMEngine's loader of local files with
:func:`load_mmengine_checkpoint`, which allows exactly these globals for the
duration of one load. The safe unpickler stays in use, and the rest of the
process keeps PyTorch's own allowlist: ``builtins.getattr`` in particular is
never allowed outside these loads.
"""
import builtins
import os
from typing import List, Optional, Union

import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from sase_mm.models._checkpoint import read_checkpoint

__all__ = ["load_mmengine_checkpoint", "mmengine_checkpoint_globals",
           "register_mmengine_checkpoint_loader"]


def mmengine_checkpoint_globals() -> List[object]:
    """Return the globals of MMEngine checkpoints beyond the numpy types.

    :func:`sase_mm.models._checkpoint.read_checkpoint` allows the numpy
    arrays, scalars and dtypes in every load.
    """
    return [HistoryBuffer, builtins.getattr]


def load_mmengine_checkpoint(filename: Union[str, os.PathLike],
                             map_location: Optional[Union[str, torch.device]] = None) -> object:
    """Load a local MMEngine checkpoint with ``torch.load(..., weights_only=True)``.

    Args:
        filename (str | os.PathLike): Path of the checkpoint; ``~`` is expanded.
        map_location (str | torch.device, optional): As in ``torch.load``.
            Defaults to None.

    Returns:
        dict: The checkpoint, as MMEngine saved it.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        ValueError: If the file is damaged or contains objects other than
            those of :func:`mmengine_checkpoint_globals`.
    """
    filename = os.path.expanduser(os.fspath(filename))
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"Checkpoint {filename!r} not found; check the path.")
    return read_checkpoint(filename, mmengine_checkpoint_globals(), map_location)


def register_mmengine_checkpoint_loader() -> None:
    """Make MMEngine load local checkpoint files with :func:`load_mmengine_checkpoint`.

    It replaces the loader of paths without a scheme prefix (``load_from``,
    ``--resume``, ``init_cfg=dict(type='Pretrained', ...)``) for the whole
    process. Calling it more than once is harmless.
    """
    CheckpointLoader.register_scheme(prefixes="", loader=load_from_local, force=True)


def load_from_local(filename: str,
                    map_location: Optional[Union[str, torch.device]] = None) -> object:
    """Load a local checkpoint for MMEngine's ``CheckpointLoader``.

    See :func:`load_mmengine_checkpoint`.
    """
    # MMEngine logs a loader's name after its first 10 characters ("load_from_"), here "local".
    return load_mmengine_checkpoint(filename, map_location)
