"""Loading MMEngine checkpoints with PyTorch's ``weights_only`` unpickler.

Since PyTorch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine
0.10.7 calls ``torch.load`` without the argument, and its checkpoints hold
``HistoryBuffer`` objects of the message hub (numpy arrays, and the buffer's
statistics methods, which pickle as ``getattr(HistoryBuffer, 'mean')``). Both
``--resume`` and ``load_from`` therefore fail on such checkpoints.

Importing :mod:`sase_mm.mm` replaces MMEngine's loader of local files with
:func:`load_mmengine_checkpoint`, which allows ``HistoryBuffer`` and a
restricted ``getattr`` for the duration of one load. The restricted
``getattr`` resolves only public methods of ``HistoryBuffer``: the real one
would let a crafted file reach a function's ``__globals__`` and overwrite
module variables. The rest of the process keeps PyTorch's own allowlist.
"""
import os
import pickle
from typing import Callable, List, Optional, Union

import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from sase_mm.models._checkpoint import read_checkpoint

__all__ = ["load_mmengine_checkpoint", "mmengine_checkpoint_globals",
           "register_mmengine_checkpoint_loader"]


def history_buffer_method(owner: object, name: str) -> Callable:
    """Return ``getattr(owner, name)`` if it is a public method of ``HistoryBuffer``.

    It replaces ``builtins.getattr`` while an MMEngine checkpoint is
    unpickled.

    Raises:
        pickle.UnpicklingError: For any other owner or attribute.
    """
    if owner is not HistoryBuffer or name.startswith("_") or not callable(
            vars(HistoryBuffer).get(name)):
        raise pickle.UnpicklingError(
            f"the checkpoint looks up getattr({owner!r}, {name!r}); MMEngine checkpoints look up "
            "only public HistoryBuffer methods this way. Load a file you trust with "
            "torch.load(path, weights_only=False).")
    return getattr(HistoryBuffer, name)


def mmengine_checkpoint_globals() -> List[object]:
    """Return the globals of MMEngine checkpoints beyond the numpy types.

    :func:`sase_mm.models._checkpoint.read_checkpoint` allows the numpy
    arrays, scalars and dtypes in every load. ``builtins.getattr`` maps to
    :func:`history_buffer_method`.
    """
    return [HistoryBuffer, (history_buffer_method, "builtins.getattr")]


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
        IsADirectoryError: If ``filename`` is a folder.
        ValueError: If the file is damaged or contains objects other than
            those of :func:`mmengine_checkpoint_globals`.
    """
    filename = os.path.expanduser(os.fspath(filename))
    if os.path.isdir(filename):
        raise IsADirectoryError(f"Checkpoint {filename!r} is a folder; pass the .pth file in it.")
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
