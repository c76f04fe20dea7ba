"""Reading checkpoint files and comparing their keys with a model, with clear errors."""
from __future__ import annotations

import argparse
import logging
import os
from typing import Callable, Dict, Iterable, List, Mapping, Sequence, Union

import numpy as np
import torch
from torch import nn

__all__ = ["load_state_dict_file", "read_checkpoint", "check_state_dict", "StateDictMismatch"]

MapLocation = Union[str, torch.device, Dict[str, str], Callable, None]

_logger = logging.getLogger(__name__)

# Keys under which training frameworks nest the weights: timm's train.py and
# MMEngine ('state_dict'), other exporters ('model', 'module').
_NESTED_KEYS = ("state_dict", "model", "module")
# Prefixes added by DistributedDataParallel and by torch.compile.
_WRAPPER_PREFIXES = ("module.", "_orig_mod.")
_MAX_LISTED_KEYS = 10


class StateDictMismatch(ValueError):
    """A state dict whose keys or shapes do not fit the model it is loaded into."""


def _metadata_safe_globals() -> list:
    """Return the non-tensor types that training scripts store beside the weights.

    timm's ``train.py`` stores its ``argparse.Namespace`` and metrics as numpy
    scalars; reading them keeps ``weights_only=True`` safe because none of
    these types runs code when unpickled.
    """
    core = getattr(np, "_core", None) or np.core
    found = [argparse.Namespace, np.dtype, core.multiarray.scalar, core.multiarray._reconstruct,
             np.ndarray]
    found += [getattr(np.dtypes, name) for name in dir(np.dtypes) if name.endswith("DType")]
    return found


def read_checkpoint(
    path: str,
    allowed_globals: Sequence[object] = (),
    map_location: MapLocation = "cpu",
) -> object:
    """Load a checkpoint file with ``torch.load(..., weights_only=True)`` and clear errors.

    The numpy and ``argparse`` types that training scripts store beside the
    weights, and ``allowed_globals``, are allowed for this load only.

    Args:
        path: Path of a file written by ``torch.save``.
        allowed_globals: More classes and functions that the file may contain.
        map_location: As in ``torch.load``.

    Returns:
        The loaded object.

    Raises:
        ValueError: If the file cannot be read as a PyTorch checkpoint or
            contains objects that are not allowed.
    """
    # torch.serialization.safe_globals removes its globals on exit, also those that were
    # allowed before, so it gets only the missing ones.
    # NOTE: the allowlist is process-wide: loads from two threads at once can remove each
    # other's globals. Load checkpoints from one thread.
    allowed = set(torch.serialization.get_safe_globals())
    candidates = [*_metadata_safe_globals(), *allowed_globals]
    missing = [item for item in candidates if item not in allowed]
    try:
        with torch.serialization.safe_globals(missing):
            return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch.load raises many types for damaged files.
        # Bytes that are not a pickle at all also fail inside the weights-only unpickler
        # ("Unsupported operand"): those files are damaged, not unsafe.
        weights_only_failure = "Weights only load failed" in str(error)
        if weights_only_failure and "Unsupported operand" not in _unpickler_reason(str(error)):
            raise ValueError(
                f"Checkpoint {path!r} contains Python objects that torch.load(weights_only=True) "
                f"does not load ({_unpickler_reason(str(error))}). If you trust the file, "
                "save its weights alone with torch.save(torch.load(path, weights_only=False)"
                "['state_dict'], 'weights.pth') and load that file."
            ) from error
        detail = _unpickler_reason(str(error)) if weights_only_failure else str(error)
        raise ValueError(
            f"Could not read checkpoint {path!r} ({type(error).__name__}: {detail}). The file is "
            "damaged (for example truncated by an interrupted copy) or was not written by "
            "torch.save; copy or save it again."
        ) from error


def _unpickler_reason(message: str) -> str:
    """Return the line of a ``weights_only`` failure that names the refused object."""
    # PyTorch puts the reason after "WeightsUnpickler error:", on the same line or the next.
    marker = "WeightsUnpickler error:"
    if marker in message:
        reason = message.split(marker, 1)[1].strip()
        return reason.splitlines()[0].strip() if reason else message
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[-1] if lines else message


def load_state_dict_file(
    path: str | os.PathLike, allowed_globals: Sequence[object] = ()
) -> Dict[str, torch.Tensor]:
    """Read a state dict from a checkpoint file on the CPU with ``weights_only=True``.

    Unwraps the usual nesting (``state_dict``, ``model``, ``module``) and the
    ``module.`` and ``_orig_mod.`` prefixes that ``DistributedDataParallel`` and
    ``torch.compile`` add.

    Args:
        path: Path of a file written by ``torch.save``.
        allowed_globals: More classes and functions that the file may contain
            beside the weights (see :func:`read_checkpoint`).

    Returns:
        The mapping of parameter and buffer names to tensors.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file cannot be read as a PyTorch checkpoint (for
            example, it is truncated), stores objects that are unsafe to
            unpickle, or contains no tensors.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Checkpoint file not found: {path!r}. Check the path.")
    checkpoint = read_checkpoint(path, allowed_globals)

    for key in _NESTED_KEYS:
        if isinstance(checkpoint, Mapping) and isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, Mapping) or not any(
        isinstance(value, torch.Tensor) for value in checkpoint.values()
    ):
        found = sorted(map(str, checkpoint)) if isinstance(checkpoint, Mapping) else type(checkpoint)
        raise ValueError(
            f"Checkpoint {path!r} contains no state dict of tensors (found {found}). Save the "
            "weights with torch.save(model.state_dict(), path)."
        )

    state_dict = {key: value for key, value in checkpoint.items() if isinstance(value, torch.Tensor)}
    for prefix in _WRAPPER_PREFIXES:
        if all(key.startswith(prefix) for key in state_dict):
            state_dict = {key[len(prefix):]: value for key, value in state_dict.items()}
    return state_dict


def _format_keys(keys: List[str]) -> str:
    listed = ", ".join(keys[:_MAX_LISTED_KEYS])
    remaining = len(keys) - _MAX_LISTED_KEYS
    return listed + (f" and {remaining} more" if remaining > 0 else "")


def _common_prefix_hint(keys: Iterable[str], expected: Iterable[str]) -> str:
    """Suggest a prefix to strip when the checkpoint's keys carry one the model lacks."""
    keys = list(keys)
    expected = set(expected)
    prefixes = {key.split(".", 1)[0] + "." for key in keys if "." in key}
    for prefix in sorted(prefixes):
        stripped = [key[len(prefix):] for key in keys if key.startswith(prefix)]
        if sum(key in expected for key in stripped) > len(expected) // 2:
            return (f" Most checkpoint keys start with {prefix!r}: strip that prefix (for "
                    "OpenMMLab checkpoints, use prefix='backbone.' or the converter in "
                    "tools/model_converters/).")
    return ""


def check_state_dict(
    model: nn.Module,
    state_dict: Mapping[str, torch.Tensor],
    source: str = "checkpoint",
) -> None:
    """Raise if ``state_dict`` does not fit ``model`` key for key and shape for shape.

    Missing ``num_batches_tracked`` buffers are accepted, as
    ``nn.Module.load_state_dict`` accepts them.

    Args:
        model: The module the weights are meant for.
        state_dict: The weights.
        source: Name of the weights' origin, used in the message.

    Raises:
        StateDictMismatch: Listing the missing keys, the unexpected keys and
            the keys whose shapes differ.
    """
    expected = model.state_dict()
    missing = sorted(
        key for key in set(expected) - set(state_dict) if not key.endswith("num_batches_tracked")
    )
    unexpected = sorted(set(state_dict) - set(expected))
    mismatched = sorted(
        f"{key} {tuple(state_dict[key].shape)} vs model {tuple(expected[key].shape)}"
        for key in set(expected) & set(state_dict)
        if tuple(expected[key].shape) != tuple(state_dict[key].shape)
    )
    if not (missing or unexpected or mismatched):
        return

    problems = []
    if missing:
        problems.append(f"{len(missing)} missing keys ({_format_keys(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys ({_format_keys(unexpected)})")
    if mismatched:
        problems.append(f"{len(mismatched)} shape mismatches ({_format_keys(mismatched)})")
    hint = _common_prefix_hint(state_dict, expected)
    raise StateDictMismatch(
        f"The weights in {source} do not fit {type(model).__name__}: "
        + "; ".join(problems)
        + ". Check that the file was saved from the same architecture and depth."
        + hint
    )
