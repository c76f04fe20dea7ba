"""MMEngine pieces that train a single-image GAN: its dataset, its optimizers and its loop.

A config trains SinGAN or ConSinGAN with MMEngine's Runner (or ``tools/train.py``) through:

* ``SingleImageDataset``: the training image, one item, fed by an infinite sampler;
* ``SingleImageGANOptimWrapperConstructor``: one Adam per scale for the generator and one for the
  critic, in an :class:`~mmengine.optim.OptimWrapperDict` keyed ``generator_<n>`` and
  ``discriminator_<n>``. Every scale starts with fresh optimizer state, and a checkpoint
  contains the state of all of them;
* ``ProgressiveTrainLoop``: an iteration-based loop whose length is the number of scales times
  ``iters_per_scale`` of the model.
"""
import copy
import logging
from typing import Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import IterBasedTrainLoop
from torch import nn
from torch.utils.data import Dataset

from sase_mm.gan.models.singan.base import SingleImageGAN
from sase_mm.gan.models.singan.pyramid import load_image
from sase_mm.gan.registry import (
    DATASETS,
    LOOPS,
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
)

__all__ = [
    "SingleImageDataset",
    "SingleImageGANOptimWrapperConstructor",
    "ScaleOptimWrapperDict",
    "ProgressiveTrainLoop",
]

_logger = logging.getLogger(__name__)


@DATASETS.register_module()
class SingleImageDataset(Dataset):
    """The one training image of a single-image GAN, as ``dict(inputs=(C, H, W) tensor)``.

    The model builds its pyramid from the same file when it is constructed and checks on its
    first step that the dataloader feeds an image of that size.

    Args:
        image_path (str): The training image.
        in_channels (int): 3 (RGB) or 1 (greyscale). Defaults to 3.

    Raises:
        FileNotFoundError: If ``image_path`` does not exist.
        ValueError: If the file is not a readable image.
    """

    metainfo: dict = {}

    def __init__(self, image_path: str, in_channels: int = 3) -> None:
        self.image_path = image_path
        self.image = load_image(image_path, in_channels)[0]

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.image)


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


class ScaleOptimWrapperDict(OptimWrapperDict):
    """Optimizer wrappers of all scales that report the learning rates of the current scale only.

    MMEngine logs ``get_lr()`` every iteration, and the full dict would list two optimizers per
    scale. Saving and loading still cover every scale.

    Args:
        model (SingleImageGAN): The model whose iteration counter gives the current scale.
        **optim_wrappers: The wrappers, keyed ``generator_<n>`` and ``discriminator_<n>``.
    """

    def __init__(self, model: SingleImageGAN, **optim_wrappers: OptimWrapper) -> None:
        super().__init__(**optim_wrappers)
        self._model = model

    def _current(self) -> dict:
        model = self._model
        scale = min(int(model.iteration) // model.iters_per_scale, model.num_scales - 1)
        return {key: self.optim_wrappers[f"{key}_{scale}"] for key in ("generator", "discriminator")}

    def get_lr(self) -> dict:
        """Return the learning rates of the current scale's generator and critic."""
        return {f"{key}.lr": wrapper.get_lr()["lr"] for key, wrapper in self._current().items()}

    def get_momentum(self) -> dict:
        """Return the momentum of the current scale's generator and critic."""
        return {
            f"{key}.momentum": wrapper.get_momentum()["momentum"] for key, wrapper in self._current().items()
        }


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SingleImageGANOptimWrapperConstructor:
    """Build one optimizer wrapper per scale for the generator and the critic.

    Config form::

        optim_wrapper = dict(
            constructor='SingleImageGANOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=5e-4, betas=(0.5, 0.999))),
            discriminator=dict(optimizer=dict(type='Adam', lr=5e-4, betas=(0.5, 0.999))))

    The generator's parameter groups and their learning rates come from the model's
    ``generator_param_groups`` (ConSinGAN scales the rates of the lower stages).

    Args:
        optim_wrapper_cfg (dict): ``generator`` and ``discriminator`` wrapper configs, each with
            an ``optimizer`` and an optional ``type`` (default ``OptimWrapper``).
        paramwise_cfg (dict | None): Not supported; must be None.

    Raises:
        ValueError: If a key is missing or ``paramwise_cfg`` is given.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg:
            raise ValueError("SingleImageGANOptimWrapperConstructor does not support paramwise_cfg; remove it.")
        for key in ("generator", "discriminator"):
            if key not in optim_wrapper_cfg or "optimizer" not in optim_wrapper_cfg[key]:
                raise ValueError(
                    f"optim_wrapper needs {key}=dict(optimizer=dict(type='Adam', lr=...)); "
                    f"got keys {sorted(optim_wrapper_cfg)}."
                )
        self.optim_wrapper_cfg = copy.deepcopy(optim_wrapper_cfg)

    def _build_wrapper(self, key: str, params) -> OptimWrapper:
        cfg = copy.deepcopy(self.optim_wrapper_cfg[key])
        optimizer_cfg = cfg.pop("optimizer")
        optimizer = OPTIMIZERS.build(dict(optimizer_cfg, params=params))
        cfg.setdefault("type", "OptimWrapper")
        return OPTIM_WRAPPERS.build(cfg, default_args=dict(optimizer=optimizer))

    def __call__(self, model: nn.Module) -> ScaleOptimWrapperDict:
        model = _unwrap(model)
        if not isinstance(model, SingleImageGAN):
            raise TypeError(
                f"SingleImageGANOptimWrapperConstructor needs a SinGAN or ConSinGAN model; got "
                f"{type(model).__name__}."
            )
        generator_lr = self.optim_wrapper_cfg["generator"]["optimizer"]["lr"]
        wrappers = {}
        for scale in range(model.num_scales):
            wrappers[f"generator_{scale}"] = self._build_wrapper(
                "generator", model.generator_param_groups(scale, generator_lr)
            )
            wrappers[f"discriminator_{scale}"] = self._build_wrapper(
                "discriminator", model.discriminator_parameters(scale)
            )
        return ScaleOptimWrapperDict(model, **wrappers)


@LOOPS.register_module()
class ProgressiveTrainLoop(IterBasedTrainLoop):
    """Iteration-based loop over all scales of a single-image GAN.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The single-image dataloader.
        max_iters (int | None): Stop after this many iterations; ``None`` trains every scale
            (``num_scales * iters_per_scale``). A smaller value stops mid-pyramid, and a later
            run with a larger value resumes from the checkpoint. Defaults to None.
        **kwargs: Other arguments of :class:`~mmengine.runner.IterBasedTrainLoop`.

    Raises:
        ValueError: If ``max_iters`` exceeds the iterations of all scales.
    """

    def __init__(self, runner, dataloader, max_iters: Optional[int] = None, **kwargs) -> None:
        model = _unwrap(runner.model)
        if not isinstance(model, SingleImageGAN):
            raise TypeError(f"ProgressiveTrainLoop needs a SinGAN or ConSinGAN model; got {type(model).__name__}.")
        total = model.total_iterations
        if max_iters is None:
            max_iters = total
        elif max_iters > total:
            raise ValueError(
                f"max_iters={max_iters} exceeds the {total} iterations of {model.num_scales} scales "
                f"x {model.iters_per_scale}; leave max_iters unset to train every scale."
            )
        if is_model_wrapper(runner.model):
            # NOTE: one image and a batch of one leave nothing to split between processes.
            _logger.warning("Single-image GANs train in one process; the model wrapper is ignored.")
        super().__init__(runner, dataloader, max_iters, **kwargs)

    def run_iter(self, data_batch) -> None:
        """Run one iteration on the unwrapped model (its train_step handles both networks)."""
        self.runner.call_hook("before_train_iter", batch_idx=self._iter, data_batch=data_batch)
        outputs = _unwrap(self.runner.model).train_step(data_batch, optim_wrapper=self.runner.optim_wrapper)
        self.runner.call_hook("after_train_iter", batch_idx=self._iter, data_batch=data_batch, outputs=outputs)
        self._iter += 1

