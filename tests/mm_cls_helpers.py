"""Shared helpers of the tests/test_mm_cls_*.py files."""
import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "configs" / "sase_resnet"
FASHION_MNIST_CONFIG = CONFIG_DIR / "sase-resnet50_1xb128-rsb-a2_fashion-mnist.py"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def _read_idx_head(path: Path, num_items: int) -> bytes:
    """Read the header and the first ``num_items`` items of a gzipped IDX file, with the count patched."""
    with gzip.open(path, "rb") as file:
        magic = file.read(4)
        num_dims = magic[3]
        dims = list(struct.unpack(f">{num_dims}I", file.read(4 * num_dims)))
        item_size = 1
        for dim in dims[1:]:
            item_size *= dim
        body = file.read(item_size * num_items)
    dims[0] = num_items
    return magic + struct.pack(f">{num_dims}I", *dims) + body


def write_tiny_fashion_mnist(out_dir: Path, num_train: int = 64, num_test: int = 32) -> Path:
    """Write the first real Fashion-MNIST items as un-gzipped IDX files that mmpretrain reads.

    Returns:
        ``out_dir``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {"train": num_train, "t10k": num_test}
    for split, count in counts.items():
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{split}-{kind}-ubyte"
            (out_dir / name).write_bytes(_read_idx_head(DEBIAN_FASHION_MNIST / f"{name}.gz", count))
    return out_dir


def run_tool(args: List[str], extra_pythonpath: Optional[Path] = None, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run a tools/ script with this checkout first on PYTHONPATH and 1 thread per process."""
    env: Dict[str, str] = dict(os.environ)
    paths = [str(REPO_ROOT)] + ([str(extra_pythonpath)] if extra_pythonpath else [])
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHON"] = sys.executable
    command = args if args[0].endswith(".sh") else [sys.executable] + args
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def tiny_config(path: Path, data_root: Path, extra: str = "") -> Path:
    """Write a child of the Fashion-MNIST config: SASE-ResNet-26, batch 4, 6 iterations, checkpoints every 3."""
    path.write_text(
        f"""_base_ = {str(FASHION_MNIST_CONFIG)!r}
model = dict(backbone=dict(depth=26))
train_dataloader = dict(batch_size=4, num_workers=1, dataset=dict(data_root={str(data_root)!r}))
val_dataloader = dict(batch_size=16, num_workers=0, dataset=dict(data_root={str(data_root)!r}))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', T_max=4, eta_min=1e-6, by_epoch=False, begin=2, end=6),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=6, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=3, max_keep_ckpts=3), logger=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
{extra}
"""
    )
    return path
