"""Reading checkpoint files and comparing their keys with a model, with clear errors."""
from __future__ import annotations

import logging
import os
import pickle
import zipfile
from typing import Dict, Iterable, List, Mapping

import torch
from torch import nn

__all__ = ["load_state_dict_file", "check_state_dict", "StateDictMismatch"]

_logger = logging.getLogger(__name__)

# Keys under which training frameworks nest the weights (timm, mmengine, plain DDP scripts).
_NESTED_KEYS = ("state_dict", "model", "module")
_MAX_LISTED_KEYS = 10


class StateDictMismatch(ValueError):
    """A state dict whose keys or shapes do not fit the model it is loaded into."""


def load_state_dict_file(path: str | os.PathLike) -> Dict[str, torch.Tensor]:
    """Read a state dict from a checkpoint file on the CPU with ``weights_only=True``.

    Unwraps the usual nesting (``state_dict``, ``model``, ``module``) and the
    ``module.`` prefix that ``DistributedDataParallel`` adds.

    Args:
        path: Path of a file written by ``torch.save``.

    Returns:
        The mapping of parameter and buffer names to tensors.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file cannot be read as a PyTorch checkpoint (for
            example, it is truncated) or holds no tensors.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Checkpoint file not found: {path!r}. Check the path.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"Could not read checkpoint {path!r} ({type(error).__name__}: {error}). The file "
            "may be truncated or not written by torch.save; re-create it with "
            "torch.save(model.state_dict(), path)."
        ) from error

    for key in _NESTED_KEYS:
        if isinstance(checkpoint, Mapping) and isinstance(checkpoint.get(key), Mapping):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, Mapping) or not any(
        isinstance(value, torch.Tensor) for value in checkpoint.values()
    ):
        raise ValueError(f"Checkpoint {path!r} holds no state dict of tensors.")

    state_dict = {key: value for key, value in checkpoint.items() if isinstance(value, torch.Tensor)}
    if all(key.startswith("module.") for key in state_dict):
        state_dict = {key[len("module."):]: value for key, value in state_dict.items()}
    return state_dict


def _format_keys(keys: List[str]) -> str:
    shown = ", ".join(keys[:_MAX_LISTED_KEYS])
    more = len(keys) - _MAX_LISTED_KEYS
    return shown + (f" and {more} more" if more > 0 else "")


def _common_prefix_hint(keys: Iterable[str], expected: Iterable[str]) -> str:
    """Suggest a prefix to strip when every key carries one the model lacks."""
    keys = list(keys)
    expected = set(expected)
    if not keys:
        return ""
    first = keys[0].split(".", 1)[0] + "."
    if all(key.startswith(first) for key in keys) and any(
        key[len(first):] in expected for key in keys
    ):
        return f" Every checkpoint key starts with {first!r}: strip that prefix first."
    return ""


def check_state_dict(
    model: nn.Module,
    state_dict: Mapping[str, torch.Tensor],
    source: str = "checkpoint",
) -> None:
    """Raise if ``state_dict`` does not fit ``model`` key for key and shape for shape.

    Args:
        model: The module the weights are meant for.
        state_dict: The weights.
        source: Name of the weights' origin, used in the message.

    Raises:
        StateDictMismatch: Listing the missing keys, the unexpected keys and
            the keys whose shapes differ.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
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
