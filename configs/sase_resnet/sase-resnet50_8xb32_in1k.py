# SASE-ResNet-50 on ImageNet-1k with the plain 100-epoch recipe (8 GPUs x 32 images,
# SGD lr 0.1, steps at 30/60/90, random resized crop + horizontal flip only).
# The SASE paper's Table 8 reports 78.06 top-1 for this setting.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

custom_imports = dict(imports=['sase_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SASEResNet',
        depth=50,
        out_indices=(3, )))
