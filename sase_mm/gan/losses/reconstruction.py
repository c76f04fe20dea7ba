"""Reconstruction losses of the discriminator's decoders: LPIPS (FastGAN) or L1."""
import logging
import os
from typing import Optional

import torch
from torch import nn

from sase_mm.gan.registry import MODELS

__all__ = ["L1ReconstructionLoss", "LPIPSLoss"]

_logger = logging.getLogger(__name__)

# torchvision's file names of the ImageNet backbones that LPIPS uses, looked up in the torch hub
# cache (``torch.hub.get_dir()/checkpoints``) when no file is given.
_HUB_BACKBONE_FILES = {
    "vgg": "vgg16-397923af.pth",
    "alex": "alexnet-owt-7be5be79.pth",
    "squeeze": "squeezenet1_1-b8a52dc0.pth",
}


@MODELS.register_module()
class L1ReconstructionLoss(nn.Module):
    """Mean absolute error between reconstructions and targets.

    A download-free stand-in for LPIPS for tests and CPU runs; FastGAN's results use LPIPS.
    """

    def forward(self, reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (reconstruction - target).abs().mean()


@MODELS.register_module()
class LPIPSLoss(nn.Module):
    """LPIPS perceptual distance (Zhang et al., CVPR 2018) from the ``lpips`` package.

    The ``lpips`` wheel ships only the learned linear heads; the ImageNet backbone (VGG16 for
    FastGAN) must come from a file the user supplies, or from the torch hub cache. No weights are
    ever downloaded here.

    Args:
        net (str): Backbone: ``'vgg'`` (FastGAN), ``'alex'`` or ``'squeeze'``. Defaults to ``'vgg'``.
        backbone_weights (str | None): Path to torchvision's ImageNet state dict of that backbone
            (for example ``vgg16-397923af.pth``); the full model's or only its ``features``.
            None looks in the torch hub cache. Defaults to None.
        reduction (str): ``'sum'`` over the batch, as FastGAN's training code does, or ``'mean'``.
            Defaults to ``'sum'``.

    Raises:
        ImportError: If the ``lpips`` package is not installed.
        FileNotFoundError: If no backbone weights are given or cached.
    """

    def __init__(
        self, net: str = "vgg", backbone_weights: Optional[str] = None, reduction: str = "sum"
    ) -> None:
        super().__init__()
        if net not in _HUB_BACKBONE_FILES:
            raise ValueError(f"net={net!r} is not supported; use one of {sorted(_HUB_BACKBONE_FILES)}.")
        if reduction not in ("sum", "mean"):
            raise ValueError(f"reduction={reduction!r} is not supported; use 'sum' or 'mean'.")
        try:
            import lpips
        except ImportError as error:
            raise ImportError(
                "LPIPSLoss needs the `lpips` package (pip install lpips==0.1.4), or set "
                "reconstruction_loss=dict(type='L1ReconstructionLoss')."
            ) from error
        path = backbone_weights or os.path.join(
            torch.hub.get_dir(), "checkpoints", _HUB_BACKBONE_FILES[net]
        )
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"LPIPS needs ImageNet weights of its {net} backbone, and {path} does not exist. "
                f"Pass backbone_weights=<path to torchvision's {_HUB_BACKBONE_FILES[net]}> in "
                "reconstruction_loss, or use reconstruction_loss=dict(type='L1ReconstructionLoss') "
                "for tests and CPU runs."
            )
        # pnet_rand=True keeps lpips from downloading the backbone; its linear heads load from the wheel.
        network = lpips.LPIPS(net=net, pretrained=True, pnet_rand=True, verbose=False)
        _load_backbone(network.net, path)
        network.eval().requires_grad_(False)
        # The frozen network is kept outside the module tree, so that it stays in eval mode, is not
        # written into every GAN checkpoint, and a checkpoint trained with LPIPS loads into a model
        # built with the L1 loss. ``_apply`` still moves it with the model.
        object.__setattr__(self, "_network", network)
        self.reduction = reduction

    def _apply(self, fn, recurse: bool = True):
        super()._apply(fn, recurse)
        self._network._apply(fn)
        return self

    def forward(self, reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return the LPIPS distance of images in [-1, 1], summed or averaged over the batch."""
        distance = self._network(reconstruction, target)
        return distance.sum() if self.reduction == "sum" else distance.mean()


def _load_backbone(network: nn.Module, path: str) -> None:
    """Load torchvision's ``features.N.*`` weights into lpips' ``sliceK.N.*`` layers."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    features = {key[len("features."):]: value for key, value in state.items() if key.startswith("features.")}
    if not features:
        features = dict(state)
    target = network.state_dict()
    loaded = {}
    for key in target:
        slice_name, _, rest = key.partition(".")
        if rest in features:
            loaded[key] = features[rest]
    missing = sorted(set(target) - set(loaded))
    if missing:
        raise ValueError(
            f"{path} is not a torchvision ImageNet state dict of this LPIPS backbone: "
            f"{len(missing)} tensors missing, first {missing[:3]}."
        )
    network.load_state_dict(loaded)
