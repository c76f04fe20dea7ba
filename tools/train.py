"""Train a model from an MMEngine config (mmpretrain, mmdet or sase_mm GAN configs).

The command line matches OpenMMLab's ``tools/train.py``; the default scope
comes from the config's ``default_scope``. Examples::

    python tools/train.py configs/sase_resnet/sase-resnet50_8xb32_in1k.py
    python tools/train.py CONFIG --resume --amp --cfg-options train_cfg.max_iters=100
    tools/dist_train.sh CONFIG 8
"""
import argparse
import os

from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from sase_mm.mm.config_checks import check_custom_imports, check_dataset_folders
from sase_mm.mm.launch import configure_train_amp, set_work_dir, setup_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a model from an MMEngine config")
    parser.add_argument("config", help="config file path")
    parser.add_argument("--work-dir", help="folder for logs and checkpoints; default ./work_dirs/<config name>")
    parser.add_argument(
        "--resume",
        nargs="?",
        type=str,
        const="auto",
        help="resume from this checkpoint, or, without a value, from the latest checkpoint in the work folder",
    )
    parser.add_argument(
        "--amp",
        action="store_true",
        help="mixed-precision training: float16 AmpOptimWrapper with CUDA, bfloat16 autocast on the CPU",
    )
    parser.add_argument("--no-validate", action="store_true", help="skip validation during training")
    parser.add_argument(
        "--auto-scale-lr",
        action="store_true",
        help="scale the learning rate by the actual total batch size over auto_scale_lr.base_batch_size",
    )
    parser.add_argument("--no-pin-memory", action="store_true", help="set pin_memory=False in all dataloaders")
    parser.add_argument(
        "--no-persistent-workers",
        action="store_true",
        help="set persistent_workers=False in all dataloaders",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config keys, as key=value pairs (lists as key=\"[a,b]\"), merged into the config",
    )
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none", help="job launcher")
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line arguments to the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    cfg.launcher = args.launcher
    set_work_dir(cfg, args.work_dir, args.config)

    if args.amp:
        configure_train_amp(cfg)

    if args.resume == "auto":
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        if cfg.get("auto_scale_lr") is None:
            raise ValueError("--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=N) in the config")
        cfg.auto_scale_lr.enable = True

    for field in ("train_dataloader", "val_dataloader", "test_dataloader"):
        loader = cfg.get(field)
        if loader is None:
            continue
        # PyTorch rejects persistent workers when num_workers is 0.
        persistent = loader.get("num_workers", 0) > 0
        merged = ConfigDict(pin_memory=True, persistent_workers=persistent)
        if cfg.get("default_scope") == "mmpretrain":
            # mmpretrain's own train.py stacks samples; mmdet and the GAN configs keep
            # MMEngine's pseudo_collate, which keeps differently sized images apart.
            merged.collate_fn = dict(type="default_collate")
        merged.update(loader)
        if args.no_pin_memory:
            merged.pin_memory = False
        if args.no_persistent_workers:
            merged.persistent_workers = False
        cfg[field] = merged

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    check_custom_imports(cfg, args.config)
    cfg = merge_args(cfg, args)
    check_dataset_folders(cfg, ("train_dataloader", "val_dataloader"))
    setup_distributed(cfg, args.launcher)

    if "runner_type" in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == "__main__":
    main()
