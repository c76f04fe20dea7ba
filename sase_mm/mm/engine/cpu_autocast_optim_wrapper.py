"""Mixed-precision training on the CPU for MMEngine runners."""
from contextlib import contextmanager
from typing import Iterator, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Optimizer wrapper that runs the forward pass under CPU autocast.

    MMEngine's ``AmpOptimWrapper`` (0.10.7) asserts that a CUDA, NPU, MLU or
    MUSA device is present, so ``tools/train.py --amp`` selects this wrapper
    on a machine without CUDA. The forward pass and the loss run in
    bfloat16 where PyTorch's CPU autocast lists allow it, and gradients and
    optimizer steps stay in float32. bfloat16 has the exponent range of
    float32, so no loss scaling is needed.

    Args:
        dtype (str | torch.dtype): Autocast data type. Only ``'bfloat16'``
            is accepted because it needs no loss scaling.
            Defaults to ``'bfloat16'``.
        **kwargs: Keyword arguments of :class:`mmengine.optim.OptimWrapper`
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).

    Raises:
        ValueError: If ``dtype`` is not bfloat16.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = "bfloat16", **kwargs) -> None:
        resolved = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
        if resolved is not torch.bfloat16:
            raise ValueError(
                f"CPUAutocastOptimWrapper supports dtype='bfloat16' only, got {dtype!r}; "
                "float16 on the CPU would need loss scaling, which this wrapper does not do"
            )
        super().__init__(**kwargs)
        self.cast_dtype = resolved

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Enable gradient-accumulation handling and bfloat16 CPU autocast.

        Args:
            model (nn.Module): The model being trained.
        """
        with super().optim_context(model), torch.autocast(device_type="cpu", dtype=self.cast_dtype):
            yield
