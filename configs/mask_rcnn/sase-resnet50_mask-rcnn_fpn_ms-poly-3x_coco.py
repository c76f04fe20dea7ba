# Mask R-CNN 3x (36 epochs, multi-scale, polygon masks) on COCO 2017 with the
# SASE-ResNet50 backbone. Only the backbone differs from mmdet's
# mask-rcnn_r50_fpn_ms-poly-3x_coco.py: data, schedule, optimizer (SGD lr 0.02
# for 8 GPUs x 2 images) and heads are mmdet's.
#
# The backbone starts from an ImageNet SASE-ResNet50 classification checkpoint
# (an MMPretrain ImageClassifier whose weights are under 'backbone.'). Nothing
# is downloaded: set the file with the environment variable
# SASE_RESNET50_CHECKPOINT, or with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_ms-poly-3x_coco.py'

custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SASEResNet',
        depth=50,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='{{$SASE_RESNET50_CHECKPOINT:checkpoints/sase-resnet50_in1k.pth}}')))
