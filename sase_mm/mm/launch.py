"""Set-up shared by ``tools/train.py`` and ``tools/test.py``.

The GPU path is MMEngine's: the Runner initialises the process group with
``init_dist`` and wraps the model in ``MMDistributedDataParallel`` with
``device_ids=[LOCAL_RANK]``. MMEngine 0.10.7 cannot run that path without
CUDA, because ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and the
default wrapper passes a device id. :func:`setup_distributed` therefore
initialises a gloo process group itself on CPU-only machines, before the
Runner is built (the Runner then skips ``init_dist``), and wraps the model
without device ids.
"""
import datetime
import logging
import os
import os.path as osp
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log



def set_work_dir(cfg: Config, work_dir: Optional[str], config_path: str) -> None:
    """Set ``cfg.work_dir``: the command line wins over the config, then ./work_dirs/<name>.

    Args:
        cfg: Config to update in place.
        work_dir: ``--work-dir`` from the command line, or None.
        config_path: Path of the config file.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(config_path))[0])


def configure_train_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper of ``cfg`` to mixed precision for ``--amp``.

    With CUDA this is OpenMMLab's choice, ``AmpOptimWrapper`` with a dynamic
    loss scale. Without CUDA, MMEngine's ``AmpOptimWrapper`` raises, so the
    run uses ``CPUAutocastOptimWrapper`` (bfloat16 autocast on the CPU).

    Args:
        cfg: Config to update in place.

    Raises:
        ValueError: If the config has no ``optim_wrapper`` or its type is
            neither ``OptimWrapper`` nor an AMP wrapper already.
    """
    wrapper = cfg.get("optim_wrapper")
    if wrapper is None:
        raise ValueError("--amp needs an optim_wrapper in the config, but it has none")
    current = wrapper.get("type", "OptimWrapper")
    if current not in ("OptimWrapper", "AmpOptimWrapper", "CPUAutocastOptimWrapper"):
        raise ValueError(
            f"--amp cannot change optim_wrapper.type={current!r}; set a mixed-precision wrapper "
            "in the config instead of passing --amp"
        )

    if torch.cuda.is_available():
        wrapper.type = "AmpOptimWrapper"
        wrapper.setdefault("loss_scale", "dynamic")
        return

    wrapper.type = "CPUAutocastOptimWrapper"
    wrapper.pop("loss_scale", None)
    wrapper.dtype = "bfloat16"
    print_log(
        "--amp: CUDA is not available, so training uses bfloat16 autocast on the CPU "
        "(CPUAutocastOptimWrapper, no loss scaling) instead of AmpOptimWrapper",
        logger="current",
        level=logging.WARNING,
    )


def configure_test_amp(cfg: Config) -> None:
    """Enable mixed-precision testing (``test_cfg.fp16``) for ``--amp``.

    MMEngine's test loop autocasts to float16 on CUDA and to bfloat16 on the CPU.

    Args:
        cfg: Config to update in place.
    """
    if cfg.get("test_cfg") is None:
        cfg.test_cfg = ConfigDict()
    cfg.test_cfg.fp16 = True
    if not torch.cuda.is_available():
        print_log(
            "--amp: CUDA is not available, so testing uses bfloat16 autocast on the CPU",
            logger="current",
            level=logging.WARNING,
        )


def setup_distributed(cfg: Config, launcher: str) -> None:
    """Prepare a distributed run when no CUDA device is present.

    With CUDA, nothing changes and the Runner follows MMEngine's GPU path.
    Without CUDA and with ``launcher='pytorch'`` (``torchrun``), this
    initialises a gloo process group from the ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` environment variables and sets
    ``model_wrapper_cfg`` to DDP without device ids unless the config sets one.

    Args:
        cfg: Config to update in place.
        launcher: ``--launcher`` value.

    Raises:
        RuntimeError: If ``launcher`` is ``'slurm'`` or ``'mpi'`` and CUDA is
            unavailable, or the torchrun environment variables are missing.
    """
    if launcher == "none" or torch.cuda.is_available():
        return
    if launcher != "pytorch":
        raise RuntimeError(
            f"--launcher {launcher} needs CUDA with MMEngine 0.10.7; on a machine without CUDA, "
            "start the processes with torchrun, for example tools/dist_train.sh CONFIG 2, "
            "which passes --launcher pytorch"
        )
    missing = [name for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
    if missing:
        raise RuntimeError(
            f"--launcher pytorch needs the environment variables {', '.join(missing)}; "
            "start the script with torchrun or tools/dist_train.sh"
        )

    dist_cfg = cfg.setdefault("env_cfg", ConfigDict()).setdefault("dist_cfg", ConfigDict())
    dist_cfg.backend = "gloo"
    if not torch_dist.is_initialized():
        kwargs = {}
        if dist_cfg.get("timeout") is not None:
            kwargs["timeout"] = datetime.timedelta(seconds=dist_cfg.timeout)
        torch_dist.init_process_group(backend="gloo", **kwargs)

    # broadcast_buffers=False and find_unused_parameters follow the Runner's
    # own default wrapper, so CPU and GPU runs differ only in device ids.
    if cfg.get("model_wrapper_cfg") is None:
        cfg.model_wrapper_cfg = ConfigDict(
            type="MMDistributedDataParallel",
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get("find_unused_parameters", False),
        )
    elif cfg.model_wrapper_cfg.get("type", "MMDistributedDataParallel") == "MMDistributedDataParallel":
        cfg.model_wrapper_cfg.device_ids = None
    print_log(
        f"CUDA is not available: rank {torch_dist.get_rank()} of {torch_dist.get_world_size()} "
        "uses the gloo backend and DDP without device ids",
        logger="current",
    )
