"""OpenMMLab backbone around the SASE-ResNet network of :mod:`sase_mm.models`."""
import logging
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader
from torch.nn.modules.batchnorm import _BatchNorm

from sase_mm.models.sase_resnet import SASE_RESNET_DEPTHS, SASEResNet

STAGE_NAMES = ("layer1", "layer2", "layer3", "layer4")
STEM_NAMES = ("conv1", "bn1", "act1", "maxpool")

# Classifier keys of a timm checkpoint; the backbone ignores them when loading.
_TIMM_CLASSIFIER_PREFIX = "fc."


def _make_norm_factory(norm_cfg: Dict) -> Callable[..., nn.Module]:
    """Turn an OpenMMLab ``norm_cfg`` into the ``norm_layer`` callable timm blocks call."""

    def make_norm(num_features: int, device=None, dtype=None, **kwargs) -> nn.Module:
        cfg = dict(norm_cfg)
        cfg.update(kwargs)
        _, layer = build_norm_layer(cfg, num_features)
        if device is not None or dtype is not None:
            layer = layer.to(device=device, dtype=dtype)
        return layer

    return make_norm


@MODELS.register_module(name="SASEResNet")
class SASEResNetBackbone(BaseModule):
    """SASE-ResNet backbone for MMPretrain and MMDetection.

    The stem and the four stages are the modules of
    :class:`sase_mm.models.sase_resnet.SASEResNet`, the network behind the
    timm models ``sase_resnet26/50/101``, under the same names. A timm state
    dict therefore loads into this backbone without renaming (its ``fc.``
    classifier keys are ignored).

    Args:
        depth (int): Network depth, one of 26, 50 and 101. Defaults to 50.
        in_channels (int): Number of input image channels. Defaults to 3.
        num_stages (int): Number of stages. Only 4 is supported; the argument
            exists so that ResNet configs can switch ``type`` to
            ``'SASEResNet'``. Defaults to 4.
        out_indices (Sequence[int]): Stages whose outputs are returned, from
            0 to 3 (negative values count from the end). Defaults to ``(3, )``.
        style (str): Only ``'pytorch'`` (the stride sits in the 3x3 layer,
            here the SASE layer) is supported. Defaults to ``'pytorch'``.
        frozen_stages (int): Stages to freeze (no gradients, norm layers in
            eval mode). ``-1`` freezes nothing, ``0`` the stem, ``i`` the stem
            and stages 1 to i. Defaults to -1.
        norm_cfg (dict): Config of the norm layers, for example
            ``dict(type='SyncBN', requires_grad=True)``.
            Defaults to ``dict(type='BN', requires_grad=True)``.
        norm_eval (bool): Keep all BatchNorm layers in eval mode during
            training, so that their statistics stay fixed. Defaults to False.
        drop_path_rate (float): Stochastic depth rate, increasing linearly
            over the blocks. Defaults to 0.
        heads (int): Number of SASE heads (groups) g. Defaults to 4.
        key_reduction (int): Channel reduction inside the key branch.
            Defaults to 4.
        se_reduction (int): Reduction of the squeeze-excitation query.
            Defaults to 4.
        init_cfg (dict | list[dict], optional): Initialisation config.
            ``dict(type='Pretrained', checkpoint=FILE, prefix='backbone.')``
            loads weights strictly and names mismatched keys. None keeps the
            network's own initialisation. Defaults to None.
    """

    def __init__(
        self,
        depth: int = 50,
        in_channels: int = 3,
        num_stages: int = 4,
        out_indices: Sequence[int] = (3,),
        style: str = "pytorch",
        frozen_stages: int = -1,
        norm_cfg: Optional[Dict] = None,
        norm_eval: bool = False,
        drop_path_rate: float = 0.0,
        heads: int = 4,
        key_reduction: int = 4,
        se_reduction: int = 4,
        init_cfg: Optional[Union[Dict, List[Dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in SASE_RESNET_DEPTHS:
            raise ValueError(f"invalid depth {depth!r} for SASEResNet; choose one of {sorted(SASE_RESNET_DEPTHS)}")
        if num_stages != 4:
            raise ValueError(f"SASEResNet has 4 stages, got num_stages={num_stages!r}; remove the argument")
        if style != "pytorch":
            raise ValueError(f"SASEResNet supports style='pytorch' only, got style={style!r}")
        if not isinstance(frozen_stages, int) or not -1 <= frozen_stages <= 4:
            raise ValueError(
                f"frozen_stages={frozen_stages!r} is out of range; use -1 (nothing), 0 (stem) or 1 to 4 (stages)"
            )
        self.out_indices = self._normalize_out_indices(out_indices)
        self.depth = depth
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.norm_cfg = dict(norm_cfg) if norm_cfg is not None else dict(type="BN", requires_grad=True)

        network = SASEResNet(
            layers=SASE_RESNET_DEPTHS[depth],
            num_classes=0,
            in_chans=in_channels,
            heads=heads,
            key_reduction=key_reduction,
            se_reduction=se_reduction,
            drop_path_rate=drop_path_rate,
            norm_layer=_make_norm_factory(self.norm_cfg),
        )
        # Adopt the stem and stages; the pooling and the classifier of the
        # network stay out so that the state dict is the timm backbone's.
        for name in STEM_NAMES + STAGE_NAMES:
            self.add_module(name, getattr(network, name))
        stage_infos = [info for info in network.feature_info if info["module"] in STAGE_NAMES]
        self.stage_channels = tuple(info["num_chs"] for info in stage_infos)
        self.stage_reductions = tuple(info["reduction"] for info in stage_infos)

        self._freeze_stages()

    @staticmethod
    def _normalize_out_indices(out_indices: Sequence[int]) -> Tuple[int, ...]:
        if isinstance(out_indices, int):
            out_indices = (out_indices,)
        if len(out_indices) == 0:
            raise ValueError("out_indices is empty; pass stage indices from 0 to 3, for example (3, )")
        normalized = []
        for index in out_indices:
            if not isinstance(index, int) or not -4 <= index <= 3:
                raise ValueError(
                    f"out_indices contains {index!r}, which is out of range; SASEResNet has stages 0 to 3 "
                    "(or -4 to -1 counted from the end)"
                )
            normalized.append(index % 4)
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"out_indices {tuple(out_indices)} names a stage twice")
        return tuple(sorted(normalized))

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        modules = [getattr(self, name) for name in STEM_NAMES]
        modules += [getattr(self, name) for name in STAGE_NAMES[: self.frozen_stages]]
        return modules

    def _freeze_stages(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Run the stem and the stages.

        Args:
            x (torch.Tensor): Images of shape (B, C, H, W).

        Returns:
            tuple[torch.Tensor]: The outputs of the stages in ``out_indices``.

        Raises:
            ValueError: If the height or width is below the total stride (32).
        """
        min_size = self.stage_reductions[-1]
        if x.dim() != 4 or min(x.shape[-2:]) < min_size:
            raise ValueError(
                f"SASEResNet expects images of shape (B, C, H, W) with H, W >= {min_size}, "
                f"got {tuple(x.shape)}; resize the images to at least {min_size}x{min_size}"
            )
        for name in STEM_NAMES:
            x = getattr(self, name)(x)
        outputs = []
        for index, name in enumerate(STAGE_NAMES):
            x = getattr(self, name)(x)
            if index in self.out_indices:
                outputs.append(x)
        return tuple(outputs)

    def train(self, mode: bool = True) -> "SASEResNetBackbone":
        """Set the training mode, keeping frozen stages and, with ``norm_eval``, all BatchNorms in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self

    def init_weights(self) -> None:
        """Initialise the weights from ``init_cfg``.

        A ``Pretrained`` config is loaded strictly by :meth:`load_pretrained`;
        other configs go to :meth:`mmengine.model.BaseModule.init_weights`.
        Without ``init_cfg`` the network keeps the initialisation it got at
        construction (timm's, with the last BatchNorm of each block at zero).
        """
        if self.init_cfg is None:
            self._is_init = True
            return
        configs = self.init_cfg if isinstance(self.init_cfg, list) else [self.init_cfg]
        pretrained = [cfg for cfg in configs if cfg.get("type") == "Pretrained"]
        if not pretrained:
            super().init_weights()
            return
        if len(configs) > 1:
            raise ValueError(
                "init_cfg with type='Pretrained' cannot be combined with other initialisers for "
                f"SASEResNet, got {self.init_cfg}"
            )
        cfg = pretrained[0]
        if "checkpoint" not in cfg:
            raise ValueError(f"init_cfg {cfg} has no 'checkpoint'; add checkpoint='path/to/file.pth'")
        self.load_pretrained(cfg["checkpoint"], prefix=cfg.get("prefix"), map_location=cfg.get("map_location", "cpu"))
        self._is_init = True

    def load_pretrained(self, checkpoint: str, prefix: Optional[str] = None, map_location: str = "cpu") -> None:
        """Load backbone weights strictly from a file or URL that MMEngine can read.

        Args:
            checkpoint (str): Path or URL of an MMEngine, mmpretrain or timm checkpoint.
            prefix (str, optional): Key prefix to select and strip, for example
                ``'backbone.'`` for an mmpretrain classifier. Defaults to None.
            map_location (str): Device to load tensors to. Defaults to ``'cpu'``.

        Raises:
            ValueError: If keys are missing or unexpected (the message names
                them and suggests a ``prefix``), or a shape does not match.
        """
        loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location=map_location)
        raw = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else loaded
        model_keys = set(self.state_dict())
        state_dict = raw

        if prefix:
            selected = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
            if not selected:
                raise ValueError(
                    f"no key of checkpoint {checkpoint} starts with prefix {prefix!r}; "
                    f"{_prefix_advice(raw, model_keys, prefix)}"
                )
            state_dict = selected
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith(_TIMM_CLASSIFIER_PREFIX)}

        missing = sorted(model_keys - set(state_dict))
        unexpected = sorted(set(state_dict) - model_keys)
        if missing or unexpected:
            raise ValueError(
                f"checkpoint {checkpoint} does not match SASEResNet(depth={self.depth}): "
                f"{len(missing)} missing keys (first: {missing[:3]}), {len(unexpected)} unexpected keys "
                f"(first: {unexpected[:3]}); {_prefix_advice(raw, model_keys, prefix)}"
            )
        own = self.state_dict()
        for key, value in state_dict.items():
            if own[key].shape != value.shape:
                raise ValueError(
                    f"checkpoint {checkpoint} key {key!r} has shape {tuple(value.shape)} but SASEResNet"
                    f"(depth={self.depth}) expects {tuple(own[key].shape)}; check depth and in_channels"
                )
        self.load_state_dict(state_dict, strict=True)
        print_log(f"SASEResNet loaded {len(state_dict)} tensors from {checkpoint}", logger="current", level=logging.INFO)


def _prefix_advice(state_dict: Dict, model_keys: set, current: Optional[str]) -> str:
    """Suggest the ``init_cfg`` prefix under which most checkpoint keys match the backbone.

    Args:
        state_dict: The checkpoint's state dict, before any prefix is removed.
        model_keys: State-dict keys of the backbone.
        current: The prefix the user set, or None.
    """
    matches: Dict[str, int] = {}
    for key in state_dict:
        if key in model_keys:
            matches[""] = matches.get("", 0) + 1
        parts = key.split(".")
        for depth in range(1, min(len(parts), 4)):
            candidate = ".".join(parts[:depth]) + "."
            if key[len(candidate):] in model_keys:
                matches[candidate] = matches.get(candidate, 0) + 1
    if not matches:
        sample = ", ".join(list(state_dict)[:3])
        return f"no prefix makes its keys match, so it may not be a SASE-ResNet checkpoint (first keys: {sample})"
    best = max(matches, key=matches.get)
    if best == (current or ""):
        return "the prefix is right, so check depth, heads and the reductions against the model that wrote it"
    if best == "":
        return "remove prefix from init_cfg"
    return f"set prefix={best!r} in init_cfg"
