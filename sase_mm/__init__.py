"""Spatially-Adaptive Squeeze-Excitation (SASE) networks for timm and OpenMMLab."""
__version__ = "0.1.0"
