"""Configs under configs/sase_resnet, the checks of tools/train.py, data preparation and CPU AMP."""
import gzip
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import sase_mm  # noqa: F401  (registers the OpenMMLab modules)
from sase_mm.mm.backbones import SASEResNetBackbone
from sase_mm.mm.config_checks import check_custom_imports, check_dataset_folders
from sase_mm.mm.datasets import FASHION_MNIST_FILES, GrayToBGR, prepare_fashion_mnist
from sase_mm.mm.engine import CPUAutocastOptimWrapper
from sase_mm.mm.launch import configure_train_amp

from mm_cls_helpers import CONFIG_DIR, DEBIAN_FASHION_MNIST, FASHION_MNIST_CONFIG

IMAGENET_CONFIGS = ["sase-resnet50_8xb256-rsb-a2-300e_in1k.py", "sase-resnet50_8xb32_in1k.py"]


@pytest.mark.parametrize("name", IMAGENET_CONFIGS + [FASHION_MNIST_CONFIG.name])
def test_config_loads_and_builds(name):
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(str(CONFIG_DIR / name))
    check_custom_imports(cfg, name)
    assert cfg.model.backbone.type == "SASEResNet"
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert isinstance(model.backbone, SASEResNetBackbone)
    assert model.backbone.depth == 50


def test_a2_config_keeps_the_recipe():
    cfg = Config.fromfile(str(CONFIG_DIR / IMAGENET_CONFIGS[0]))
    assert cfg.optim_wrapper.optimizer.type == "Lamb"
    assert cfg.optim_wrapper.optimizer.lr == 5e-3
    assert cfg.model.head.loss.use_sigmoid is True
    assert [a.type for a in cfg.model.train_cfg.augments] == ["Mixup", "CutMix"]
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.model.backbone.norm_cfg.type == "SyncBN"
    assert cfg.model.backbone.drop_path_rate == 0.05


def test_100_epoch_config_keeps_the_recipe():
    cfg = Config.fromfile(str(CONFIG_DIR / IMAGENET_CONFIGS[1]))
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.optim_wrapper.optimizer.type == "SGD"
    assert [t.type for t in cfg.train_dataloader.dataset.pipeline] == [
        "LoadImageFromFile", "RandomResizedCrop", "RandomFlip", "PackInputs"]


def test_missing_custom_imports_names_the_fix(tmp_path):
    path = tmp_path / "forgot.py"
    path.write_text("model = dict(type='ImageClassifier', backbone=dict(type='SASEResNet'))\n")
    with pytest.raises(ValueError, match=r"uses SASEResNet .*custom_imports = dict\(imports=\['sase_mm'\]"):
        check_custom_imports(Config.fromfile(str(path)), str(path))


def _loader_cfg(data_root, dataset_type="FashionMNIST"):
    return Config(dict(train_dataloader=dict(dataset=dict(type=dataset_type, data_root=str(data_root)))))


def test_missing_dataset_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'.*nowhere' \(train_dataloader.dataset.data_root\) does not exist"):
        check_dataset_folders(_loader_cfg(tmp_path / "nowhere"))


def test_empty_dataset_folder_suggests_preparation(tmp_path):
    with pytest.raises(FileNotFoundError, match="is empty; create it with .*prepare_fashion_mnist.py"):
        check_dataset_folders(_loader_cfg(tmp_path))


def test_dataset_folder_without_idx_files(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="lacks the IDX files train-labels-idx1-ubyte"):
        check_dataset_folders(_loader_cfg(tmp_path))


def test_wrapped_dataset_folder_is_checked(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type="RepeatDataset", times=2, dataset=dict(type="CocoDataset", data_root=str(tmp_path / "coco"))))))
    with pytest.raises(FileNotFoundError, match=r"train_dataloader.dataset.dataset.data_root"):
        check_dataset_folders(cfg)


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="needs the Debian package dataset-fashion-mnist")
def test_prepare_fashion_mnist_is_idempotent_and_repairs(tmp_path):
    paths = prepare_fashion_mnist(tmp_path)
    assert sorted(p.name for p in paths) == sorted(FASHION_MNIST_FILES)
    assert sorted(os.listdir(tmp_path)) == sorted(FASHION_MNIST_FILES)
    labels = tmp_path / "t10k-labels-idx1-ubyte"
    assert labels.stat().st_size == 8 + 10000
    mtime = labels.stat().st_mtime_ns

    prepare_fashion_mnist(tmp_path)
    assert labels.stat().st_mtime_ns == mtime

    images = tmp_path / "train-images-idx3-ubyte"
    with open(images, "r+b") as file:
        file.truncate(1000)
    prepare_fashion_mnist(tmp_path)
    assert images.stat().st_size == 16 + 60000 * 28 * 28
    assert sorted(os.listdir(tmp_path)) == sorted(FASHION_MNIST_FILES)


def test_prepare_rejects_truncated_source(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    with gzip.open(source / "train-images-idx3-ubyte.gz", "wb") as file:
        file.write(bytes([0, 0, 8, 3]) + (60000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 100)
    with pytest.raises(ValueError, match="does not hold a complete IDX file"):
        prepare_fashion_mnist(tmp_path / "out", source)
    assert os.listdir(tmp_path / "out") == []


def test_prepare_missing_source_names_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        prepare_fashion_mnist(tmp_path / "out", tmp_path / "absent")


def test_gray_to_bgr_replicates_channel():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    results = GrayToBGR()(dict(img=image))
    assert results["img"].shape == (3, 4, 3)
    assert all(np.array_equal(results["img"][..., c], image) for c in range(3))
    with pytest.raises(ValueError, match=r"got shape \(3, 4, 2\)"):
        GrayToBGR()(dict(img=np.zeros((3, 4, 2), np.uint8)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the path taken without CUDA")
def test_amp_without_cuda_uses_bfloat16_autocast():
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1))))
    configure_train_amp(cfg)
    assert cfg.optim_wrapper.type == "CPUAutocastOptimWrapper"

    model = torch.nn.Linear(4, 2)
    wrapper = CPUAutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        output = model(torch.randn(3, 4))
    assert output.dtype == torch.bfloat16
    with pytest.raises(ValueError, match="dtype='bfloat16' only, got 'float16'"):
        CPUAutocastOptimWrapper(dtype="float16", optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
