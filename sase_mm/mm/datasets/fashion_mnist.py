"""Preparation of the Fashion-MNIST files that mmpretrain's ``FashionMNIST`` reads.

mmpretrain 1.2.0's ``FashionMNIST`` dataset reads the four un-gzipped IDX files
from its ``data_root`` and otherwise tries to download them. The Debian package
``dataset-fashion-mnist`` installs the gzipped files under
``/usr/share/datasets/fashion-mnist``; :func:`prepare_fashion_mnist` decompresses
them into a data folder so that no download is ever attempted.
"""
import gzip
import logging
import os
import shutil
import struct
from pathlib import Path
from typing import List, Union

_logger = logging.getLogger(__name__)

DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

# IDX file names as mmpretrain's FashionMNIST expects them in data_root, with
# the number of items in each file (60k train, 10k test).
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte": 60000,
    "train-labels-idx1-ubyte": 60000,
    "t10k-images-idx3-ubyte": 10000,
    "t10k-labels-idx1-ubyte": 10000,
}

_IDX_UBYTE_TYPE = 0x08


def idx_expected_size(path: Union[str, Path]) -> int:
    """Compute the byte size that an IDX file must have according to its header.

    Args:
        path: An uncompressed IDX file with unsigned-byte items.

    Returns:
        The header size plus the product of the dimensions.

    Raises:
        ValueError: If the header is truncated or is not an unsigned-byte IDX header.
    """
    with open(path, "rb") as file:
        magic = file.read(4)
        if len(magic) != 4 or magic[0] != 0 or magic[1] != 0 or magic[2] != _IDX_UBYTE_TYPE:
            raise ValueError(f"{path} is not an unsigned-byte IDX file (magic bytes {magic!r})")
        num_dims = magic[3]
        dims_bytes = file.read(4 * num_dims)
    if len(dims_bytes) != 4 * num_dims:
        raise ValueError(f"{path} has a truncated IDX header")
    size = 1
    for dim in struct.unpack(f">{num_dims}I", dims_bytes):
        size *= dim
    return 4 + 4 * num_dims + size


def is_complete_idx(path: Union[str, Path], num_items: int) -> bool:
    """Check that ``path`` is a whole IDX file holding ``num_items`` items.

    Args:
        path: File to check.
        num_items: Expected first dimension.

    Returns:
        True if the header is valid, the first dimension matches and the file
        size matches the header.
    """
    path = Path(path)
    if not path.is_file():
        return False
    try:
        expected = idx_expected_size(path)
    except ValueError:
        return False
    with open(path, "rb") as file:
        file.seek(4)
        first_dim = struct.unpack(">I", file.read(4))[0]
    return first_dim == num_items and path.stat().st_size == expected


def _find_source(source_dir: Path, name: str) -> Path:
    for candidate in (source_dir / f"{name}.gz", source_dir / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"Fashion-MNIST file {name}(.gz) not found in {source_dir}; install the Debian package "
        "dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the folder that "
        "holds the four IDX files"
    )


def prepare_fashion_mnist(
    out_dir: Union[str, Path],
    source_dir: Union[str, Path] = DEBIAN_FASHION_MNIST_DIR,
) -> List[Path]:
    """Decompress the Fashion-MNIST IDX files into ``out_dir``.

    The call is idempotent: a file that is already complete is left alone.
    Each file is written under a temporary name in ``out_dir`` and moved into
    place with :func:`os.replace`, so an interrupted run never leaves a
    half-written file under the final name.

    Args:
        out_dir: Folder to write, used as ``data_root`` of ``FashionMNIST``.
        source_dir: Folder holding the gzipped (or plain) IDX files.

    Returns:
        The paths of the four IDX files in ``out_dir``.

    Raises:
        FileNotFoundError: If ``source_dir`` or one of its files is missing.
        ValueError: If a source file does not decompress to a complete IDX file.
    """
    source_dir = Path(source_dir)
    out_dir = Path(out_dir)
    if not source_dir.is_dir():
        raise FileNotFoundError(
            f"Fashion-MNIST source folder {source_dir} does not exist; install the Debian package "
            "dataset-fashion-mnist or pass --source with the folder that holds the IDX files"
        )
    out_dir.mkdir(parents=True, exist_ok=True)

    written = []
    for name, num_items in FASHION_MNIST_FILES.items():
        target = out_dir / name
        written.append(target)
        if is_complete_idx(target, num_items):
            _logger.info("%s is complete, skipping", target)
            continue

        source = _find_source(source_dir, name)
        partial = out_dir / f".{name}.partial-{os.getpid()}"
        opener = gzip.open if source.suffix == ".gz" else open
        try:
            with opener(source, "rb") as reader, open(partial, "wb") as writer:
                shutil.copyfileobj(reader, writer, length=1 << 20)
            if not is_complete_idx(partial, num_items):
                raise ValueError(
                    f"{source} does not hold a complete IDX file with {num_items} items; "
                    "reinstall dataset-fashion-mnist"
                )
            os.replace(partial, target)
        finally:
            if partial.exists():
                partial.unlink()
        _logger.info("wrote %s", target)
    return written
