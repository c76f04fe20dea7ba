"""Classification models under benchmark and the work each benchmark runs.

Every network comes from timm's factory: ``sase_resnet*`` after
``import sase_mm`` registers them, the peers from timm itself. The one model
built here rather than by name is BoT-S1-50 (Srinivas et al., 2021,
"Bottleneck Transformers for Visual Recognition"), the BoT row of the SASE
paper's ImageNet table. timm 1.0.31 registers no exact BoT-S1-50, so it is
assembled from timm's own ByobNet blocks as the BoT paper describes it:
ResNet-50 whose last stage runs at stride 1, with the 3x3 convolutions of
that stage replaced by relative-position multi-head self-attention.
"""
from __future__ import annotations

import importlib
from typing import Callable, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ['BOT_S1_50', 'create_classifier', 'import_sase_mm', 'inference_function',
           'training_step_function', 'make_batch']

BOT_S1_50 = 'bot_s1_50'


def import_sase_mm() -> Optional[str]:
    """Import sase_mm so that its timm models register.

    Returns:
        None when the SASE models are registered, otherwise the reason they
        are not (used by the report to explain a skipped row).
    """
    try:
        importlib.import_module('sase_mm')
    except ImportError as error:
        return f'sase_mm failed to import: {error}'
    import timm
    if 'sase_resnet50' not in timm.list_models('sase_resnet*'):
        return 'sase_mm imports but registers no sase_resnet50 in timm'
    return None


def _bot_s1_50(num_classes: int, img_size: int) -> nn.Module:
    from timm.models.byobnet import ByoBlockCfg, ByoModelCfg, ByobNet

    config = ByoModelCfg(
        blocks=(
            ByoBlockCfg(type='bottle', d=3, c=256, s=1, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=4, c=512, s=2, gs=0, br=0.25),
            ByoBlockCfg(type='bottle', d=6, c=1024, s=2, gs=0, br=0.25),
            # Stride 1 keeps the last stage at 1/16 of the input (14x14 at 224).
            ByoBlockCfg(type='self_attn', d=3, c=2048, s=1, gs=0, br=0.25),
        ),
        stem_chs=64,
        stem_type='7x7',
        stem_pool='maxpool',
        fixed_input_size=True,
        self_attn_layer='bottleneck',
        self_attn_kwargs=dict(),
    )
    return ByobNet(config, num_classes=num_classes, img_size=img_size)


def create_classifier(name: str, img_size: int, num_classes: int = 1000) -> nn.Module:
    """Create a classifier by timm name, or BoT-S1-50 by ``BOT_S1_50``.

    Args:
        name: A timm model name, or ``BOT_S1_50``.
        img_size: Input side; passed to models whose attention needs a fixed
            input size (timm's BoT models), ignored by the others.
        num_classes: Classifier outputs.

    Returns:
        The model in training mode, on the CPU, in fp32.

    Raises:
        ValueError: If timm does not know ``name``.
    """
    import timm

    if name == BOT_S1_50:
        return _bot_s1_50(num_classes, img_size)
    if not timm.is_model(name):
        raise ValueError(
            f'unknown model {name!r}: timm has no such model (SASE models need `import sase_mm`)')
    kwargs = {}
    if timm.models.get_pretrained_cfg_value(name, 'fixed_input_size'):
        kwargs['img_size'] = img_size
    return timm.create_model(name, num_classes=num_classes, **kwargs)


def make_batch(batch_size: int, img_size: int, num_classes: int, device: torch.device,
               channels_last: bool, seed: int = 0) -> tuple:
    """Return a fixed random image batch and labels for one benchmark."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(batch_size, 3, img_size, img_size, generator=generator)
    labels = torch.randint(0, num_classes, (batch_size,), generator=generator)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    return images.to(device), labels.to(device)


def inference_function(model: nn.Module, images: torch.Tensor) -> Callable[[], object]:
    """Return a callable that runs one inference forward pass.

    The model is switched to eval mode; each call runs under
    ``torch.inference_mode``.
    """
    model.eval()

    def run() -> object:
        with torch.inference_mode():
            return model(images)

    return run


def training_step_function(model: nn.Module, images: torch.Tensor,
                           labels: torch.Tensor) -> Callable[[], object]:
    """Return a callable that runs one training step.

    One step is forward, cross-entropy loss, backward and an SGD update with
    momentum 0.9 (so the optimizer keeps one state tensor per parameter, as
    in the paper's ImageNet recipe).
    """
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def run() -> object:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    return run
