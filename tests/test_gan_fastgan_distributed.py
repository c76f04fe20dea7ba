"""Two-process CPU training of FastGAN through tools/dist_train.sh (gloo, per-network DDP)."""
import os
import socket
import subprocess
import sys

import pytest
import torch

from sase_mm.gan.models.fastgan.inference import load_fastgan
from sase_mm.mm.checkpoint_globals import load_mmengine_checkpoint

from _fastgan_testing import REPOSITORY, tiny_config, write_images


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_two_process_cpu_training(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    work_dir = str(tmp_path / "work")
    config_path = str(tmp_path / "config.py")
    tiny_config("fastgan_sase_256_ada", data_root, work_dir, max_iters=2).dump(config_path)
    environment = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()), OMP_NUM_THREADS="1")
    environment["PYTHONPATH"] = REPOSITORY + os.pathsep + environment.get("PYTHONPATH", "")

    result = subprocess.run(
        ["bash", os.path.join(REPOSITORY, "tools", "dist_train.sh"), config_path, "2",
         "--work-dir", work_dir],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    checkpoint = os.path.join(work_dir, "iter_2.pth")
    state = load_mmengine_checkpoint(checkpoint, map_location="cpu")["state_dict"]
    assert not any(".module." in key for key in state if not key.startswith("generator_ema."))
    model = load_fastgan(config_path, checkpoint)
    assert model.generate(1).shape == (1, 3, 256, 256)
