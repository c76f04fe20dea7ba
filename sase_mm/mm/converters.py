"""Conversion of SASE-ResNet weights between timm, mmpretrain and mmdet layouts.

The OpenMMLab backbone ``SASEResNet`` contains the stem and stages of the timm
network under the same names, so the three layouts differ only in prefixes:

* ``timm``: a flat state dict, backbone keys (``conv1.weight``, ``layer1.0...``)
  plus the classifier ``fc.weight`` / ``fc.bias``.
* ``mmpretrain``: ``{'meta': ..., 'state_dict': ...}`` with ``backbone.<key>``
  and the ``LinearClsHead`` classifier ``head.fc.weight`` / ``head.fc.bias``.
* ``mmdet``: as output, a backbone-only checkpoint ``{'meta': ..., 'state_dict':
  {<key>: ...}}`` for ``backbone.init_cfg=dict(type='Pretrained', checkpoint=FILE)``.
  As input, either that file or a whole detector checkpoint, whose
  ``backbone.`` keys are kept and whose neck and heads are dropped.
"""
import os
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import torch

from sase_mm.mm.checkpoint_globals import mmengine_checkpoint_globals
from sase_mm.models._checkpoint import load_state_dict_file

FORMATS = ("timm", "mmpretrain", "mmdet")

_TIMM_CLASSIFIER = "fc."
_MMPRETRAIN_BACKBONE = "backbone."
_MMPRETRAIN_CLASSIFIER = "head.fc."

StateDict = Dict[str, torch.Tensor]


def _strip(state_dict: StateDict, prefix: str) -> StateDict:
    return {key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)}


def split_checkpoint(state_dict: StateDict, source_format: str) -> Tuple[StateDict, Optional[StateDict]]:
    """Split a checkpoint's weights into backbone weights and classifier weights.

    Args:
        state_dict: The flat state dict of a checkpoint in ``source_format``,
            as :func:`sase_mm.models._checkpoint.load_state_dict_file` returns it (the
            ``state_dict`` / ``model`` nesting already removed).
        source_format: One of ``'timm'``, ``'mmpretrain'``, ``'mmdet'``.

    Returns:
        ``(backbone, classifier)``: backbone keys as in timm, and the
        classifier as ``{'weight', 'bias'}`` or None when there is none.

    Raises:
        ValueError: If the format is unknown or the checkpoint contains no
            backbone weights in that format.
    """
    if source_format not in FORMATS:
        raise ValueError(f"unknown checkpoint format {source_format!r}; choose one of {FORMATS}")

    if source_format == "timm":
        classifier = _strip(state_dict, _TIMM_CLASSIFIER)
        backbone = {k: v for k, v in state_dict.items() if not k.startswith(_TIMM_CLASSIFIER)}
    elif source_format == "mmpretrain":
        classifier = _strip(state_dict, _MMPRETRAIN_CLASSIFIER)
        backbone = _strip(state_dict, _MMPRETRAIN_BACKBONE)
    else:
        classifier = {}
        backbone = _strip(state_dict, _MMPRETRAIN_BACKBONE) or dict(state_dict)

    if not backbone or "conv1.weight" not in backbone:
        sample = ", ".join(list(state_dict)[:5])
        raise ValueError(
            f"no SASE-ResNet backbone weights found for format {source_format!r} "
            f"(expected a conv1.weight key after removing the prefix); the first keys are: {sample}"
        )
    return backbone, (classifier or None)


def join_checkpoint(
    backbone: StateDict, classifier: Optional[StateDict], target_format: str
) -> dict:
    """Build a checkpoint in ``target_format`` from backbone and classifier weights.

    Args:
        backbone: Backbone weights with timm key names.
        classifier: ``{'weight', 'bias'}`` of the classifier, or None. The
            ``mmdet`` format drops it.
        target_format: One of ``'timm'``, ``'mmpretrain'``, ``'mmdet'``.

    Returns:
        The checkpoint: a flat state dict for timm, ``{'meta', 'state_dict'}``
        otherwise.

    Raises:
        ValueError: If the format is unknown.
    """
    if target_format not in FORMATS:
        raise ValueError(f"unknown checkpoint format {target_format!r}; choose one of {FORMATS}")
    classifier = classifier or {}

    if target_format == "timm":
        state_dict = dict(backbone)
        state_dict.update({_TIMM_CLASSIFIER + k: v for k, v in classifier.items()})
        return state_dict

    if target_format == "mmpretrain":
        state_dict = {_MMPRETRAIN_BACKBONE + k: v for k, v in backbone.items()}
        state_dict.update({_MMPRETRAIN_CLASSIFIER + k: v for k, v in classifier.items()})
    else:
        state_dict = dict(backbone)
    return {"meta": {"converted_to": target_format}, "state_dict": state_dict}


def convert_checkpoint(
    source: Union[str, Path],
    target: Union[str, Path],
    source_format: str,
    target_format: str,
) -> dict:
    """Convert a checkpoint file and write the result atomically.

    Args:
        source: Checkpoint to read.
        target: File to write (its folder is created).
        source_format: Layout of ``source``.
        target_format: Layout to write.

    Returns:
        The written checkpoint.

    Raises:
        FileNotFoundError: If ``source`` does not exist.
        ValueError: If ``source`` is not a readable checkpoint of tensors; see also
            :func:`split_checkpoint` and :func:`join_checkpoint`.
    """
    target = Path(target)
    state_dict = load_state_dict_file(source, allowed_globals=mmengine_checkpoint_globals())
    backbone, classifier = split_checkpoint(state_dict, source_format)
    converted = join_checkpoint(backbone, classifier, target_format)

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        torch.save(converted, partial)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return converted
