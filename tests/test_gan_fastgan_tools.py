"""The FastGAN tools write their PNGs (and JSON) from a checkpoint trained here."""
import importlib.util
import json
import os

import pytest
import torch
from mmengine.runner import Runner
from PIL import Image

from sase_mm.gan.models.fastgan.analysis import style_mixing_sheet
from sase_mm.gan.models.fastgan.inference import load_fastgan

from _fastgan_testing import REPOSITORY, tiny_config, write_images


def _load_tool(name):
    path = os.path.join(REPOSITORY, "tools", "gan", f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fastgan_tools")
    data_root = write_images(str(folder / "images"))
    cfg = tiny_config("fastgan_sase_256_diffaug", data_root, str(folder / "work"), max_iters=1)
    Runner.from_cfg(cfg).train()
    config_path = str(folder / "config.py")
    cfg.dump(config_path)
    return dict(folder=folder, config=config_path, checkpoint=str(folder / "work" / "iter_1.pth"),
                images=data_root)


def _png_size(path):
    with Image.open(path) as image:
        return image.format, image.size


def test_sample_tool_writes_grid(trained):
    out = str(trained["folder"] / "samples.png")

    _load_tool("fastgan_sample").main([trained["config"], trained["checkpoint"], "--out", out,
                                       "--num-samples", "4", "--nrow", "2", "--device", "cpu"])

    assert _png_size(out) == ("PNG", (2 * 256 + 3 * 2, 2 * 256 + 3 * 2))


def test_style_mixing_tool_writes_sheet(trained):
    out = str(trained["folder"] / "mixing.png")

    _load_tool("fastgan_style_mixing").main([trained["config"], trained["checkpoint"], "--out", out,
                                             "--styles", "2", "--contents", "3", "--device", "cpu"])

    assert _png_size(out) == ("PNG", (4 * 256 + 5 * 2, 3 * 256 + 4 * 2))


def test_key_map_tool_writes_overlays(trained):
    out = str(trained["folder"] / "keys.png")

    _load_tool("fastgan_key_maps").main([trained["config"], trained["checkpoint"], "--out", out,
                                         "--num-samples", "1", "--device", "cpu"])

    # One image and 4 groups x 2 SASE stages of key maps.
    assert _png_size(out) == ("PNG", (9 * 256 + 10 * 2, 256 + 2 * 2))


def test_backtrack_tool_writes_png_and_json(trained):
    out = str(trained["folder"] / "backtrack.png")

    _load_tool("fastgan_backtrack").main([trained["config"], trained["checkpoint"], "--images",
                                          trained["images"], "--out", out, "--max-images", "2",
                                          "--iterations", "2", "--device", "cpu"])

    assert _png_size(out)[0] == "PNG"
    with open(str(trained["folder"] / "backtrack.json")) as stream:
        report = json.load(stream)
    assert len(report["l2"]) == 2
    assert report["mean_l2"] > 0


def test_style_mixing_needs_sase(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    model = load_fastgan(tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path / "work")))
    z = model.sample_latents(1)

    with pytest.raises(ValueError, match="no SASE skip layer"):
        style_mixing_sheet(model, z, z)


def test_missing_checkpoint_raises(trained):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_fastgan(trained["config"], str(trained["folder"] / "missing.pth"))


def test_standing_statistics_restore_contrast(trained):
    model = load_fastgan(trained["config"], trained["checkpoint"])
    z = model.sample_latents(4, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    flat = model.generate_from_latents(z).std()

    model.update_standing_statistics(num_batches=2, batch_size=4)
    torch.manual_seed(0)
    restored = model.generate_from_latents(z).std()

    assert restored > 10 * flat
    assert all(layer.momentum == 0.1 for layer in model.ema_generator.modules()
               if isinstance(layer, torch.nn.BatchNorm2d))
