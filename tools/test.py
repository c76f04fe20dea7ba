"""Test (evaluate) a checkpoint with an MMEngine config.

The command line matches OpenMMLab's ``tools/test.py``; the default scope
comes from the config. Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.pkl --amp
    tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from sase_mm.mm.config_checks import check_custom_imports, check_dataset_folders
from sase_mm.mm.launch import configure_test_amp, set_work_dir, setup_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test a checkpoint with an MMEngine config")
    parser.add_argument("config", help="config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", help="folder for the log and metrics; default ./work_dirs/<config name>")
    parser.add_argument("--out", help="also dump the raw predictions to this pickle file")
    parser.add_argument(
        "--amp",
        action="store_true",
        help="mixed-precision test: float16 autocast with CUDA, bfloat16 autocast on the CPU",
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config keys, as key=value pairs (lists as key=\"[a,b]\"), merged into the config",
    )
    parser.add_argument("--no-pin-memory", action="store_true", help="set pin_memory=False in the test dataloader")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line arguments to the config."""
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.work_dir, args.config)
    cfg.load_from = args.checkpoint

    if args.amp:
        configure_test_amp(cfg)

    if args.no_pin_memory and cfg.get("test_dataloader") is not None:
        cfg.test_dataloader.pin_memory = False

    if args.out is not None:
        if not args.out.endswith((".pkl", ".pickle")):
            raise ValueError(f"--out must name a .pkl or .pickle file, got {args.out!r}")

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    check_custom_imports(cfg, args.config)
    cfg = merge_args(cfg, args)
    if not os.path.isfile(args.checkpoint):
        raise FileNotFoundError(f"checkpoint {args.checkpoint!r} does not exist")
    check_dataset_folders(cfg, ("test_dataloader",))
    setup_distributed(cfg, args.launcher)

    if "runner_type" in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    runner.test()


if __name__ == "__main__":
    main()
