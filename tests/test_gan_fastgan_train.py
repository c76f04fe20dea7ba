"""FastGAN through the MMEngine Runner: every config builds; each variant trains, saves, resumes
and samples on CPU; bad input gets clear errors."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import sase_mm.gan  # noqa: F401  (registers the modules)
from sase_mm.gan.models.fastgan.inference import load_fastgan
from sase_mm.mm.checkpoint_globals import load_mmengine_checkpoint
from sase_mm.gan.registry import MODELS

from _fastgan_testing import CONFIG_FOLDER, tiny_config, write_images

CONFIG_NAMES = sorted(
    os.path.splitext(os.path.basename(path))[0]
    for path in glob.glob(os.path.join(CONFIG_FOLDER, "fastgan_*.py"))
)


def test_there_are_24_configs():
    assert len(CONFIG_NAMES) == 24


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_config_builds(name):
    cfg = Config.fromfile(os.path.join(CONFIG_FOLDER, f"{name}.py"))
    size = int(name.split("_")[2])
    cfg.model.generator.ngf = 4
    cfg.model.discriminator.ndf = 4
    cfg.model.reconstruction_loss = dict(type="L1ReconstructionLoss")
    init_default_scope("sase_gan")

    model = MODELS.build(cfg.model)

    assert model.im_size == size
    assert cfg.train_dataloader.dataset.im_size == size
    assert type(model.augment).__name__ == ("AdaptiveAugment" if name.endswith("_ada") else "DiffAugment")
    skip_type = type(model.generator.skips["skip_8_128"]).__name__
    assert skip_type == {"sle": "SLE", "sase": "SASESynthesis", "cbam": "CBAMSkip", "spap": "SPAPSkip"}[name.split("_")[1]]


def test_sase_1024_config_follows_paper_appendix():
    cfg = Config.fromfile(os.path.join(CONFIG_FOLDER, "fastgan_sase_1024_diffaug.py"))
    cfg.model.reconstruction_loss = dict(type="L1ReconstructionLoss")
    cfg.model.generator.ngf = 8
    init_default_scope("sase_gan")

    generator = MODELS.build(cfg.model).generator

    dilations = [generator.skips[name].key[0][3].dilation[0] for name in generator.sase_skip_names()]
    assert dilations == [2, 2, 4]
    assert all(generator.skips[name].key_noise == "fixed" for name in generator.sase_skip_names())


@pytest.mark.parametrize(
    "name", ["fastgan_sle_256_diffaug", "fastgan_sase_256_diffaug", "fastgan_cbam_256_diffaug",
             "fastgan_spap_256_diffaug", "fastgan_sase_256_ada"],
)
def test_variant_trains_saves_resumes_samples(name, tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    work_dir = str(tmp_path / "work")
    runner = Runner.from_cfg(tiny_config(name, data_root, work_dir, max_iters=2))
    runner.train()
    first = load_mmengine_checkpoint(os.path.join(work_dir, "iter_2.pth"), map_location="cpu")

    cfg = tiny_config(name, data_root, work_dir, max_iters=3, checkpoint_interval=1)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()

    assert resumed.iter == 3
    state = first["state_dict"]
    assert int(state["generator_ema.steps"]) == 2
    assert "generator_ema.module.to_big.parametrizations.weight.original" in state
    assert set(first["optimizer"]) == {"generator", "discriminator"}
    images = resumed.model.generate(3, generator=torch.Generator().manual_seed(0))
    assert images.shape == (3, 3, 256, 256)
    assert images.abs().max() <= 1
    assert resumed.model.ema_generator.training
    model = load_fastgan(cfg, os.path.join(work_dir, "iter_3.pth"))
    torch.testing.assert_close(
        model.ema_generator.to_big.parametrizations.weight.original,
        resumed.model.ema_generator.to_big.parametrizations.weight.original,
    )


def test_ema_averages_generator(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path / "work"), max_iters=3)
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model

    live = model.generator.to_big.parametrizations.weight.original
    averaged = model.ema_generator.to_big.parametrizations.weight.original

    assert not torch.equal(live, averaged)
    assert not averaged.requires_grad


def test_ada_probability_is_checkpointed(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sle_256_ada", data_root, str(tmp_path / "work"), max_iters=4)
    cfg.model.augment.interval = 1
    cfg.model.augment.speed_iters = 10
    runner = Runner.from_cfg(cfg)
    runner.train()

    state = load_mmengine_checkpoint(tmp_path / "work" / "iter_4.pth")["state_dict"]

    assert float(state["augment.probability"]) == pytest.approx(float(runner.model.augment.probability))
    assert int(state["augment.calls"]) == 4


def test_cpu_mixed_precision_trains(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sase_256_diffaug", data_root, str(tmp_path / "work"), max_iters=1)
    # What tools/train.py --amp writes on a machine without CUDA.
    cfg.optim_wrapper.type = "CPUAutocastOptimWrapper"
    cfg.optim_wrapper.dtype = "bfloat16"
    runner = Runner.from_cfg(cfg)
    runner.train()

    assert type(runner.optim_wrapper["generator"]).__name__ == "CPUAutocastOptimWrapper"
    assert runner.iter == 1


def test_checkpoint_of_other_architecture_raises(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path / "work"), max_iters=1)
    Runner.from_cfg(cfg).train()
    checkpoint = str(tmp_path / "work" / "iter_1.pth")
    other_skip = tiny_config("fastgan_sase_256_diffaug", data_root, str(tmp_path / "other"))
    other_size = tiny_config("fastgan_sle_512_diffaug", data_root, str(tmp_path / "other"))

    with pytest.raises(ValueError, match="does not match this FastGAN"):
        load_fastgan(other_skip, checkpoint)
    with pytest.raises(ValueError, match="im_size=512"):
        load_fastgan(other_size, checkpoint)


@pytest.mark.parametrize("batch_size", [0, -2])
def test_invalid_batch_size_raises(batch_size, tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path / "work"), max_iters=1)
    cfg.train_dataloader.batch_size = batch_size

    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        Runner.from_cfg(cfg).train()


def test_generate_rejects_zero_samples(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    model = load_fastgan(tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path)))

    with pytest.raises(ValueError, match="num_samples=0"):
        model.generate(0)


def test_mismatched_generator_and_discriminator_sizes_raise():
    init_default_scope("sase_gan")
    with pytest.raises(ValueError, match="generator im_size=256 differs from discriminator im_size=512"):
        MODELS.build(dict(
            type="FastGAN",
            generator=dict(type="FastGANGenerator", im_size=256, ngf=4),
            discriminator=dict(type="FastGANDiscriminator", im_size=512, ndf=4),
            reconstruction_loss=dict(type="L1ReconstructionLoss"),
        ))


def test_gradient_accumulation_raises(tmp_path):
    data_root = write_images(str(tmp_path / "images"))
    cfg = tiny_config("fastgan_sle_256_diffaug", data_root, str(tmp_path / "work"), max_iters=1)
    cfg.optim_wrapper.generator.accumulative_counts = 2

    with pytest.raises(ValueError, match="accumulative_counts from optim_wrapper.generator"):
        Runner.from_cfg(cfg).train()
