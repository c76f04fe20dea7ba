"""The metrics from an MMEngine config (Runner.test) and from tools/gan/evaluate.py."""
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from gan_metrics_helpers import (
    alexnet_weights_file,
    inception_weights_file,
    lpips_heads_file,
    random_images,
    write_images,
)
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

import sase_mm.gan  # noqa: F401  (registers the metrics)
from sase_mm.gan.metrics import features as features_module
from sase_mm.gan.metrics.images import load_image
from sase_mm.gan.registry import DATASETS, MODELS

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_cli():
    path = REPO_ROOT / "tools" / "gan" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("gan_evaluate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


evaluate_cli = _load_cli()


@MODELS.register_module(force=True)
class MetricsTestGAN(BaseModel):
    """A linear generator with the GAN models' generate() interface."""

    def __init__(self, size: int = 32):
        super().__init__()
        self.latent_dim = 8
        self.generator = nn.Sequential(
            nn.Linear(8, 3 * size * size), nn.Tanh(), nn.Unflatten(1, (3, size, size))
        )

    def generate(self, num_samples, generator=None):
        device = next(self.parameters()).device
        latents = torch.randn(num_samples, self.latent_dim, generator=generator, device=device)
        return self.generator(latents)

    def forward(self, inputs=None, data_samples=None, mode="tensor"):
        return self.generate(len(inputs))

    def test_step(self, data):
        with torch.no_grad():
            return [{"fake_img": image} for image in self.generate(len(data["inputs"]))]

    val_step = test_step


@DATASETS.register_module(force=True)
class MetricsTestImages(torch.utils.data.Dataset):
    """Images of a folder as uint8 tensors under 'inputs', like a packed dataset."""

    def __init__(self, folder: str):
        self.paths = sorted(Path(folder).glob("*.png"))
        self.metainfo = {}

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        return {"inputs": (load_image(self.paths[index]) * 255).round().to(torch.uint8)}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    write_images(root / "real", random_images(8, 80, seed=0))
    write_images(root / "fake", random_images(8, 80, seed=1, low=60, high=200))
    write_images(root / "heldout", random_images(4, 32, seed=2))
    write_images(root / "train", random_images(4, 32, seed=3))
    write_images(root / "single", random_images(1, 32, seed=4))
    return root


def test_metrics_run_from_config(folders, tmp_path):
    weights = str(inception_weights_file())
    lpips_weights = dict(
        backbone_weights=str(alexnet_weights_file()), linear_weights=str(lpips_heads_file())
    )
    cfg = Config(dict(
        default_scope="sase_gan",
        work_dir=str(tmp_path / "work"),
        model=dict(type="MetricsTestGAN", size=80),
        test_dataloader=dict(
            dataset=dict(type="MetricsTestImages", folder=str(folders / "real")),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=4,
            num_workers=0,
        ),
        test_cfg=dict(type="TestLoop"),
        test_evaluator=[
            dict(type="FrechetInceptionDistance", inception_weights=weights, resize_input=False),
            dict(type="KernelInceptionDistance", inception_weights=weights, resize_input=False,
                 subset_size=6, num_subsets=3),
            dict(type="DensityCoverage", inception_weights=weights, resize_input=False, k=5,
                 real_folder=str(folders / "fake"), cache_dir=str(tmp_path / "cache")),
            dict(type="SingleImageFID", inception_weights=weights),
            dict(type="DiversityScore"),
            dict(type="LearnedPerceptualDistance", **lpips_weights),
            dict(type="MemorizationTest", train_folder=str(folders / "train"),
                 heldout_folder=str(folders / "heldout"), steps=3, batch_size=4),
        ],
        custom_hooks=[dict(type="AttachModelHook")],
        log_level="WARNING",
    ))
    with pytest.warns(UserWarning, match="rank-deficient"):
        metrics = Runner.from_cfg(cfg).test()

    expected_keys = {
        "FID", "KID", "KID_std", "precision", "recall", "density", "coverage", "SIFID",
        "diversity", "LPIPS", "KS_p_value", "KS_statistic", "train_error", "heldout_error",
    }
    assert expected_keys <= set(metrics)
    for key in expected_keys:
        assert math.isfinite(metrics[key]), key
    assert metrics["FID"] > 0
    assert metrics["diversity"] > 0
    assert 0 <= metrics["KS_p_value"] <= 1
    assert len(list((tmp_path / "cache").glob("fake-*.npz"))) == 1


def test_memorization_metric_needs_hook(folders):
    from sase_mm.gan.metrics import MemorizationTest

    metric = MemorizationTest(str(folders / "train"), str(folders / "heldout"), steps=1)
    with pytest.raises(RuntimeError, match="AttachModelHook"):
        metric.compute_metrics([0])


def _run_cli(*argv):
    return evaluate_cli.main([*map(str, argv), "--no-progress"])


def test_cli_on_folders_writes_json(folders, tmp_path, monkeypatch):
    calls = []
    original = features_module.extract_features

    def counting_extract(*args, **kwargs):
        calls.append(kwargs.get("description"))
        return original(*args, **kwargs)

    monkeypatch.setattr(features_module, "extract_features", counting_extract)
    out = tmp_path / "result.json"
    common = ["--real", folders / "real", "--inception-weights", inception_weights_file(),
              "--cache-dir", tmp_path / "cache", "--kid-subset-size", 8, "--kid-subsets", 5]

    assert _run_cli(*common, "--fake", folders / "fake", "--out", out) == 0
    result = json.loads(out.read_text())
    assert result["num_real"] == 8
    assert result["num_fake"] == 8
    assert result["FID"] > 0
    assert math.isfinite(result["KID"])
    assert set(result) >= {"precision", "recall", "density", "coverage", "settings"}
    assert "resize to 299x299" in result["settings"]["inception_preprocessing"]
    assert len(calls) == 1

    # Same real folder again: its features come from the cache, and FID with itself is 0.
    assert _run_cli(*common, "--fake", folders / "real", "--out", out) == 0
    assert len(calls) == 1
    result = json.loads(out.read_text())
    assert result["FID"] == pytest.approx(0.0, abs=1e-6)
    assert result["coverage"] == 1.0


def test_feature_cache_keys(tmp_path, monkeypatch):
    calls = []
    original = features_module.extract_features

    def counting_extract(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(features_module, "extract_features", counting_extract)
    folder = tmp_path / "images"
    write_images(folder, random_images(3, 16, seed=5))
    torch.manual_seed(0)
    extractor = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 4))
    cache = tmp_path / "cache"

    first = features_module.folder_features(folder, extractor, cache_dir=cache, progress=False)
    again = features_module.folder_features(folder, extractor, cache_dir=cache, progress=False)
    assert len(calls) == 1
    np.testing.assert_array_equal(first, again)
    assert not list(cache.glob("*.tmp"))

    # A changed modification time, or other extractor weights, computes the features anew.
    image = sorted(folder.iterdir())[0]
    os.utime(image, ns=(image.stat().st_atime_ns, image.stat().st_mtime_ns + 10**9))
    features_module.folder_features(folder, extractor, cache_dir=cache, progress=False)
    assert len(calls) == 2
    with torch.no_grad():
        extractor[1].weight.add_(1.0)
    changed = features_module.folder_features(folder, extractor, cache_dir=cache, progress=False)
    assert len(calls) == 3
    assert not np.allclose(changed, first)
    assert len(list(cache.glob("images-*.npz"))) == 3


def test_cli_single_image_metrics(folders, tmp_path):
    out = tmp_path / "single.json"
    code = _run_cli(
        "--real", folders / "single", "--fake", folders / "train", "--out", out,
        "--metrics", "sifid", "diversity", "--inception-weights", inception_weights_file(),
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert len(result["SIFID_per_image"]) == 4
    assert result["SIFID"] == pytest.approx(np.mean(result["SIFID_per_image"]))
    assert result["diversity"] > 0


def test_cli_sifid_names_size_mismatch(folders, tmp_path, caplog):
    code = _run_cli(
        "--real", folders / "single", "--fake", folders / "fake", "--out", tmp_path / "x.json",
        "--metrics", "sifid", "--inception-weights", inception_weights_file(),
    )
    assert code == 1
    assert "single/image_000.png is 32x32 but" in caplog.text
    assert "fake/image_000.png is 80x80" in caplog.text
    assert not (tmp_path / "x.json").exists()


def test_cli_lpips_pairs_folders(folders, tmp_path):
    out = tmp_path / "lpips.json"
    code = _run_cli(
        "--real", folders / "real", "--fake", folders / "fake", "--out", out, "--metrics", "lpips",
        "--lpips-backbone-weights", alexnet_weights_file(),
        "--lpips-linear-weights", lpips_heads_file(),
    )
    assert code == 0
    assert json.loads(out.read_text())["LPIPS"] > 0


def test_cli_missing_weights_say_where(folders, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    code = _run_cli(
        "--real", folders / "real", "--fake", folders / "fake", "--out", tmp_path / "r.json"
    )
    assert code == 1
    expected_path = tmp_path / "hub" / "checkpoints" / "pt_inception-2015-12-05-6726825d.pth"
    assert str(expected_path) in caplog.text


def test_cli_evaluates_checkpoint(folders, tmp_path):
    config = tmp_path / "config.py"
    config.write_text("default_scope = 'sase_gan'\nmodel = dict(type='MetricsTestGAN', size=32)\n")
    torch.manual_seed(0)
    checkpoint = tmp_path / "model.pth"
    torch.save({"state_dict": MetricsTestGAN(size=32).state_dict()}, checkpoint)
    out = tmp_path / "checkpoint.json"

    code = _run_cli(
        "--config", config, "--checkpoint", checkpoint, "--num-samples", 10, "--batch-size", 4,
        "--real", folders / "single", "--metrics", "sifid", "diversity", "memorization",
        "--train", folders / "train", "--heldout", folders / "heldout", "--recovery-steps", 5,
        "--recovery-distance", "lpips", "--lpips-backbone-weights", alexnet_weights_file(),
        "--lpips-linear-weights", lpips_heads_file(),
        "--inception-weights", inception_weights_file(), "--out", out,
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert len(result["SIFID_per_image"]) == 10
    assert result["settings"]["num_samples"] == 10
    memorization = result["memorization"]
    assert len(memorization["train_errors"]) == 4
    assert 0 <= memorization["ks_p_value"] <= 1
    assert result["LPIPS_backtracking"] == memorization["heldout_error_mean"]


def test_cli_script_runs_as_program(folders, tmp_path):
    out = tmp_path / "script.json"
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools/gan/evaluate.py"), "--real", str(folders / "real"),
         "--fake", str(folders / "fake"), "--metrics", "fid", "--no-resize", "--no-cache",
         "--inception-weights", str(inception_weights_file()), "--out", str(out), "--no-progress"],
        env=environment, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(out.read_text())["FID"] > 0


def test_cli_rejects_missing_sources(folders, tmp_path):
    with pytest.raises(SystemExit):
        evaluate_cli.parse_args(
            ["--real", str(folders / "real"), "--out", str(tmp_path / "a.json")]
        )
    with pytest.raises(SystemExit):
        evaluate_cli.parse_args([
            "--fake", str(folders / "fake"), "--metrics", "memorization",
            "--out", str(tmp_path / "a.json"),
        ])


def test_cli_evaluates_fastgan_checkpoint(folders, tmp_path):
    from _fastgan_testing import tiny_config
    from mmengine.registry import init_default_scope

    cfg = tiny_config("fastgan_sase_256_diffaug", str(folders / "real"), str(tmp_path / "work"))
    config = tmp_path / "fastgan.py"
    cfg.dump(str(config))
    init_default_scope("sase_gan")
    torch.manual_seed(0)
    checkpoint = tmp_path / "fastgan.pth"
    torch.save({"state_dict": MODELS.build(cfg.model).state_dict()}, checkpoint)
    out = tmp_path / "fastgan.json"

    code = _run_cli(
        "--config", config, "--checkpoint", checkpoint, "--num-samples", 6, "--batch-size", 3,
        "--real", folders / "real", "--metrics", "kid", "prdc", "memorization",
        "--kid-subset-size", 6, "--kid-subsets", 3, "--no-cache",
        "--train", folders / "train", "--heldout", folders / "heldout", "--recovery-steps", 2,
        "--inception-weights", inception_weights_file(), "--out", out,
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert result["num_fake"] == 6
    assert math.isfinite(result["KID"])
    assert 0 <= result["coverage"] <= 1
    assert len(result["memorization"]["heldout_errors"]) == 4
