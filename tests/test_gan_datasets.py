"""Tests of the few-shot image folder: formats, modes, resizing and bad input."""
import logging
import os

import numpy as np
import pytest
import torch
from PIL import Image

from sase_mm.gan.datasets import FewShotImageFolder


def _save(path, mode, size, fmt=None):
    rng = np.random.default_rng(0)
    channels = {"L": None, "RGB": 3, "RGBA": 4}[mode]
    shape = (size[1], size[0]) if channels is None else (size[1], size[0], channels)
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=None).save(path, format=fmt)


def test_reads_formats_and_modes_as_rgb(tmp_path):
    _save(tmp_path / "grey.jpg", "L", (64, 64))
    _save(tmp_path / "alpha.png", "RGBA", (64, 64))
    _save(tmp_path / "colour.webp", "RGB", (64, 64))
    _save(tmp_path / "colour.bmp", "RGB", (64, 64))
    (tmp_path / "notes.txt").write_text("not an image")

    dataset = FewShotImageFolder(str(tmp_path), im_size=32, horizontal_flip=False)

    assert len(dataset) == 4
    for index in range(4):
        image = dataset[index]["inputs"]
        assert image.shape == (3, 32, 32)
        assert image.min() >= -1
        assert image.max() <= 1


def test_center_crop_keeps_aspect(tmp_path):
    pixels = np.zeros((32, 64, 3), dtype=np.uint8)
    pixels[:, 16:48] = 255  # white centre square, black side bands
    Image.fromarray(pixels).save(tmp_path / "wide.png")

    cropped = FewShotImageFolder(str(tmp_path), 32, resize_mode="center_crop", horizontal_flip=False)
    resized = FewShotImageFolder(str(tmp_path), 32, resize_mode="resize", horizontal_flip=False)

    assert torch.allclose(cropped.load_image(0), torch.ones(3, 32, 32))
    assert resized.load_image(0)[:, :, 0].max() < 0


def test_small_images_upsampled_with_warning(tmp_path, caplog):
    _save(tmp_path / "small.png", "RGB", (25, 25))

    with caplog.at_level(logging.WARNING):
        dataset = FewShotImageFolder(str(tmp_path), 64)

    assert "smaller than im_size=64" in caplog.text
    assert dataset.load_image(0).shape == (3, 64, 64)


def test_unreadable_file_skipped_with_warning(tmp_path, caplog):
    _save(tmp_path / "good.png", "RGB", (32, 32))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 truncated")

    with caplog.at_level(logging.WARNING):
        dataset = FewShotImageFolder(str(tmp_path), 32)

    assert len(dataset) == 1
    assert "broken.jpg" in caplog.text


def test_empty_or_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no readable image"):
        FewShotImageFolder(str(tmp_path), 32)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        FewShotImageFolder(os.path.join(tmp_path, "missing"), 32)


def test_invalid_options_raise(tmp_path):
    with pytest.raises(ValueError, match="resize_mode='pad'"):
        FewShotImageFolder(str(tmp_path), 32, resize_mode="pad")
    with pytest.raises(ValueError, match="im_size=0"):
        FewShotImageFolder(str(tmp_path), 0)
