"""timm-registered networks: importing this registers the SASE-ResNet family."""
from sase_mm.models.sase_resnet import (
    SASE_RESNET_DEPTHS,
    SASEBottleneck,
    SASEResNet,
    create_sase_resnet,
    pretrained_cache_path,
)

__all__ = ["SASE_RESNET_DEPTHS", "SASEBottleneck", "SASEResNet", "create_sase_resnet",
           "pretrained_cache_path"]
