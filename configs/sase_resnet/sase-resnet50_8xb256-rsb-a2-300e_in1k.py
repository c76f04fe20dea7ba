# SASE-ResNet-50 with the ResNet Strikes Back A2 recipe on ImageNet-1k
# (300 epochs, 8 GPUs x 256 images; the SASE paper's Table 8 reports 81.24 top-1).
# Everything except the backbone comes from mmpretrain's ResNet-50 A2 config:
# Lamb lr 5e-3, BCE loss, Mixup 0.1 + CutMix 1.0, RandAugment, RepeatAugSampler,
# 5 warm-up epochs and a cosine schedule.
_base_ = 'mmpretrain::resnet/resnet50_8xb256-rsb-a2-300e_in1k.py'

custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SASEResNet',
        depth=50,
        out_indices=(3, ),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        drop_path_rate=0.05))
