"""Feature networks (FID Inception, LPIPS), SIFID and latent recovery, on random weights."""
import numpy as np
import pytest
import torch
from gan_metrics_helpers import (
    alexnet_weights_file,
    inception_weights_file,
    lpips_heads_file,
    random_images,
    random_inception,
    write_images,
)
from torch import nn

from sase_mm.gan.metrics import (
    FIDInceptionV3,
    build_fid_inception,
    build_lpips,
    latent_synthesizer,
    memorization_test,
    recover_latents,
    sifid,
    sifid_pairs,
)
from sase_mm.gan.metrics.frechet import feature_statistics, frechet_distance
from sase_mm.gan.metrics.images import list_images, load_images
from sase_mm.gan.metrics.inception import FID_WEIGHTS_FILENAME


@pytest.fixture(scope="module")
def inception():
    return build_fid_inception(inception_weights_file())


def test_inception_feature_shapes(inception):
    images = torch.rand(2, 3, 64, 48)
    assert inception(images).shape == (2, 2048)
    # (64 - 3) // 2 - 1 = 29 and (48 - 3) // 2 - 1 = 21.
    assert inception.forward_stem(images).shape == (2, 64, 29, 21)


def test_inception_loads_weight_file():
    expected = random_inception().network.state_dict()
    model = build_fid_inception(inception_weights_file())
    for key, value in model.network.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_inception_reads_hub_cache(tmp_path, monkeypatch):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    (checkpoints / FID_WEIGHTS_FILENAME).symlink_to(inception_weights_file())
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model = build_fid_inception(None)
    assert isinstance(model, FIDInceptionV3)


def test_inception_missing_weights_say_where(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    expected_path = str(tmp_path / "checkpoints" / FID_WEIGHTS_FILENAME)
    with pytest.raises(FileNotFoundError, match="pt_inception-2015-12-05-6726825d.pth") as error:
        build_fid_inception(None)
    assert expected_path in str(error.value)
    with pytest.raises(FileNotFoundError, match="not found at"):
        build_fid_inception(tmp_path / "missing.pth")


def test_inception_rejects_wrong_state_dict(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save({"fc.weight": torch.zeros(3, 3)}, path)
    with pytest.raises(RuntimeError):
        build_fid_inception(path)


def test_inception_stays_in_eval_mode(inception):
    inception.train()
    assert not inception.training
    assert not any(parameter.requires_grad for parameter in inception.parameters())


def test_inception_matches_pytorch_fid(monkeypatch):
    from pytorch_fid import inception as pytorch_fid_inception

    state_dict = torch.load(inception_weights_file(), weights_only=True)
    monkeypatch.setattr(
        pytorch_fid_inception, "load_state_dict_from_url", lambda *args, **kwargs: state_dict
    )
    reference = pytorch_fid_inception.InceptionV3([0, 3]).eval()
    ours = build_fid_inception(inception_weights_file())

    images = torch.rand(2, 3, 80, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference_stem, reference_pool3 = reference(images)
        pool3 = ours(images)
        # pytorch-fid's block 0 ends with the first max-pool; ours stops before it.
        stem = nn.functional.max_pool2d(
            ours.forward_stem(nn.functional.interpolate(images, size=(299, 299), mode="bilinear")),
            kernel_size=3, stride=2,
        )
    torch.testing.assert_close(pool3, reference_pool3.flatten(1), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(stem, reference_stem, rtol=1e-4, atol=1e-5)


def test_sifid_of_image_with_itself_is_zero(inception):
    image = torch.from_numpy(random_images(1, 48, seed=0)[0]).permute(2, 0, 1).float() / 255
    assert sifid(image, image, inception) == pytest.approx(0.0, abs=1e-6)


def test_sifid_matches_per_pixel_frechet(inception):
    images = torch.from_numpy(random_images(2, 48, seed=1)).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        maps = inception.forward_stem(images)
    pixels = [m.flatten(1).T.double().numpy() for m in maps]
    expected = frechet_distance(*feature_statistics(pixels[0]), *feature_statistics(pixels[1]))
    assert sifid(images[0], images[1], inception) == pytest.approx(expected, rel=1e-6)


# The twice-divided images are nearly constant, so scipy warns that sqrtm meets a singular matrix.
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_sifid_divides_by_255_once(tmp_path, inception):
    images = random_images(2, 48, seed=2)
    real_path, fake_path = write_images(tmp_path, images)
    reals, fakes = load_images([real_path]), load_images([fake_path])
    assert float(reals.max()) <= 1.0
    assert float(reals.max()) > 0.5
    value = sifid_pairs(reals, fakes, inception)[0]
    # SinGAN's script divides PNG values, already in [0, 1], by 255 again.
    twice_divided = sifid(reals[0] / 255, fakes[0] / 255, inception)
    assert value == pytest.approx(sifid(reals[0], fakes[0], inception))
    assert abs(value - twice_divided) > 1e-3 * max(value, twice_divided)


def test_sifid_names_images_of_different_size(inception):
    reals = torch.rand(2, 3, 40, 40)
    fakes = [torch.rand(3, 40, 40), torch.rand(3, 40, 44)]
    with pytest.raises(ValueError, match="a.png is 40x40 but b.png is 40x44"):
        sifid_pairs(reals[:1], torch.stack([fakes[1]]), inception, ["a.png"], ["b.png"])
    with pytest.raises(ValueError, match="2 real and 3 fake"):
        sifid_pairs(reals, torch.rand(3, 3, 40, 40), inception)


def test_image_folder_of_mixed_sizes_names_files(tmp_path):
    write_images(tmp_path, random_images(1, 32, seed=3), prefix="a")
    write_images(tmp_path, random_images(1, 36, seed=4), prefix="b")
    with pytest.raises(ValueError, match="a_000.png' is 32x32 but .*b_000.png' is 36x36"):
        load_images(list_images(tmp_path))


def test_lpips_matches_lpips_package():
    import lpips as lpips_package

    reference = lpips_package.LPIPS(net="alex", pnet_rand=True, verbose=False).eval()
    backbone = {
        "features." + key.split(".", 1)[1]: value
        for key, value in reference.net.state_dict().items()
    }
    torch.save(backbone, alexnet_weights_file().with_name("alexnet_from_lpips.pth"))
    ours = build_lpips(
        "alex", backbone_weights=alexnet_weights_file().with_name("alexnet_from_lpips.pth")
    )

    generator = torch.Generator().manual_seed(0)
    images1 = torch.rand(3, 3, 64, 64, generator=generator)
    images2 = torch.rand(3, 3, 64, 64, generator=generator)
    with torch.no_grad():
        expected = reference(images1, images2, normalize=True).flatten()
        actual = ours(images1, images2)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


def test_lpips_of_identical_images_is_zero():
    model = build_lpips("alex", alexnet_weights_file(), lpips_heads_file())
    images = torch.rand(2, 3, 32, 32)
    assert torch.allclose(model(images, images), torch.zeros(2))
    assert (model(images, images.flip(-1)) > 0).all()


def test_lpips_missing_backbone_says_where(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(FileNotFoundError, match="alexnet-owt-7be5be79.pth"):
        build_lpips("alex", None, lpips_heads_file())


class LinearGenerator(nn.Module):
    """Maps 8-d latents to 3x8x8 images in [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.latent_dim = 8
        self.linear = nn.Linear(8, 3 * 8 * 8)

    def forward(self, latents):
        return torch.tanh(self.linear(latents)).view(-1, 3, 8, 8)


def test_latent_recovery_reconstructs_reachable_images():
    torch.manual_seed(0)
    generator = LinearGenerator().eval()
    with torch.no_grad():
        targets = (generator(torch.randn(4, 8)) + 1) / 2
    _, errors = recover_latents(
        generator, targets, (8,), steps=200, learning_rate=0.1, progress=False
    )
    assert errors.shape == (4,)
    assert errors.max() < 1e-3
    assert not any(parameter.grad is not None for parameter in generator.parameters())


def test_memorization_test_flags_memorized_training_set():
    torch.manual_seed(0)
    generator = LinearGenerator().eval()
    with torch.no_grad():
        train = (generator(torch.randn(12, 8)) + 1) / 2
    heldout = torch.rand(12, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    report = memorization_test(
        generator, train, heldout, (8,), steps=150, learning_rate=0.1, progress=False
    )
    assert report["train_error_mean"] < report["heldout_error_mean"]
    assert report["ks_p_value"] < 0.01
    assert len(report["train_errors"]) == 12


def test_memorization_test_same_distribution_not_flagged():
    torch.manual_seed(0)
    generator = LinearGenerator().eval()
    rng = torch.Generator().manual_seed(2)
    train, heldout = torch.rand(12, 3, 8, 8, generator=rng), torch.rand(12, 3, 8, 8, generator=rng)
    report = memorization_test(
        generator, train, heldout, (8,), steps=50, learning_rate=0.1, progress=False
    )
    assert report["ks_p_value"] > 0.01


def test_latent_synthesizer_finds_generator():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.generator = LinearGenerator()

    synthesize, latent_shape = latent_synthesizer(Model())
    assert latent_shape == (8,)
    assert synthesize(torch.zeros(2, 8)).shape == (2, 3, 8, 8)
    with pytest.raises(TypeError, match="generate_from_latents"):
        latent_synthesizer(nn.Linear(2, 2))


def test_random_inception_features_vary(inception):
    features = inception(torch.rand(4, 3, 80, 80)).numpy()
    assert np.isfinite(features).all()
    assert features.std(axis=0).max() > 0


def test_latent_recovery_rejects_no_grad_function():
    generator = LinearGenerator().eval()

    @torch.no_grad()
    def synthesize(latents):
        return generator(latents)

    with pytest.raises(TypeError, match="without gradients"):
        recover_latents(synthesize, torch.rand(2, 3, 8, 8), (8,), steps=1, progress=False)
