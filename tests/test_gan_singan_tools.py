"""The SinGAN command-line path: tools/train.py, then the sampling and harmonization tools."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs/singan/sase-singan_china-cpu.py")


def run_tool(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train SASE-SinGAN for 3 scales x 2 iterations through tools/train.py."""
    folder = tmp_path_factory.mktemp("singan_tools")
    image_path = str(folder / "china_small.png")
    Image.fromarray(load_sample_image("china.jpg")).resize((60, 40), Image.BICUBIC).save(image_path)
    options = [
        f"model.image_path={image_path}",
        f"train_dataloader.dataset.image_path={image_path}",
        "model.max_size=32",
        "model.min_size=16",
        "model.channels=8",
        "model.max_channels=8",
        "model.iters_per_scale=2",
        "default_hooks.checkpoint.interval=6",
    ]
    work_dir = str(folder / "work")
    result = run_tool("tools/train.py", CONFIG, "--work-dir", work_dir, "--cfg-options", *options)
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint = os.path.join(work_dir, "iter_6.pth")
    assert os.path.isfile(checkpoint)
    return dict(folder=folder, image=image_path, checkpoint=checkpoint, options=options)


def model_options(trained: dict) -> list:
    return [option for option in trained["options"] if option.startswith("model.")]


def test_sample_tool_writes_grids(trained):
    out_dir = str(trained["folder"] / "samples")
    result = run_tool(
        "tools/gan/singan_sample.py", CONFIG, trained["checkpoint"], "--out-dir", out_dir,
        "--num-samples", "3", "--nrow", "4", "--sizes", "1x1", "1x1.5", "--start-scales", "1",
        "--device", "cpu", "--cfg-options", *model_options(trained),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # 4 tiles (training image + 3 samples) of 22x32 with 2-pixel padding.
    with Image.open(os.path.join(out_dir, "samples_1x1.png")) as grid:
        assert grid.size == (2 + 4 * (32 + 2), 2 + 22 + 2)
    with Image.open(os.path.join(out_dir, "samples_1x1.5.png")) as grid:
        assert grid.size == (2 + 3 * (48 + 2), 2 + 22 + 2)
    assert os.path.isfile(os.path.join(out_dir, "start_scale_1.png"))
    assert not [name for name in os.listdir(out_dir) if name.endswith(".tmp")]


def test_harmonize_tool(trained):
    reference = np.asarray(Image.open(trained["image"])).copy()
    reference[10:20, 20:35] = [255, 0, 0]
    reference_path = str(trained["folder"] / "naive.png")
    Image.fromarray(reference).save(reference_path)
    mask = np.zeros((40, 60), dtype=np.uint8)
    mask[10:20, 20:35] = 255
    mask_path = str(trained["folder"] / "naive_mask.png")
    Image.fromarray(mask).save(mask_path)
    common = [
        "tools/gan/singan_harmonize.py", CONFIG, trained["checkpoint"], "--reference", reference_path,
        "--device", "cpu", "--out-dir", str(trained["folder"] / "harmonized"),
        "--cfg-options", *model_options(trained),
    ]

    result = run_tool(*common, "--mask", mask_path, "--scale", "1", "--mode", "editing")
    assert result.returncode == 0, result.stderr[-3000:]
    assert os.path.isfile(trained["folder"] / "harmonized" / "editing_scale1.png")

    small_mask = str(trained["folder"] / "small_mask.png")
    Image.fromarray(mask[:30]).save(small_mask)
    result = run_tool(*common, "--mask", small_mask, "--scale", "1")
    assert result.returncode != 0
    assert "The mask is (30, 60) pixels but the reference image is (40, 60)" in result.stderr

    result = run_tool(*common, "--mask", mask_path, "--scale", "3")
    assert result.returncode != 0
    assert "injection scale=3 is outside 1..2" in result.stderr
