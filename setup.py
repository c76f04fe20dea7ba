"""Installation script of sase_mm.

The core (attention layers and timm models) needs only torch and timm. The
OpenMMLab integration and the GAN subpackage are extras, so that users who
bring their own torch / mmcv build can ``pip install -e .[openmmlab]``.
"""
from setuptools import find_packages, setup

OPENMMLAB_REQUIRES = [
    "mmengine==0.10.7",
    # mmdet 3.3.0 asserts mmcv >= 2.0.0rc4 and < 2.2.0 at import time.
    "mmcv>=2.0.0rc4,<2.2.0",
    "mmdet==3.3.0",
    "mmpretrain==1.2.0",
    "pycocotools>=2.0.7",
    "fvcore>=0.1.5",
]

GAN_REQUIRES = [
    "mmengine==0.10.7",
    "scipy>=1.10",
    "tqdm>=4.60",
    "pillow>=9.0",
    # LPIPS linear heads (the backbone weights are the user's file).
    "lpips==0.1.4",
    "fvcore>=0.1.5",
]

DEV_REQUIRES = [
    "pytest>=8.0",
    "scikit-image>=0.22",
    "scikit-learn>=1.3",
    "fvcore>=0.1.5",
    # Reference implementations the metric agreement tests compare against.
    "prdc==0.2",
    "torch-fidelity==0.4.0",
    "pytorch-fid==0.3.0",
]

setup(
    name="sase_mm",
    version="0.1.0",
    description=(
        "Spatially-Adaptive Squeeze-Excitation (SASE) networks for timm, "
        "MMPretrain, MMDetection and few-shot / one-shot GANs"
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["sase_mm", "sase_mm.*"]),
    install_requires=[
        "torch>=2.0",
        "torchvision>=0.15",
        "timm>=1.0.21,<1.1",
        "numpy",
    ],
    extras_require={
        "openmmlab": OPENMMLAB_REQUIRES,
        "gan": GAN_REQUIRES,
        "dev": DEV_REQUIRES,
        "all": OPENMMLAB_REQUIRES + GAN_REQUIRES + DEV_REQUIRES,
    },
    include_package_data=True,
    zip_safe=False,
)
