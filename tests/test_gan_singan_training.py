"""Short CPU training of SinGAN, SLE-SinGAN, SASE-SinGAN and ConSinGAN through MMEngine's Runner.

Each config trains on a small crop of scikit-learn's china.jpg (3 scales, 4 iterations per scale),
stops mid-scale, resumes from the checkpoint, finishes, and samples.
"""

import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image
from sklearn.datasets import load_sample_image

import sase_mm.gan  # noqa: F401  (registers the sase_gan modules)
from sase_mm.gan.models.singan import ConSinGAN, SinGAN, harmonize
from sase_mm.gan.models.singan.outputs import load_trained_model

CONFIGS = {
    "singan": "configs/singan/singan_250px.py",
    "sle-singan": "configs/singan/sle-singan_250px.py",
    "sase-singan": "configs/singan/sase-singan_250px.py",
    "consingan": "configs/singan/consingan_250px.py",
}
ITERS_PER_SCALE = 4
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> str:
    """A 48x72 crop of the real photo china.jpg."""
    path = tmp_path_factory.mktemp("photo") / "china_small.png"
    image = Image.fromarray(load_sample_image("china.jpg")).resize((72, 48), Image.BICUBIC)
    image.save(path)
    return str(path)


def small_overrides(name: str) -> dict:
    """Model settings for 3 scales of at most 36 pixels and 8-16 channels."""
    overrides = dict(max_size=36, min_size=16, iters_per_scale=ITERS_PER_SCALE, channels=8)
    if name == "consingan":
        overrides["num_scales"] = 3
    else:
        overrides.update(max_channels=16, channels_double_every=2)
    return overrides


def small_config(name: str, image_path: str, work_dir: str, max_iters=None) -> Config:
    cfg = Config.fromfile(os.path.join(ROOT, CONFIGS[name]))
    cfg.model.image_path = image_path
    cfg.train_dataloader.dataset.image_path = image_path
    cfg.model.update(small_overrides(name))
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(type="ProgressiveTrainLoop", max_iters=max_iters)
    cfg.default_hooks.checkpoint.update(interval=6, max_keep_ckpts=3)
    cfg.default_hooks.logger.interval = 6
    cfg.log_level = "WARNING"
    return cfg


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_train_resume_sample(name, photo, tmp_path):
    work_dir = str(tmp_path / name)

    # Stop in the middle of scale 1 (iteration 6 of 4 + 4 + 4).
    runner = Runner.from_cfg(small_config(name, photo, work_dir, max_iters=6))
    runner.train()
    stopped = runner.model
    assert int(stopped.iteration) == 6
    assert int(stopped.num_trained_scales) == 1
    amplitude_scale_1 = float(stopped.noise_amps[1])
    assert amplitude_scale_1 > 0
    checkpoint = os.path.join(work_dir, "iter_6.pth")
    assert os.path.isfile(checkpoint)

    cfg = small_config(name, photo, work_dir)
    cfg.resume = True
    cfg.load_from = checkpoint
    resumed_runner = Runner.from_cfg(cfg)
    resumed_runner.train()
    model = resumed_runner.model
    assert resumed_runner.iter == model.total_iterations == 3 * ITERS_PER_SCALE
    assert int(model.iteration) == 12
    assert int(model.num_trained_scales) == model.num_scales == 3
    # Scale 1 continued from the checkpoint: its noise amplitude was kept, not recomputed.
    assert float(model.noise_amps[1]) == pytest.approx(amplitude_scale_1)
    adam_state = resumed_runner.optim_wrapper["generator_1"].optimizer.state
    steps = max(int(state["step"]) for state in adam_state.values())
    # Both take 3 generator optimizer steps per iteration (ConSinGAN on one gradient).
    assert steps == ITERS_PER_SCALE * 3

    samples = model.generate(2, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (2, 3) + tuple(model.scale_sizes[-1])
    assert samples.abs().max() <= 1

    wide = model.sample(2, height_factor=1.0, width_factor=1.5)
    assert wide.shape[-2:] == (model.scale_sizes[-1][0], round(model.scale_sizes[-1][1] * 1.5))
    assert torch.isfinite(model.sample(1, start_scale=2)).all()

    overrides = {f"model.{key}": value for key, value in small_overrides(name).items()}
    overrides["model.image_path"] = photo
    reloaded = load_trained_model(
        os.path.join(ROOT, CONFIGS[name]), os.path.join(work_dir, "iter_12.pth"), overrides, "cpu"
    )
    same = torch.Generator().manual_seed(3)
    again = torch.Generator().manual_seed(3)
    model.eval()
    assert torch.allclose(
        reloaded.sample(1, generator=same), model.sample(1, generator=again), atol=1e-5
    )


def trained_singan(image_path: str, **kwargs) -> SinGAN:
    """A SinGAN whose scales are all marked trained (weights at their initial values)."""
    model = SinGAN(image_path, **{**small_overrides("singan"), **kwargs})
    model.noise_amps.fill_(0.1)
    model.num_trained_scales.fill_(model.num_scales)
    return model.eval()


def test_fixed_noise_kept_during_training(photo):
    from sase_mm.gan.models.singan.training import SingleImageGANOptimWrapperConstructor

    model = SinGAN(photo, **small_overrides("singan"))
    fixed_before = model.fixed_noise.clone()
    optimizers = SingleImageGANOptimWrapperConstructor(
        dict(
            generator=dict(optimizer=dict(type="Adam", lr=5e-4)),
            discriminator=dict(optimizer=dict(type="Adam", lr=5e-4)),
        )
    )(model)
    for _ in range(ITERS_PER_SCALE + 1):
        model.train_step({}, optimizers)
    assert torch.equal(model.fixed_noise, fixed_before)
    assert int(model.num_trained_scales) == 1
    assert float(model.noise_amps[0]) == 1.0


def test_learning_rate_drops_at_milestone(photo):
    from sase_mm.gan.models.singan.training import SingleImageGANOptimWrapperConstructor

    model = ConSinGAN(photo, **{**small_overrides("consingan"), "lr_milestone_ratio": 0.5})
    optimizers = SingleImageGANOptimWrapperConstructor(
        dict(
            generator=dict(optimizer=dict(type="Adam", lr=1e-3)),
            discriminator=dict(optimizer=dict(type="Adam", lr=2e-3)),
        )
    )(model)
    for _ in range(ITERS_PER_SCALE + ITERS_PER_SCALE // 2 + 1):
        model.train_step({}, optimizers)
    # Scale 1 at local iteration 2 of 4: past the milestone, so every rate is x0.1.
    generator_rates = [group["lr"] for group in optimizers["generator_1"].optimizer.param_groups]
    # Groups: stage 0 (lr x0.1), stage 1 (lr), head (lr x0.1), tail (lr); then x0.1 for all.
    assert generator_rates == pytest.approx([1e-5, 1e-4, 1e-5, 1e-4])
    assert optimizers["discriminator_1"].optimizer.param_groups[0]["lr"] == pytest.approx(2e-4)


@pytest.mark.parametrize("channels_mode", ["L", "LA"])
def test_greyscale_image_trains(channels_mode, tmp_path):
    path = tmp_path / f"grey_{channels_mode}.png"
    grey = np.asarray(Image.fromarray(load_sample_image("china.jpg")).convert("L").resize((60, 40)))
    Image.fromarray(grey).convert(channels_mode).save(path)
    from sase_mm.gan.models.singan.training import SingleImageGANOptimWrapperConstructor

    for in_channels in (3, 1):
        model = SinGAN(str(path), in_channels=in_channels, **small_overrides("singan"))
        optimizers = SingleImageGANOptimWrapperConstructor(
            dict(
                generator=dict(optimizer=dict(type="Adam", lr=5e-4)),
                discriminator=dict(optimizer=dict(type="Adam", lr=5e-4)),
            )
        )(model)
        for _ in range(ITERS_PER_SCALE):
            model.train_step({}, optimizers)
        assert model.sample(1).shape[1] == in_channels
        assert model.generate(1).shape[1] == 3


def test_harmonize_blends_inside_mask(photo):
    model = trained_singan(photo)
    reference = torch.rand(1, 3, 48, 72) * 2 - 1
    mask = torch.zeros(1, 1, 48, 72)
    mask[..., 20:30, 30:40] = 1
    result = harmonize(model, reference, mask, scale=1, mode="harmonization", num_samples=2)
    assert result["blended"].shape == (2, 3) + tuple(model.scale_sizes[-1])
    soft = result["mask"]
    outside = soft[0, 0] < 1e-6
    assert outside.any()
    difference = (result["blended"] - result["reference"]).abs().amax(dim=(0, 1))
    assert float(difference[outside].max()) < 1e-5
    assert float(soft.max()) == pytest.approx(1.0)


def test_harmonize_rejects_bad_input(photo):
    model = trained_singan(photo)
    reference = torch.zeros(1, 3, 48, 72)
    with pytest.raises(ValueError, match=r"mask is \(40, 72\)"):
        harmonize(model, reference, torch.zeros(1, 1, 40, 72), scale=1)
    last = model.num_scales - 1
    for scale in (0, model.num_scales):
        with pytest.raises(ValueError, match=f"injection scale={scale} is outside 1..{last}"):
            harmonize(model, reference, torch.zeros(1, 1, 48, 72), scale=scale)


def test_sampling_untrained_scale_rejected(photo):
    model = SinGAN(photo, **small_overrides("singan"))
    with pytest.raises(ValueError, match="No scale of this model is trained"):
        model.generate(1)
    model.num_trained_scales.fill_(1)
    with pytest.raises(ValueError, match="start_scale=2 is outside 0..0"):
        model.sample(1, start_scale=2)


def test_checkpoint_from_other_image_size_rejected(photo, tmp_path):
    trained = trained_singan(photo)
    other = tmp_path / "tall.png"
    Image.fromarray(load_sample_image("china.jpg")).resize((48, 96)).save(other)
    model = SinGAN(str(other), **small_overrides("singan"))
    with pytest.raises(ValueError, match="checkpoint was trained on a pyramid of 3 scales"):
        model.load_state_dict(trained.state_dict())


def test_dataset_image_must_match_model(photo, tmp_path):
    other = tmp_path / "other.png"
    Image.fromarray(load_sample_image("flower.jpg")).resize((72, 48)).save(other)
    model = SinGAN(photo, **small_overrides("singan"))
    from sase_mm.gan.models.singan.training import SingleImageDataset

    data = dict(inputs=[SingleImageDataset(str(other))[0]["inputs"]])
    with pytest.raises(ValueError, match="feeds another image"):
        model.train_step(data, optim_wrapper=None)
