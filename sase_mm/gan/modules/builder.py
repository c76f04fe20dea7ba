"""Building GAN parts from configs with errors that list the registered types."""
import copy

from torch import nn

from sase_mm.gan.registry import MODELS

__all__ = ["build_gan_module"]


def build_gan_module(cfg: dict, role: str) -> nn.Module:
    """Build ``cfg`` from the ``sase_gan`` MODELS registry.

    Args:
        cfg: Config with a ``type`` key.
        role: What the module is, for the error message (for example ``'skip layer'``).

    Returns:
        The built module.

    Raises:
        ValueError: If ``cfg`` has no ``type`` or names a type that is not registered; the message
            lists the registered types.
    """
    cfg = copy.deepcopy(dict(cfg))
    type_name = cfg.get("type")
    if type_name is None:
        raise ValueError(f"The {role} config {cfg} has no 'type' key.")
    if isinstance(type_name, str) and MODELS.get(type_name) is None:
        registered = ", ".join(sorted(MODELS.module_dict))
        raise ValueError(
            f"The {role} type {type_name!r} is not registered in the sase_gan scope; "
            f"registered types: {registered}."
        )
    return MODELS.build(cfg)
