"""SASE-ResNet: ResNet whose bottleneck 3x3 convolutions are SASE attention layers.

Importing this module registers ``sase_resnet26``, ``sase_resnet50`` and
``sase_resnet101`` with timm, so ``timm.create_model('sase_resnet50')`` works
after ``import sase_mm``. The network is timm's :class:`~timm.models.ResNet`
with :class:`SASEBottleneck` blocks, so everything timm offers for ResNets
(``features_only``, ``forward_intermediates``, gradient checkpointing,
``reset_classifier``) works unchanged. The OpenMMLab backbone wraps this class.

No trained weights are published: ``pretrained=True`` loads a file the user
passes with ``pretrained_cfg_overlay=dict(file=...)`` or one found in the torch
hub cache as ``<hub dir>/checkpoints/<model name>.pth``.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
from torch import nn
from timm.data import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from timm.models import (
    ResNet,
    build_model_with_cfg,
    checkpoint_seq,
    generate_default_cfgs,
    register_model,
)
from timm.models._manipulate import adapt_input_conv

from sase_mm.layers import SASEAttention
from sase_mm.layers.sase import is_fx_tracing
from sase_mm.models._checkpoint import check_state_dict, load_state_dict_file

__all__ = [
    "SASEBottleneck",
    "SASEResNet",
    "SASE_RESNET_DEPTHS",
    "create_sase_resnet",
    "pretrained_cache_path",
]

_logger = logging.getLogger(__name__)

# Blocks per stage for each depth; the same as ResNet-26/50/101.
SASE_RESNET_DEPTHS: Dict[int, Tuple[int, int, int, int]] = {
    26: (2, 2, 2, 2),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
}


class SASEBottleneck(nn.Module):
    """ResNet bottleneck whose 3x3 convolution is a :class:`SASEAttention` layer.

    1x1 conv -> BN -> act -> SASE attention (carries the stride) -> BN -> act
    -> 1x1 conv -> BN, plus the shortcut. The constructor takes the arguments
    that timm's ``make_blocks`` passes to every ResNet block.

    Args:
        inplanes: Input channels.
        planes: Bottleneck width; the output has ``planes * 4`` channels.
        stride: Stride of the attention layer, 1 or 2.
        downsample: Projection of the shortcut, or None for identity.
        cardinality: Must be 1; SASE splits channels with ``heads`` instead.
        base_width: Base width; 64 gives the ResNet-50 widths.
        reduce_first: Reduction of the first 1x1 convolution's width.
        dilation: Dilation of the attention layer in this stage.
        first_dilation: Dilation of the attention layer in this block.
        act_layer: Activation layer class.
        norm_layer: Normalisation layer class.
        aa_layer: Must be None; anti-aliasing is not supported.
        drop_block: DropBlock layer class, or None.
        drop_path: DropPath module of this block, or None.
        heads: Number of SASE heads ``g``.
        key_reduction: Squeeze ratio of the key branch's inner convolution.
        se_reduction: Reduction ratio of the query's squeeze-excitation.
        pool_stride: Apply the stride by average pooling after the attention.
        device: Device of the parameters.
        dtype: Data type of the parameters.

    Raises:
        ValueError: If ``cardinality`` is not 1 or ``aa_layer`` is given.
    """

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: Optional[nn.Module] = None,
        cardinality: int = 1,
        base_width: int = 64,
        reduce_first: int = 1,
        dilation: int = 1,
        first_dilation: Optional[int] = None,
        act_layer: type = nn.ReLU,
        norm_layer: type = nn.BatchNorm2d,
        aa_layer: Optional[type] = None,
        drop_block: Optional[type] = None,
        drop_path: Optional[nn.Module] = None,
        heads: int = 4,
        key_reduction: int = 4,
        se_reduction: int = 4,
        pool_stride: bool = True,
        device: Optional[torch.device] = None,
        dtype: Optional[torch.dtype] = None,
    ) -> None:
        super().__init__()
        dd = {"device": device, "dtype": dtype}
        if cardinality != 1:
            raise ValueError(
                f"SASEBottleneck does not support cardinality={cardinality}; "
                "split channels with heads instead."
            )
        if aa_layer is not None:
            raise ValueError("SASEBottleneck does not support anti-aliasing; pass aa_layer=None.")

        width = int(planes * (base_width / 64))
        first_planes = width // reduce_first
        outplanes = planes * self.expansion
        first_dilation = first_dilation or dilation

        self.conv1 = nn.Conv2d(inplanes, first_planes, kernel_size=1, bias=False, **dd)
        self.bn1 = norm_layer(first_planes, **dd)
        self.act1 = act_layer(inplace=True)

        self.attn = SASEAttention(
            first_planes,
            width,
            stride=stride,
            dilation=first_dilation,
            groups=heads,
            key_reduction=key_reduction,
            se_reduction=se_reduction,
            pool_stride=pool_stride,
            norm_layer=norm_layer,
            act_layer=act_layer,
            **dd,
        )
        self.bn2 = norm_layer(width, **dd)
        self.drop_block = drop_block() if drop_block is not None else nn.Identity()
        self.act2 = act_layer(inplace=True)

        self.conv3 = nn.Conv2d(width, outplanes, kernel_size=1, bias=False, **dd)
        self.bn3 = norm_layer(outplanes, **dd)

        self.act3 = act_layer(inplace=True)
        self.downsample = downsample
        self.drop_path = drop_path

    def zero_init_last(self) -> None:
        """Zero the last BN weight so that each block starts as the identity."""
        if getattr(self.bn3, "weight", None) is not None:
            nn.init.zeros_(self.bn3.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x

        x = self.act1(self.bn1(self.conv1(x)))

        x = self.attn(x)
        x = self.bn2(x)
        x = self.drop_block(x)
        x = self.act2(x)

        x = self.bn3(self.conv3(x))

        if self.drop_path is not None:
            x = self.drop_path(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        # In place, as in timm's Bottleneck: the sum's gradient needs neither operand.
        x += shortcut
        return self.act3(x)


def _check_heads(heads: int, key_reduction: int, se_reduction: int, kwargs: Dict[str, Any]) -> None:
    """Raise unless every stage width splits into heads of at least 2 channels."""
    base_width = kwargs.get("base_width", 64)
    widths = [int(channels * base_width / 64)
              for channels in kwargs.get("channels", (64, 128, 256, 512))]
    if not isinstance(heads, int) or isinstance(heads, bool) or heads < 1:
        raise ValueError(f"heads must be a positive integer, got {heads!r}.")
    for width in widths:
        if width % heads or width // heads < 2:
            raise ValueError(
                f"heads={heads} must divide every stage width {tuple(widths)} into heads of at "
                f"least 2 channels; choose heads from the common divisors, for example 4."
            )
        head_width = width // heads
        for name, reduction in (("key_reduction", key_reduction), ("se_reduction", se_reduction)):
            if not isinstance(reduction, int) or reduction < 1 or head_width % reduction:
                raise ValueError(
                    f"{name}={reduction!r} must divide every head width "
                    f"{tuple(w // heads for w in widths)} (stage widths / heads={heads})."
                )


class SASEResNet(ResNet):
    """ResNet with SASE attention in place of every bottleneck 3x3 convolution.

    Args:
        layers: Number of blocks in each of the four stages.
        num_classes: Number of classes; 0 removes the classifier.
        in_chans: Number of input image channels.
        heads: Number of SASE heads ``g`` in every block.
        key_reduction: Squeeze ratio of the key branch's inner convolution.
        se_reduction: Reduction ratio of the query's squeeze-excitation.
        pool_stride: Apply strides by average pooling after the attention
            instead of inside the convolutions. Pooling gives 3.35 GFLOPs for
            SASE-ResNet50, the SASE paper's Table 8 figure of 3.36 G.
        **kwargs: Further arguments of timm's :class:`~timm.models.ResNet`
            (``output_stride``, ``global_pool``, ``drop_rate``,
            ``drop_path_rate``, ``norm_layer``, ``act_layer``, ``stem_type``,
            ``zero_init_last``, ``device``, ``dtype``, ...).

    Raises:
        ValueError: If ``layers`` does not have four entries.
    """

    def __init__(
        self,
        layers: Sequence[int],
        num_classes: int = 1000,
        in_chans: int = 3,
        heads: int = 4,
        key_reduction: int = 4,
        se_reduction: int = 4,
        pool_stride: bool = True,
        **kwargs: Any,
    ) -> None:
        if len(layers) != 4:
            raise ValueError(f"layers must give the blocks of 4 stages, got {tuple(layers)}.")
        for name in ("block", "block_args", "cardinality"):
            if name in kwargs:
                raise TypeError(f"SASEResNet sets {name!r} itself; remove it from the arguments.")
        _check_heads(heads, key_reduction, se_reduction, kwargs)
        block_args = dict(
            heads=heads,
            key_reduction=key_reduction,
            se_reduction=se_reduction,
            pool_stride=pool_stride,
        )
        super().__init__(
            block=SASEBottleneck,
            layers=tuple(layers),
            num_classes=num_classes,
            in_chans=in_chans,
            block_args=block_args,
            **kwargs,
        )
        self.heads = heads
        self.min_input_size = self.feature_info[-1]["reduction"]

    @torch.jit.ignore
    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4:
            raise ValueError(
                f"SASEResNet expects a 4-D batch (B, {self.in_chans}, H, W), "
                f"got shape {tuple(x.shape)}; add a batch dimension with x.unsqueeze(0)."
            )
        if x.shape[1] != self.in_chans:
            raise ValueError(
                f"SASEResNet was built for in_chans={self.in_chans} but the input has "
                f"{x.shape[1]} channels; create the model with in_chans={x.shape[1]}."
            )
        height, width = x.shape[-2:]
        if min(height, width) < self.min_input_size:
            raise ValueError(
                f"Input size {height}x{width} is smaller than the network's total stride "
                f"{self.min_input_size}; resize the images to at least "
                f"{self.min_input_size}x{self.min_input_size}."
            )

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Run the stem and the four stages.

        Args:
            x: Images of shape ``(B, in_chans, H, W)``, ``H, W >= 32`` (the total stride).

        Returns:
            Features of shape ``(B, num_features, ceil(H / 32), ceil(W / 32))``
            at ``output_stride=32``.

        Raises:
            ValueError: If the input has the wrong rank, channel count or a
                spatial size below the total stride.
        """
        if not torch.jit.is_scripting():
            if not is_fx_tracing():
                self._check_input(x)
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))

        if self.grad_checkpointing and not torch.jit.is_scripting():
            return checkpoint_seq([self.layer1, self.layer2, self.layer3, self.layer4], x, flatten=True)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.layer4(x)

    @torch.jit.ignore
    def load_pretrained(self, checkpoint_path: str) -> None:
        """Load weights from a file, adapting the classifier and the input convolution.

        timm calls this for ``pretrained=True`` because the model's pretrained
        config sets ``custom_load``. The file may hold a timm state dict or an
        mmpretrain / mmdet checkpoint (``backbone.`` keys, classifier
        ``head.fc``). A classifier that is absent or has another shape is
        replaced by the model's newly initialised one, with a warning. A stem
        trained on another number of input channels is adapted as timm does.

        Args:
            checkpoint_path: Path of a checkpoint saved with ``torch.save``.

        Raises:
            FileNotFoundError: If the file does not exist.
            ValueError: If the file is unreadable, or its keys or shapes do not
                fit this architecture (the message lists which).
        """
        state_dict = _from_openmmlab_layout(load_state_dict_file(checkpoint_path))
        own = self.state_dict()

        stem_key = "conv1.weight"
        if stem_key in state_dict and state_dict[stem_key].shape[1] != self.in_chans:
            _logger.info("Adapting %s from %d to %d input channels.",
                         stem_key, state_dict[stem_key].shape[1], self.in_chans)
            state_dict[stem_key] = adapt_input_conv(self.in_chans, state_dict[stem_key])

        own_classifier = {key: value for key, value in own.items() if key.startswith("fc.")}
        file_classifier = {key: value for key, value in state_dict.items() if key.startswith("fc.")}
        if not file_classifier and own_classifier:
            _logger.warning("Checkpoint has no classifier; keeping the model's new one.")
        elif set(file_classifier) != set(own_classifier) or any(
            value.shape != own_classifier[key].shape for key, value in file_classifier.items()
        ):
            shapes = {key: tuple(value.shape) for key, value in file_classifier.items()}
            own_shapes = {key: tuple(value.shape) for key, value in own_classifier.items()}
            _logger.warning("Checkpoint classifier %s does not fit the model's %s; keeping the "
                            "model's new classifier.", shapes, own_shapes)
        else:
            own_classifier = file_classifier
        state_dict = {key: value for key, value in state_dict.items() if not key.startswith("fc.")}
        state_dict.update(own_classifier)

        check_state_dict(self, state_dict, source=repr(os.fspath(checkpoint_path)))
        for key, value in own.items():
            # Older checkpoints lack BN's num_batches_tracked; it does not affect outputs.
            state_dict.setdefault(key, value)
        self.load_state_dict(state_dict, strict=True)


def _from_openmmlab_layout(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map an mmpretrain classifier or mmdet detector state dict onto timm's names.

    ``backbone.<key>`` becomes ``<key>`` and mmpretrain's ``head.fc.*`` becomes
    ``fc.*``; necks and detection heads are dropped. Other layouts pass through.
    """
    backbone_prefix, classifier_prefix = "backbone.", "head.fc."
    if not any(key.startswith(backbone_prefix) for key in state_dict):
        return state_dict
    converted = {
        key[len(backbone_prefix):]: value
        for key, value in state_dict.items()
        if key.startswith(backbone_prefix)
    }
    converted.update({
        "fc." + key[len(classifier_prefix):]: value
        for key, value in state_dict.items()
        if key.startswith(classifier_prefix)
    })
    dropped = len(state_dict) - len(converted)
    if dropped:
        _logger.info("Dropped %d non-backbone keys of an OpenMMLab checkpoint.", dropped)
    return converted


def pretrained_cache_path(variant: str) -> str:
    """Return where ``pretrained=True`` looks for weights when no file is given.

    Args:
        variant: Registered model name, for example ``'sase_resnet50'``.

    Returns:
        ``<torch hub dir>/checkpoints/<variant>.pth``.
    """
    return os.path.join(torch.hub.get_dir(), "checkpoints", f"{variant}.pth")


def _resolve_pretrained_file(variant: str, kwargs: Dict[str, Any]) -> None:
    """Point ``pretrained_cfg_overlay['file']`` at the weights, or raise how to pass them."""
    overlay = dict(kwargs.get("pretrained_cfg_overlay") or {})
    pretrained_cfg = kwargs.get("pretrained_cfg")
    file = overlay.get("file")
    if not file and isinstance(pretrained_cfg, dict):
        file = pretrained_cfg.get("file")
    if not file:
        cached = pretrained_cache_path(variant)
        if not os.path.isfile(cached):
            raise ValueError(
                f"No published weights exist for {variant!r}. Pass your checkpoint with "
                f"timm.create_model({variant!r}, pretrained=True, "
                f"pretrained_cfg_overlay=dict(file='/path/to/weights.pth')) or save it as "
                f"{cached!r}; use pretrained=False for random initialisation."
            )
        file = cached
    if not os.path.isfile(file):
        raise FileNotFoundError(f"Pretrained weight file for {variant!r} not found: {file!r}.")
    overlay["file"] = file
    # timm resets custom_load when an overlay names a file; keep our loader,
    # which adapts the head and stem and reports mismatched keys.
    overlay.setdefault("custom_load", True)
    kwargs["pretrained_cfg_overlay"] = overlay


def _create_sase_resnet(variant: str, pretrained: bool = False, **kwargs: Any) -> SASEResNet:
    if pretrained:
        _resolve_pretrained_file(variant, kwargs)
    return build_model_with_cfg(SASEResNet, variant, pretrained, **kwargs)


def _cfg(**kwargs: Any) -> Dict[str, Any]:
    return {
        "url": "",
        "num_classes": 1000,
        "input_size": (3, 224, 224),
        "pool_size": (7, 7),
        "crop_pct": 0.95,
        "interpolation": "bicubic",
        "mean": IMAGENET_DEFAULT_MEAN,
        "std": IMAGENET_DEFAULT_STD,
        "first_conv": "conv1",
        "classifier": "fc",
        "custom_load": True,
        "license": "apache-2.0",
        **kwargs,
    }


# No weights are published; the configs carry the data settings (the A2
# recipe's 224 training size, 0.95 crop and bicubic resize) and custom loading.
default_cfgs = generate_default_cfgs({
    "sase_resnet26": _cfg(),
    "sase_resnet50": _cfg(),
    "sase_resnet101": _cfg(),
})


def _model_args(depth: int, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    return dict(layers=SASE_RESNET_DEPTHS[depth], **kwargs)


def create_sase_resnet(depth: int, pretrained: bool = False, **kwargs: Any) -> SASEResNet:
    """Create the registered SASE-ResNet of a given depth through timm.

    Args:
        depth: 26, 50 or 101.
        pretrained: Load weights (see the module docstring for where from).
        **kwargs: Passed to :func:`timm.create_model`.

    Returns:
        The model, or timm's feature wrapper when ``features_only=True``.

    Raises:
        ValueError: If ``depth`` has no registered variant.
    """
    if depth not in SASE_RESNET_DEPTHS:
        raise ValueError(
            f"Unknown SASE-ResNet depth {depth!r}; choose one of {sorted(SASE_RESNET_DEPTHS)}."
        )
    import timm

    return timm.create_model(f"sase_resnet{depth}", pretrained=pretrained, **kwargs)


@register_model
def sase_resnet26(pretrained: bool = False, **kwargs: Any) -> SASEResNet:
    """SASE-ResNet-26: ResNet-26 with SASE attention (4 heads) in every bottleneck."""
    return _create_sase_resnet("sase_resnet26", pretrained, **_model_args(26, kwargs))


@register_model
def sase_resnet50(pretrained: bool = False, **kwargs: Any) -> SASEResNet:
    """SASE-ResNet-50 of the SASE paper's Table 8 (18.66 M parameters)."""
    return _create_sase_resnet("sase_resnet50", pretrained, **_model_args(50, kwargs))


@register_model
def sase_resnet101(pretrained: bool = False, **kwargs: Any) -> SASEResNet:
    """SASE-ResNet-101: ResNet-101 with SASE attention (4 heads) in every bottleneck."""
    return _create_sase_resnet("sase_resnet101", pretrained, **_model_args(101, kwargs))
