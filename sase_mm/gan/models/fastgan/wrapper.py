"""Distributed wrapper for two-optimizer GANs that also runs on CPU-only machines."""
from mmengine.device import get_device
from mmengine.model import MMSeparateDistributedDataParallel
from torch import nn

from sase_mm.gan.registry import MODEL_WRAPPERS

__all__ = ["SeparateDistributedDataParallel"]


@MODEL_WRAPPERS.register_module()
class SeparateDistributedDataParallel(MMSeparateDistributedDataParallel):
    """MMEngine's per-submodule DDP wrapper, without device ids when no accelerator is present.

    MMEngine's Runner passes ``device_ids=[LOCAL_RANK]`` to every model wrapper that subclasses
    ``DistributedDataParallel``, which rejects device ids for modules on the CPU. On CPU-only machines this wrapper
    drops ``device_ids`` and ``output_device``; elsewhere it behaves like
    ``MMSeparateDistributedDataParallel``.

    Args:
        module (nn.Module): Model whose submodules with trainable parameters are each wrapped.
        broadcast_buffers (bool): See ``DistributedDataParallel``. Defaults to False.
        find_unused_parameters (bool): See ``DistributedDataParallel``. Defaults to False.
        **kwargs: Further ``DistributedDataParallel`` arguments.
    """

    def __init__(
        self,
        module: nn.Module,
        broadcast_buffers: bool = False,
        find_unused_parameters: bool = False,
        **kwargs,
    ) -> None:
        if get_device() == "cpu":
            kwargs.pop("device_ids", None)
            kwargs.pop("output_device", None)
        super().__init__(
            module,
            broadcast_buffers=broadcast_buffers,
            find_unused_parameters=find_unused_parameters,
            **kwargs,
        )
