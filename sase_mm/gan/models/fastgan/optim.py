"""Optimizer-wrapper constructor that gives each named submodule its own optimizer."""
import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from sase_mm.gan.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ["PerSubmoduleOptimWrapperConstructor"]

_SHARED_KEYS = ("type", "dtype", "loss_scale")


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PerSubmoduleOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` with one optimizer wrapper per named submodule.

    Each key of the config (for example ``generator`` and ``discriminator``) names a submodule of
    the model and holds an ordinary optim-wrapper config (``type``, ``optimizer``, ...), which
    MMEngine's ``DefaultOptimWrapperConstructor`` builds on that submodule's parameters. The keys
    ``type``, ``dtype`` and ``loss_scale`` at the top level are copied into every entry, so
    ``tools/train.py --amp`` switches both optimizers to mixed precision.

    Args:
        optim_wrapper_cfg (dict): Mapping from submodule name to optim-wrapper config.
        paramwise_cfg (dict | None): Not supported at this level; give it per submodule.

    Raises:
        ValueError: If a key names no submodule of the model.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if paramwise_cfg:
            raise ValueError("Give paramwise_cfg inside each submodule's optim-wrapper config.")
        optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        # Top-level wrapper settings, as tools/train.py --amp writes them (type, dtype, loss_scale),
        # apply to every submodule's wrapper.
        shared = {key: optim_wrapper_cfg.pop(key) for key in _SHARED_KEYS if key in optim_wrapper_cfg}
        for cfg in optim_wrapper_cfg.values():
            cfg.update(shared)
        self.optim_wrapper_cfg = optim_wrapper_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        module = model.module if is_model_wrapper(model) else model
        wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            submodule = getattr(module, name, None)
            if not isinstance(submodule, nn.Module):
                raise ValueError(
                    f"optim_wrapper key {name!r} names no submodule of {type(module).__name__}; "
                    f"use one of {sorted(dict(module.named_children()))}."
                )
            cfg = copy.deepcopy(dict(cfg))
            paramwise = cfg.pop("paramwise_cfg", None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(submodule)
        return OptimWrapperDict(**wrappers)
