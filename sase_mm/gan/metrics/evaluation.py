"""MMEngine metrics for a GAN config's ``val_evaluator`` / ``test_evaluator``.

Fake images come from the model's ``val_step`` / ``test_step`` outputs: each output is an
image tensor (C, H, W), a dict containing one under ``fake_key``, or a data element with that
attribute. Real images come from ``data_batch[real_key]`` (the dataset the loop iterates)
unless ``real_folder`` names a folder of real images, whose Inception features are then
cached (see :mod:`sase_mm.gan.metrics.features`). Value ranges are stated per side
because generators output [-1, 1] and packed datasets hold [0, 255].

The memorization test needs the model itself; :class:`AttachModelHook` hands it over.

Example config::

    val_evaluator = [
        dict(type='FrechetInceptionDistance', real_folder='data/obama',
             inception_weights='weights/pt_inception-2015-12-05-6726825d.pth'),
        dict(type='KernelInceptionDistance', real_folder='data/obama', subset_size=50),
        dict(type='DensityCoverage', real_folder='data/obama', k=5),
    ]
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from sase_mm.gan.metrics.features import DEFAULT_CACHE_DIR, folder_features
from sase_mm.gan.metrics.frechet import frechet_distance_from_features
from sase_mm.gan.metrics.images import list_images, load_images, to_unit_range
from sase_mm.gan.metrics.inception import FIDInceptionV3, build_fid_inception
from sase_mm.gan.metrics.kid import kernel_inception_distance
from sase_mm.gan.metrics.lpips import LPIPS, build_lpips
from sase_mm.gan.metrics.memorization import run_memorization_test
from sase_mm.gan.metrics.prdc import density_coverage
from sase_mm.gan.metrics.single_image import diversity_score, sifid_pairs
from sase_mm.gan.registry import HOOKS, METRICS

__all__ = [
    "AttachModelHook",
    "DensityCoverage",
    "DiversityScore",
    "FrechetInceptionDistance",
    "KernelInceptionDistance",
    "LearnedPerceptualDistance",
    "MemorizationTest",
    "SingleImageFID",
]

_logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _shared_inception(weights: str | None, resize_input: bool, device: str) -> FIDInceptionV3:
    # One network per weight file and device, shared by the metrics of an evaluator.
    return build_fid_inception(weights, resize_input=resize_input, device=device)


@functools.lru_cache(maxsize=2)
def _shared_lpips(net: str, backbone: str | None, heads: str | None, device: str) -> LPIPS:
    return build_lpips(net, backbone, heads, device=device)


def _element_image(element: Any, key: str) -> torch.Tensor:
    if isinstance(element, torch.Tensor):
        return element
    if isinstance(element, dict) and key in element:
        value = element[key]
    elif hasattr(element, key):
        value = getattr(element, key)
    else:
        raise KeyError(
            f"model output of type {type(element).__name__} contains no image under {key!r}; "
            "set fake_key to the output's image field"
        )
    # MMEngine data elements may wrap the tensor in a PixelData-like field.
    return value.data if hasattr(value, "data") and not isinstance(value, torch.Tensor) else value


def _images_from(batch: Any, key: str, value_range: Sequence[float]) -> torch.Tensor:
    """Stack a batch of images (tensor, list of tensors, dicts or data elements) in [0, 1]."""
    if isinstance(batch, dict):
        batch = batch[key]
    if isinstance(batch, torch.Tensor) and batch.ndim == 4:
        return to_unit_range(batch, tuple(value_range))
    images = [_element_image(element, key) for element in batch]
    return torch.cat([to_unit_range(image, tuple(value_range)) for image in images])


class _ImageMetric(BaseMetric):
    """Shared input handling of the metrics below.

    Args:
        real_folder (str, optional): Folder of real images; None takes the real images
            from ``data_batch[real_key]``. Defaults to None.
        fake_key (str): Image field of the model outputs. Defaults to ``'fake_img'``.
        real_key (str): Image field of the data batch. Defaults to ``'inputs'``.
        fake_value_range (tuple): Value range of the fake images. Defaults to (-1, 1).
        real_value_range (tuple): Value range of ``data_batch`` images. Defaults to (0, 255).
        batch_size (int): Images per forward pass over ``real_folder``. Defaults to 50.
        collect_device (str): See ``BaseMetric``. Defaults to ``'cpu'``.
        prefix (str, optional): See ``BaseMetric``. Defaults to None.
    """

    def __init__(
        self,
        real_folder: str | None = None,
        fake_key: str = "fake_img",
        real_key: str = "inputs",
        fake_value_range: Sequence[float] = (-1.0, 1.0),
        real_value_range: Sequence[float] = (0.0, 255.0),
        batch_size: int = 50,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if real_folder is not None:
            list_images(real_folder)  # Fail at build time on a missing or empty folder.
        self.real_folder = real_folder
        self.fake_key = fake_key
        self.real_key = real_key
        self.fake_value_range = tuple(fake_value_range)
        self.real_value_range = tuple(real_value_range)
        self.batch_size = batch_size

    def _fake_images(self, data_samples: Any) -> torch.Tensor:
        return _images_from(data_samples, self.fake_key, self.fake_value_range)

    def _real_images(self, data_batch: Any) -> torch.Tensor:
        return _images_from(data_batch, self.real_key, self.real_value_range)


class _InceptionFeatureMetric(_ImageMetric):
    """Metrics on the 2048-d pool3 features of fake and real images.

    Args:
        inception_weights (str, optional): Path of the pytorch-fid weight file; None
            reads it from the torch hub cache. Defaults to None.
        resize_input (bool): Resize to 299x299 before Inception, as FID is defined.
            Turn off only for quick checks. Defaults to True.
        cache_dir (str, optional): Feature cache of ``real_folder``; None disables it.
            Defaults to ``~/.cache/sase_mm/gan_features``.
        **kwargs: See :class:`_ImageMetric`.
    """

    def __init__(
        self,
        inception_weights: str | None = None,
        resize_input: bool = True,
        cache_dir: str | None = str(DEFAULT_CACHE_DIR),
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.inception_weights = None if inception_weights is None else str(inception_weights)
        self.resize_input = resize_input
        self.cache_dir = cache_dir
        self._device = "cpu"

    def _inception(self) -> FIDInceptionV3:
        return _shared_inception(self.inception_weights, self.resize_input, self._device)

    @torch.no_grad()
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the features of the fake images and, without ``real_folder``, the real ones."""
        fakes = self._fake_images(data_samples)
        self._device = str(fakes.device)
        fake_features = self._inception()(fakes).cpu().numpy()
        real_features = [None] * len(fake_features)
        if self.real_folder is None:
            reals = self._real_images(data_batch).to(fakes.device)
            real_features = list(self._inception()(reals).cpu().numpy())
            if len(real_features) != len(fake_features):
                raise ValueError(
                    f"the batch contains {len(real_features)} real and {len(fake_features)} fake "
                    "images; return one fake image per real one, or set real_folder"
                )
        for fake, real in zip(fake_features, real_features):
            self.results.append({"fake": fake, "real": real})

    def _gather(self, results: list) -> tuple[np.ndarray, np.ndarray]:
        fake_features = np.stack([result["fake"] for result in results])
        if self.real_folder is None:
            real_features = np.stack([result["real"] for result in results])
        else:
            real_features = folder_features(
                self.real_folder, self._inception(), self.batch_size, self.cache_dir
            )
        return real_features, fake_features


@METRICS.register_module()
class FrechetInceptionDistance(_InceptionFeatureMetric):
    """FID on the pool3 features of the FID Inception; reports ``FID``.

    Args:
        **kwargs: See :class:`_InceptionFeatureMetric`.
    """

    def compute_metrics(self, results: list) -> dict[str, float]:
        real_features, fake_features = self._gather(results)
        fid = frechet_distance_from_features(
            real_features, fake_features, names=("real features", "fake features")
        )
        return {"FID": fid}


@METRICS.register_module()
class KernelInceptionDistance(_InceptionFeatureMetric):
    """KID on the pool3 features; reports ``KID`` and ``KID_std``.

    Args:
        num_subsets (int): Random subsets. Defaults to 100.
        subset_size (int): Samples per subset, clipped to the smaller set size with a
            warning. Defaults to 1000.
        seed (int): Seed of the subset sampling. Defaults to 2020.
        **kwargs: See :class:`_InceptionFeatureMetric`.
    """

    def __init__(
        self, num_subsets: int = 100, subset_size: int = 1000, seed: int = 2020, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.num_subsets = num_subsets
        self.subset_size = subset_size
        self.seed = seed

    def compute_metrics(self, results: list) -> dict[str, float]:
        real_features, fake_features = self._gather(results)
        subset_size = min(self.subset_size, len(real_features), len(fake_features))
        if subset_size < self.subset_size:
            _logger.warning(
                "KID subset_size=%d exceeds the %d real / %d fake samples; using %d",
                self.subset_size, len(real_features), len(fake_features), subset_size,
            )
        mean, std = kernel_inception_distance(
            real_features, fake_features, self.num_subsets, subset_size, seed=self.seed
        )
        return {"KID": mean, "KID_std": std}


@METRICS.register_module()
class DensityCoverage(_InceptionFeatureMetric):
    """Precision, recall, density and coverage on the pool3 features (Naeem et al. 2020).

    Args:
        k (int): Nearest neighbours. Defaults to 5.
        **kwargs: See :class:`_InceptionFeatureMetric`.
    """

    def __init__(self, k: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.k = k

    def compute_metrics(self, results: list) -> dict[str, float]:
        real_features, fake_features = self._gather(results)
        return density_coverage(real_features, fake_features, self.k)


@METRICS.register_module()
class SingleImageFID(_ImageMetric):
    """SIFID of each fake image against its real image; reports the mean as ``SIFID``.

    When ``real_folder`` contains one image (the training image of a SinGAN), every fake
    image is compared with it. Without ``real_folder``, each fake is paired with the real
    image at the same position of the data batch.

    Args:
        inception_weights (str, optional): Path of the pytorch-fid weight file; None
            reads it from the torch hub cache. Defaults to None.
        **kwargs: See :class:`_ImageMetric`.
    """

    def __init__(self, inception_weights: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.inception_weights = None if inception_weights is None else str(inception_weights)
        self._reference = None
        if self.real_folder is not None:
            files = list_images(self.real_folder)
            if len(files) != 1:
                raise ValueError(
                    f"SingleImageFID real_folder {self.real_folder!r} contains {len(files)} images; "
                    "it must hold exactly the one training image"
                )
            self._reference = (load_images(files), [files[0].name])

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute and store the SIFID of each fake image of the batch."""
        fakes = self._fake_images(data_samples)
        inception = _shared_inception(self.inception_weights, False, str(fakes.device))
        if self._reference is not None:
            reals, names = self._reference
        else:
            reals = self._real_images(data_batch)
            names = None
        for value in sifid_pairs(reals.to(fakes.device), fakes, inception, real_names=names):
            self.results.append(value)

    def compute_metrics(self, results: list) -> dict[str, float]:
        return {"SIFID": float(np.mean(results))}


@METRICS.register_module()
class DiversityScore(_ImageMetric):
    """SinGAN's diversity score of the fake images; reports ``diversity``.

    The training image is the one image of ``real_folder`` or, without it, the first
    real image of the first data batch.

    Args:
        unbiased (bool): N - 1 denominator in the deviations. Defaults to False.
        **kwargs: See :class:`_ImageMetric`.
    """

    def __init__(self, unbiased: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.unbiased = unbiased
        self._training_image = None
        if self.real_folder is not None:
            self._training_image = load_images(list_images(self.real_folder)[:1])[0]

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the fake images (and the training image on the first batch)."""
        if self._training_image is None:
            self._training_image = self._real_images(data_batch)[0].cpu()
        for image in self._fake_images(data_samples).cpu():
            self.results.append(image)

    def compute_metrics(self, results: list) -> dict[str, float]:
        samples = torch.stack(results)
        return {"diversity": diversity_score(samples, self._training_image, self.unbiased)}


@METRICS.register_module()
class LearnedPerceptualDistance(_ImageMetric):
    """Mean LPIPS between each fake image and the real image at its position; reports ``LPIPS``.

    Args:
        net (str): LPIPS backbone, ``'alex'`` or ``'vgg'``. Defaults to ``'alex'``.
        backbone_weights (str, optional): torchvision backbone file; None reads the
            torch hub cache. Defaults to None.
        linear_weights (str, optional): LPIPS linear-head file; None uses the installed
            ``lpips`` package's file. Defaults to None.
        **kwargs: See :class:`_ImageMetric`.
    """

    def __init__(
        self,
        net: str = "alex",
        backbone_weights: str | None = None,
        linear_weights: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.net = net
        self.backbone_weights = backbone_weights
        self.linear_weights = linear_weights

    @torch.no_grad()
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute and store the LPIPS of each (fake, real) pair of the batch."""
        fakes = self._fake_images(data_samples)
        reals = self._real_images(data_batch).to(fakes.device)
        if reals.shape != fakes.shape:
            raise ValueError(
                f"LPIPS pairs fake and real images of one shape, got {tuple(fakes.shape)} and "
                f"{tuple(reals.shape)}"
            )
        lpips = _shared_lpips(
            self.net, self.backbone_weights, self.linear_weights, str(fakes.device)
        )
        self.results.extend(lpips(fakes, reals).cpu().tolist())

    def compute_metrics(self, results: list) -> dict[str, float]:
        return {"LPIPS": float(np.mean(results))}


@METRICS.register_module()
class MemorizationTest(BaseMetric):
    """KS memorization test by latent recovery (Webster et al. 2019).

    Reports ``KS_p_value``, ``KS_statistic``, ``train_error`` and ``heldout_error`` (mean
    reconstruction errors). The model comes from :class:`AttachModelHook`, which the
    config must list in ``custom_hooks``; the data batches are not used.

    Args:
        train_folder (str): Training images.
        heldout_folder (str): Held-out images of the same distribution.
        steps (int): Adam steps per image. Defaults to 500.
        learning_rate (float): Adam learning rate. Defaults to 0.05.
        distance (str): ``'l2'`` or ``'lpips'``. Defaults to ``'l2'``.
        lpips_net (str): LPIPS backbone when ``distance='lpips'``. Defaults to ``'alex'``.
        lpips_backbone_weights (str, optional): See :class:`LearnedPerceptualDistance`.
        lpips_linear_weights (str, optional): See :class:`LearnedPerceptualDistance`.
        batch_size (int): Images recovered at once. Defaults to 16.
        seed (int): Seed of the initial latents. Defaults to 0.
        collect_device (str): See ``BaseMetric``. Defaults to ``'cpu'``.
        prefix (str, optional): See ``BaseMetric``. Defaults to None.
    """

    def __init__(
        self,
        train_folder: str,
        heldout_folder: str,
        steps: int = 500,
        learning_rate: float = 0.05,
        distance: str = "l2",
        lpips_net: str = "alex",
        lpips_backbone_weights: str | None = None,
        lpips_linear_weights: str | None = None,
        batch_size: int = 16,
        seed: int = 0,
        collect_device: str = "cpu",
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        list_images(train_folder)
        list_images(heldout_folder)
        self.train_folder = train_folder
        self.heldout_folder = heldout_folder
        self.steps = steps
        self.learning_rate = learning_rate
        self.distance = distance
        self.lpips_options = (lpips_net, lpips_backbone_weights, lpips_linear_weights)
        self.batch_size = batch_size
        self.seed = seed
        self.model: torch.nn.Module | None = None

    def attach_model(self, model: torch.nn.Module) -> None:
        """Set the GAN model whose generator is tested."""
        self.model = model

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Do nothing: the test runs on its own folders once the loop ends."""
        # One placeholder keeps BaseMetric from warning about empty results.
        if not self.results:
            self.results.append(0)

    def compute_metrics(self, results: list) -> dict[str, float]:
        if self.model is None:
            raise RuntimeError(
                "MemorizationTest has no model: add dict(type='AttachModelHook') to custom_hooks"
            )
        report = run_memorization_test(
            self.model, self.train_folder, self.heldout_folder, steps=self.steps,
            learning_rate=self.learning_rate, distance=self.distance,
            lpips_options=self.lpips_options, batch_size=self.batch_size, seed=self.seed,
        )
        return {
            "KS_p_value": report["ks_p_value"],
            "KS_statistic": report["ks_statistic"],
            "train_error": report["train_error_mean"],
            "heldout_error": report["heldout_error_mean"],
        }


@HOOKS.register_module()
class AttachModelHook(Hook):
    """Hand the runner's model to the evaluator metrics that need it (``attach_model``)."""

    priority = "LOW"

    def _attach(self, runner, evaluator_name: str) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        loop = getattr(runner, f"{evaluator_name}_loop")
        for metric in loop.evaluator.metrics:
            if hasattr(metric, "attach_model"):
                metric.attach_model(model)

    def before_val(self, runner) -> None:
        self._attach(runner, "val")

    def before_test(self, runner) -> None:
        self._attach(runner, "test")

