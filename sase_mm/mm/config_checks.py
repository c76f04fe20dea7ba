"""Checks that turn common config mistakes into clear errors before a run starts."""
import os
from typing import Any, Iterator, List, Tuple

from mmengine.config import Config
from mmengine.registry import MODELS, OPTIM_WRAPPERS, TRANSFORMS

from .datasets.fashion_mnist import FASHION_MNIST_FILES

CUSTOM_IMPORTS_LINE = "custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)"

_DATALOADER_KEYS = ("train_dataloader", "val_dataloader", "test_dataloader")

# Datasets that mmpretrain downloads into data_root when the files are missing.
_IDX_DATASET_TYPES = ("FashionMNIST", "MNIST")


def _iter_types(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        value = node.get("type")
        if isinstance(value, str):
            yield value
        for child in node.values():
            yield from _iter_types(child)
    elif isinstance(node, (list, tuple)):
        for child in node:
            yield from _iter_types(child)


def sase_mm_types() -> List[str]:
    """List the registry names that sase_mm adds to MMEngine's root registries.

    Returns:
        Names such as ``'SASEResNet'`` whose classes live in ``sase_mm``.
    """
    names = []
    for registry in (MODELS, TRANSFORMS, OPTIM_WRAPPERS):
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith("sase_mm."):
                names.append(name)
    return names


def check_custom_imports(cfg: Config, config_path: str) -> None:
    """Require ``custom_imports`` of sase_mm in configs that use sase_mm types.

    sase_mm registers its modules on import. OpenMMLab's own tools and
    workers started with ``spawn`` import only what ``custom_imports`` lists,
    so a config that uses ``SASEResNet`` without it fails there with a bare
    registry ``KeyError``. This check fails early with the line to add.

    Args:
        cfg: The loaded config.
        config_path: Path of the config file, for the message.

    Raises:
        ValueError: If the config uses a sase_mm type and its ``custom_imports``
            lists no ``sase_mm`` module.
    """
    used = sorted(set(_iter_types(cfg.to_dict())) & set(sase_mm_types()))
    if not used:
        return
    imports = cfg.get("custom_imports", {}).get("imports", [])
    if isinstance(imports, str):
        imports = [imports]
    if any(name == "sase_mm" or name.startswith("sase_mm.") for name in imports):
        return
    raise ValueError(
        f"{config_path} uses {', '.join(used)} from sase_mm but its custom_imports does not "
        f"import sase_mm; add this line to the config: {CUSTOM_IMPORTS_LINE}"
    )


def _iter_datasets(node: Any, key: str) -> Iterator[Tuple[str, dict]]:
    # Dataset wrappers (RepeatDataset, ClassBalancedDataset, ConcatDataset)
    # nest the real dataset configs under `dataset` or `datasets`.
    if not isinstance(node, dict):
        return
    yield key, node
    if isinstance(node.get("dataset"), dict):
        yield from _iter_datasets(node["dataset"], f"{key}.dataset")
    for index, child in enumerate(node.get("datasets", []) or []):
        yield from _iter_datasets(child, f"{key}.datasets.{index}")


def _is_local(path: str) -> bool:
    return "://" not in path


def check_dataset_folders(cfg: Config, keys: Tuple[str, ...] = _DATALOADER_KEYS) -> None:
    """Check that the ``data_root`` folders of the config's datasets hold data.

    Args:
        cfg: The loaded config, after command-line overrides.
        keys: Dataloader fields to check; fields set to None are skipped.

    Raises:
        FileNotFoundError: If a local ``data_root`` does not exist, is empty,
            lacks the IDX files of an MNIST-type dataset, or a local
            ``ann_file`` is missing. The message names the config key.
    """
    for loader_key in keys:
        loader = cfg.get(loader_key)
        if not loader or not isinstance(loader.get("dataset"), dict):
            continue
        for key, dataset in _iter_datasets(loader["dataset"], f"{loader_key}.dataset"):
            _check_one_dataset(key, dataset)


def _check_one_dataset(key: str, dataset: dict) -> None:
    data_root = dataset.get("data_root")
    if isinstance(data_root, str) and data_root and _is_local(data_root):
        override = f"--cfg-options {key}.data_root=PATH"
        if not os.path.isdir(data_root):
            raise FileNotFoundError(
                f"dataset folder {data_root!r} ({key}.data_root) does not exist; "
                f"{_preparation_hint(dataset)}or set another folder with {override}"
            )
        if not os.listdir(data_root):
            raise FileNotFoundError(
                f"dataset folder {data_root!r} ({key}.data_root) is empty; "
                f"{_preparation_hint(dataset)}or set another folder with {override}"
            )
        if dataset.get("type") in _IDX_DATASET_TYPES:
            missing = [n for n in FASHION_MNIST_FILES if not os.path.isfile(os.path.join(data_root, n))]
            if missing:
                raise FileNotFoundError(
                    f"dataset folder {data_root!r} ({key}.data_root) lacks the IDX files "
                    f"{', '.join(missing)}; {_preparation_hint(dataset)}or set another folder "
                    f"with {override}"
                )

    ann_file = dataset.get("ann_file")
    if isinstance(ann_file, str) and ann_file and _is_local(ann_file):
        path = ann_file if os.path.isabs(ann_file) or not data_root else os.path.join(data_root, ann_file)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"annotation file {path!r} ({key}.ann_file) does not exist; "
                f"set it with --cfg-options {key}.ann_file=PATH"
            )


def _preparation_hint(dataset: dict) -> str:
    if dataset.get("type") == "FashionMNIST":
        root = dataset.get("data_root")
        return (
            "create it with 'python tools/dataset_converters/prepare_fashion_mnist.py "
            f"--out-dir {root}' "
        )
    return ""
