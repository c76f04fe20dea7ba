# Baseline for the SASE-ResNet50 Fashion-MNIST COCO config: the same data,
# schedule, heads and initialisation (from scratch), with mmdet's ResNet-50 as
# the backbone, so the two runs differ only in the 3x3 convolutions.
_base_ = './sase-resnet50_mask-rcnn_fpn_ms-poly-3x_fashion-mnist-coco.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=None))
