"""Dataset helpers: Fashion-MNIST preparation and greyscale-image transforms."""
from .fashion_mnist import FASHION_MNIST_FILES, prepare_fashion_mnist
from .transforms import GrayToBGR

__all__ = ["FASHION_MNIST_FILES", "GrayToBGR", "prepare_fashion_mnist"]
