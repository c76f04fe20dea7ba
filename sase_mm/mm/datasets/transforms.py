"""Data-pipeline transforms registered in MMEngine's root TRANSFORMS."""
from typing import Dict

import numpy as np
from mmengine.registry import TRANSFORMS


@TRANSFORMS.register_module()
class GrayToBGR:
    """Replicate a greyscale image into three identical BGR channels.

    mmpretrain's ``MNIST`` / ``FashionMNIST`` datasets return ``img`` as an
    (H, W) uint8 array. Several RandAugment operations (for example
    ``ColorTransform``) convert BGR to grey with OpenCV and need three
    channels, and ImageNet backbones expect three input channels, so this
    transform runs first in the pipeline. Images that already have three
    channels pass through unchanged.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``.
    """

    def __call__(self, results: Dict) -> Dict:
        """Replicate the channel of ``results['img']``.

        Args:
            results (dict): Result dict with an ``img`` array of shape (H, W),
                (H, W, 1) or (H, W, 3).

        Returns:
            dict: The result dict with ``img`` of shape (H, W, 3).

        Raises:
            ValueError: If ``img`` has another shape.
        """
        image = results["img"]
        if image.ndim == 3 and image.shape[2] == 3:
            return results
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        if image.ndim != 2:
            raise ValueError(
                f"GrayToBGR expects an (H, W), (H, W, 1) or (H, W, 3) image, got shape {image.shape}"
            )
        results["img"] = np.ascontiguousarray(np.repeat(image[..., None], 3, axis=2))
        results["img_shape"] = image.shape[:2]
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"
